"""A second web process for the link-request limit test: its own `create_app`, asking for reset links.

Run as `python -m tests.support.link_request_process DATABASE_URL REDIS_URL KEY_PREFIX PATH EMAIL [EMAIL …]`;
posts each EMAIL to PATH (e.g. /forgotten-password) and prints the statuses as JSON. Nothing is shared with
the test's process but the database and Redis, as between two gunicorn workers.
"""

from __future__ import annotations

import json
import sys

from tests.conftest import make_config
from tracker import create_app


def link_limit_config(database_url: str, redis_url: str, prefix: str):
    return make_config(
        database_url,
        RATELIMIT_ENABLED=True,
        LINK_LIMIT_PER_EMAIL="3 per 15 minutes",
        LINK_LIMIT_PER_ADDRESS="5 per 15 minutes",
        REDIS_URL=redis_url,
        RATELIMIT_KEY_PREFIX=prefix,
    )


def attempts(database_url: str, redis_url: str, prefix: str, path: str, emails: list[str]) -> list[int]:
    app = create_app(link_limit_config(database_url, redis_url, prefix))
    client = app.test_client()
    return [client.post(path, data={"email": email}).status_code for email in emails]


if __name__ == "__main__":
    database_url, redis_url, prefix, path, *emails = sys.argv[1:]
    print(json.dumps(attempts(database_url, redis_url, prefix, path, emails)))

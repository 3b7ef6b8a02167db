"""A second web process for the rate-limit test: its own `create_app`, signing in with a wrong password.

Run as `python -m tests.support.login_process DATABASE_URL REDIS_URL KEY_PREFIX EMAIL PASSWORD COUNT`;
prints the status of each attempt as JSON. Nothing is shared with the test's process but the database
and Redis, as between two gunicorn workers.
"""

from __future__ import annotations

import json
import sys

from tests.conftest import make_config
from tracker import create_app


def attempts(database_url: str, redis_url: str, prefix: str, email: str, password: str, count: int) -> list[int]:
    app = create_app(login_limit_config(database_url, redis_url, prefix))
    client = app.test_client()
    return [client.post("/sign-in", data={"email": email, "password": password}).status_code for _ in range(count)]


def login_limit_config(database_url: str, redis_url: str, prefix: str):
    return make_config(
        database_url,
        RATELIMIT_ENABLED=True,
        LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes",
        REDIS_URL=redis_url,
        RATELIMIT_KEY_PREFIX=prefix,
    )


if __name__ == "__main__":
    database_url, redis_url, prefix, email, password, count = sys.argv[1:7]
    print(json.dumps(attempts(database_url, redis_url, prefix, email, password, int(count))))

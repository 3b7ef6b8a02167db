"""Asking for emailed links is limited across web processes: with REDIS_URL set, two processes share one limit
per email address and one per client address, whether or not the address is known (a 429 for both alike).

As in test_rate_limit_shared.py, the test's app and a second app in a child process
(tests/support/link_request_process.py) stand in for two gunicorn workers sharing only the database and Redis.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from tests.factories import make_user
from tests.integration.security.test_rate_limit_shared import REDIS_URL, ROOT, prefix, redis_client  # noqa: F401
from tests.support.link_request_process import link_limit_config
from tracker.accounts.models import Role
from tracker.extensions import db, limiter
from tracker.invites.models import OutboxMessage


@pytest.fixture
def app_config(database_url, prefix):  # noqa: F811
    # Flask-Limiter keeps the first key prefix it was given (`_key_prefix or config`): forget it, before and
    # after, so this test's process and the other one count under this test's prefix (and later tests theirs).
    limiter._key_prefix = None
    yield link_limit_config(database_url, REDIS_URL, prefix)
    limiter._key_prefix = None


def other_process(database_url: str, prefix: str, path: str, *emails: str) -> list[int]:  # noqa: F811
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.link_request_process", database_url, REDIS_URL, prefix, path, *emails],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def sent(email: str) -> int:
    count = db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient_email == email))
    db.session.rollback()  # on SQLite a transaction holds the write lock: let the other process write
    return count


@pytest.mark.parametrize("path", ["/forgotten-password", "/sign-in-link"])
def test_two_web_processes_share_one_limit_per_email_address(
    app,
    client,
    database_url,
    prefix,  # noqa: F811
    redis_client,  # noqa: F811
    backend,
    path,
):
    if backend != "sqlite":
        pytest.skip("the limit lives in Redis, whatever the database")
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    email = make_user(Role.STAFF).person.email
    db.session.commit()

    assert other_process(database_url, prefix, path, email, email) == [302, 302]  # two over there...
    assert client.post(path, data={"email": email}).status_code == 302  # ...one here
    assert client.post(path, data={"email": email.upper()}).status_code == 429  # the limit is 3, any case
    assert other_process(database_url, prefix, path, email) == [429]  # and the other process knows it too
    assert sent(email) == 3
    # An unknown address is limited the same way: a 429 tells nothing about whether it is known.
    # (A request refused by the limit per email address is not counted against the client address's 5.)
    assert other_process(database_url, prefix, path, *["nobody@example.org"] * 3) == [302, 302, 429]
    assert list(redis_client.scan_iter(f"*{prefix}*")), "the counts are not in Redis"


def test_two_web_processes_share_one_limit_per_client_address(
    app,
    client,
    database_url,
    prefix,  # noqa: F811
    redis_client,  # noqa: F811
    backend,
):
    if backend != "sqlite":
        pytest.skip("the limit lives in Redis, whatever the database")
    emails = [f"someone{n}@example.org" for n in range(6)]
    assert other_process(database_url, prefix, "/forgotten-password", *emails[:3]) == [302, 302, 302]
    assert [client.post("/forgotten-password", data={"email": e}).status_code for e in emails[3:]] == [302, 302, 429]

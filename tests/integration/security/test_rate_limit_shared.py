"""Rate limiting across processes: with REDIS_URL set, two web processes share one login limit.

The test's app and a second app built by `create_app` in a child process (tests/support/login_process.py)
stand in for two gunicorn workers: they share only the database and Redis. Failed sign-ins for one
account in either process count against the same limit, so an attacker cannot multiply the attempts by
the number of workers. Skipped when Redis is not reachable at TRACKER_TEST_REDIS_URL (default
redis://127.0.0.1:6379/0). Each run uses its own key prefix and deletes its keys afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from tests.factories import make_user
from tests.support.login_process import login_limit_config
from tracker.accounts.models import Role
from tracker.extensions import db

REDIS_URL = os.environ.get("TRACKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[3]
WRONG = "not the right passphrase 7"


@pytest.fixture(scope="module")
def redis_client():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client):
    value = f"tracker-test-{uuid.uuid4().hex[:12]}"
    yield value
    keys = list(redis_client.scan_iter(f"*{value}*"))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def app_config(database_url, prefix):
    return login_limit_config(database_url, REDIS_URL, prefix)


def other_process(database_url: str, prefix: str, email: str, count: int) -> list[int]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.support.login_process",
            database_url,
            REDIS_URL,
            prefix,
            email,
            WRONG,
            str(count),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_web_processes_share_one_login_limit(app, client, database_url, prefix, redis_client, backend):
    if backend != "sqlite":
        pytest.skip("the limit lives in Redis, whatever the database")
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    user = make_user(Role.STAFF)
    email = user.person.email
    db.session.commit()

    assert other_process(database_url, prefix, email, 2) == [200, 200]  # two failures over there...
    assert client.post("/sign-in", data={"email": email, "password": WRONG}).status_code == 200  # ...one here
    assert client.post("/sign-in", data={"email": email, "password": WRONG}).status_code == 429  # the limit is 3
    assert other_process(database_url, prefix, email, 1) == [429]  # and the other process knows it too
    assert list(redis_client.scan_iter(f"*{prefix}*")), "the counts are not in Redis"

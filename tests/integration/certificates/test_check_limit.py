"""The public check page is rate-limited per client address, like the other public pages."""

from __future__ import annotations

import pytest

from tests.conftest import make_config


@pytest.fixture
def app_config(database_url):
    return make_config(
        database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", CERTIFICATE_CHECK_LIMIT="3 per minute"
    )


def test_a_fourth_check_in_a_minute_is_refused(app, client):
    statuses = [client.get("/certificates/AAAABBBBCCCC").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    other_address = app.test_client().get("/certificates/AAAABBBBCCCC", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_address.status_code == 404

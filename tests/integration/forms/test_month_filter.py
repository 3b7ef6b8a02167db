"""The month filter on "Find a session" takes a month as people write it: "January 2027", "Jan 2027", "2027-01"."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote_plus

import pytest

from tests.factories import make_session, make_user
from tests.integration.sessions.helpers import in_days
from tracker.accounts.models import Role
from tracker.common.time import today_london


@pytest.fixture
def client(signed_in):
    return signed_in(make_user(Role.STAFF))


@pytest.mark.parametrize("style", ["%B %Y", "%b %Y", "%Y-%m"])
def test_the_month_filter_reads_each_way_of_writing_a_month(app, client, style):
    make_session(title="WRAP soon", starts_at=in_days(5))
    make_session(title="WRAP later", starts_at=in_days(70))
    month = (today_london() + timedelta(days=70)).strftime(style)
    html = client.get(f"/sessions?month={quote_plus(month)}").get_data(as_text=True)
    assert "WRAP later" in html and "WRAP soon" not in html and "govuk-error-summary" not in html


def test_a_month_that_cannot_be_read_is_marked_next_to_the_field(app, client):
    make_session(title="WRAP soon", starts_at=in_days(5))
    html = client.get("/sessions?month=Smarch+2027").get_data(as_text=True)
    message = "Month must be a month and year, like January 2027 or 2027-01"
    assert 'href="#month"' in html
    assert re.search(
        r'id="month-error" class="govuk-error-message">\s*<span class="govuk-visually-hidden">Error:</span> ' + message,
        html,
    )
    assert 'value="Smarch 2027"' in html

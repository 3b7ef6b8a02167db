"""Check-in tests run at 10am London time today (check-in is open only on the session's own London day)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import time_machine

from tests.factories import make_booking, make_person, make_session, make_user
from tracker.accounts.models import Role
from tracker.common.time import london_to_utc, today_london


@pytest.fixture
def clock():
    """The process clock at 10:00 London time today, ticking."""
    with time_machine.travel(london_to_utc(today_london(), time(10, 0)), tick=True) as traveller:
        yield traveller


@pytest.fixture
def trainer(app):
    return make_user(Role.TRAINER)


def session_on(day, *, lead=None, **kw):
    """A session at 9:30–11:30 London time on `day`."""
    starts_at = london_to_utc(day, time(9, 30))
    return make_session(starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), lead=lead, **kw)


def book(training_session, person=None):
    """A place booked three days before the session."""
    return make_booking(training_session, person or make_person(), now=training_session.starts_at - timedelta(days=3))


@pytest.fixture
def today_session(app, clock, trainer):
    return session_on(today_london(), lead=trainer.person)

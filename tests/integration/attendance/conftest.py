"""Helpers for register tests: sessions that have happened, and bookings made before they started."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_booking, make_person, make_session, make_user
from tracker.accounts.models import Role
from tracker.common.time import utc_now


def past_session(*, hours_ago: float = 2, **kw):
    """A session that started `hours_ago` hours ago (booking for it closed when it started)."""
    starts_at = (utc_now() - timedelta(hours=hours_ago)).replace(microsecond=0)
    return make_session(starts_at=starts_at, **kw)


def book(training_session, person=None, **kw):
    """A booking made three days before the session, while booking was open."""
    return make_booking(
        training_session, person or make_person(**kw), now=training_session.starts_at - timedelta(days=3)
    )


@pytest.fixture
def trainer(app):
    return make_user(Role.TRAINER)


@pytest.fixture
def coordinator(app):
    return make_user(Role.COORDINATOR)


@pytest.fixture
def delivered(app, trainer):
    """A session that started two hours ago, led by `trainer`, with three people booked."""
    training_session = past_session(lead=trainer.person)
    bookings = [book(training_session) for _ in range(3)]
    return training_session, bookings

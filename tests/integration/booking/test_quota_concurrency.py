"""Held places under a rush: many people of other organisations booking at once never take a place held for an
organisation before its release (real threads, file SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_organisation, make_person, make_session
from tests.integration.booking.test_concurrency import _book, _run_in_threads
from tracker.booking.models import SEAT_STATUSES, Booking, BookingStatus, SeatQuota
from tracker.common.time import utc_now
from tracker.extensions import db
from tracker.people.models import Person

pytestmark = pytest.mark.concurrency

CAPACITY, HELD = 6, 2


def _seats_by_organisation(session_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(Person.organisation_id, func.count(Booking.id))
        .join(Person, Person.id == Booking.person_id)
        .where(Booking.session_id == session_id, Booking.status.in_(SEAT_STATUSES))
        .group_by(Person.organisation_id)
    )
    return dict(rows.all())


def test_a_rush_of_others_leaves_the_held_places_to_their_organisation(app):
    training_session = make_session(capacity=CAPACITY)
    homes, council = make_organisation(name="Barnet Homes"), make_organisation(name="Barnet Council")
    db.session.add(
        SeatQuota(
            session_id=training_session.id,
            organisation_id=homes.id,
            places=HELD,
            released_at=utc_now() + timedelta(days=3),
        )
    )
    others = [make_person(organisation=council) for _ in range(3 * CAPACITY)]
    db.session.commit()
    results, errors = _run_in_threads(app, [_book(training_session.id, p.id) for p in others])
    assert errors == []
    assert results.count(BookingStatus.CONFIRMED) == CAPACITY - HELD
    assert _seats_by_organisation(training_session.id) == {council.id: CAPACITY - HELD}

    tenants = [make_person(organisation=homes) for _ in range(HELD + 2)]
    db.session.commit()
    results, errors = _run_in_threads(app, [_book(training_session.id, p.id) for p in tenants])
    assert errors == []
    assert results.count(BookingStatus.CONFIRMED) == HELD
    db.session.expire_all()
    assert _seats_by_organisation(training_session.id) == {council.id: CAPACITY - HELD, homes.id: HELD}

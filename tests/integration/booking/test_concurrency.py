"""Many bookings at once never exceed capacity: real threads against a file SQLite database and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from tests.factories import make_booking, make_person, make_session
from tracker.booking import services
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.extensions import db
from tracker.people.models import Person

pytestmark = pytest.mark.concurrency

CAPACITY = 5
ATTEMPTS = 3 * CAPACITY + 1


def _run_in_threads(app, jobs):
    """Run each job in its own thread with its own app context (its own connection and transaction).

    The test's own transaction is ended first: on SQLite even a read outside a request holds the write
    lock (BEGIN IMMEDIATE), and the threads would wait for it.
    """
    db.session.commit()
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        with app.app_context():
            barrier.wait()
            try:
                result = job()
                db.session.commit()
                return result
            except BaseException as error:  # collected and asserted on below
                db.session.rollback()
                errors.append(error)
                return error
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(run, jobs))
    return results, errors


def _book(session_id: int, person_id: int):
    def job():
        training_session = db.session.get(services.TrainingSession, session_id)
        person = db.session.get(Person, person_id)
        return services.book_place(
            training_session=training_session, person=person, booked_by=person, source=BookingSource.SELF
        ).status

    return job


def test_three_times_capacity_at_once_gives_exactly_capacity_confirmed(app):
    training_session = make_session(capacity=CAPACITY)
    people = [make_person() for _ in range(ATTEMPTS)]
    db.session.commit()
    results, errors = _run_in_threads(app, [_book(training_session.id, p.id) for p in people])
    assert errors == []
    assert results.count(BookingStatus.CONFIRMED) == CAPACITY
    assert results.count(BookingStatus.WAITLISTED) == ATTEMPTS - CAPACITY
    db.session.expire_all()
    assert services.count_seats_taken(training_session.id) == CAPACITY


def test_the_same_person_twice_at_once_gets_one_booking_and_a_clear_refusal(app):
    training_session = make_session(capacity=CAPACITY)
    person = make_person()
    db.session.commit()
    results, errors = _run_in_threads(app, [_book(training_session.id, person.id) for _ in range(6)])
    assert results.count(BookingStatus.CONFIRMED) == 1
    assert len(errors) == 5 and all(isinstance(e, services.AlreadyBookedError) for e in errors)


def test_two_cancellations_racing_a_booking(app):
    training_session = make_session(capacity=2)
    seated = [make_booking(training_session), make_booking(training_session)]
    waiting = [make_booking(training_session), make_booking(training_session)]
    newcomer = make_person()
    db.session.commit()
    assert [b.status for b in waiting] == ["waitlisted", "waitlisted"]

    def cancel(booking_id: int):
        def job():
            booking = db.session.get(Booking, booking_id)
            return services.cancel_booking(booking=booking, cancelled_by=None)

        return job

    jobs = [cancel(seated[0].id), cancel(seated[1].id), _book(training_session.id, newcomer.id)]
    _, errors = _run_in_threads(app, jobs)
    assert errors == []
    db.session.expire_all()
    rows = db.session.execute(
        select(Booking.person_id, Booking.status).where(Booking.session_id == training_session.id)
    )
    by_person = dict(rows.all())
    confirmed = [p for p, s in by_person.items() if s == BookingStatus.CONFIRMED]
    assert len(confirmed) == 2
    # The freed seats went to the people already waiting, first come first served, not to the newcomer.
    assert set(confirmed) == {waiting[0].person_id, waiting[1].person_id}
    assert by_person[newcomer.id] == BookingStatus.WAITLISTED

"""Property tests: any sequence of book, cancel, change capacity and close booking keeps the rules.

- confirmed places never exceed capacity;
- while booking is open, nobody waits while a seat is free;
- the waiting list is first come, first served (promotion takes the earliest waiting);
- a booking's SEQUENCE never goes down.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import select

from tests.factories import make_person, make_session
from tests.support.databases import clean_tables
from tracker.booking import services
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.common.time import utc_now
from tracker.extensions import db

PEOPLE = 4


def machine_for(app):
    class BookingRules(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            clean_tables(app)
            db.session.remove()
            self.now = utc_now().replace(microsecond=0)
            self.training_session = make_session(capacity=1, starts_at=self.now + timedelta(days=30))
            self.people = [make_person() for _ in range(PEOPLE)]
            self.closed = False
            self.waiting_order: list[int] = []  # person ids in the order they joined the waiting list
            self.sequences: dict[int, int] = {}

        def _tick(self):
            self.now += timedelta(seconds=1)
            return self.now

        def _bookings(self):
            return db.session.scalars(
                select(Booking).where(Booking.session_id == self.training_session.id).order_by(Booking.id)
            ).all()

        def _active(self, person_id):
            return services.find_active_booking(session_id=self.training_session.id, person_id=person_id)

        @rule(index=st.integers(0, PEOPLE - 1))
        def book(self, index):
            person = self.people[index]
            try:
                booking = services.book_place(
                    training_session=self.training_session,
                    person=person,
                    booked_by=person,
                    source=BookingSource.SELF,
                    now=self._tick(),
                )
            except services.AlreadyBookedError:
                assert self._active(person.id) is not None
                return
            except services.BookingClosedError:
                assert self.closed
                return
            assert not self.closed
            if booking.status == BookingStatus.WAITLISTED:
                self.waiting_order.append(person.id)

        @rule(index=st.integers(0, PEOPLE - 1))
        def cancel(self, index):
            booking = self._active(self.people[index].id)
            if booking is None:
                return
            if booking.status == BookingStatus.WAITLISTED:
                self.waiting_order.remove(booking.person_id)
            promoted = services.cancel_booking(booking=booking, cancelled_by=None, now=self._tick())
            self._check_promoted(promoted)

        @rule(capacity=st.integers(1, 3))
        def change_capacity(self, capacity):
            try:
                promoted = services.change_capacity(
                    training_session=self.training_session, capacity=capacity, now=self._tick()
                )
            except services.CapacityError:
                assert capacity < services.count_seats_taken(self.training_session.id)
                return
            self._check_promoted(promoted)

        @precondition(lambda self: not self.closed)
        @rule()
        def close_booking(self):
            self.training_session.booking_closes_at = self._tick()
            db.session.flush()
            self.closed = True

        def _check_promoted(self, promoted):
            if self.closed:
                assert promoted == []
            expected = self.waiting_order[: len(promoted)]
            assert [b.person_id for b in promoted] == expected, "waiting list not first come, first served"
            del self.waiting_order[: len(promoted)]

        @invariant()
        def capacity_is_never_exceeded(self):
            confirmed = sum(b.status == BookingStatus.CONFIRMED for b in self._bookings())
            assert confirmed <= self.training_session.capacity

        @invariant()
        def nobody_waits_for_a_free_seat_while_booking_is_open(self):
            if self.closed:
                return
            bookings = self._bookings()
            waiting = [b for b in bookings if b.status == BookingStatus.WAITLISTED]
            confirmed = sum(b.status == BookingStatus.CONFIRMED for b in bookings)
            assert not waiting or confirmed == self.training_session.capacity
            assert [b.person_id for b in sorted(waiting, key=lambda b: (b.waitlisted_at, b.id))] == self.waiting_order

        @invariant()
        def sequence_only_rises(self):
            for booking in self._bookings():
                assert booking.sequence >= self.sequences.get(booking.id, 0)
                self.sequences[booking.id] = booking.sequence

        def teardown(self):
            db.session.rollback()

    return BookingRules


@pytest.mark.slow
def test_booking_rules_hold_for_any_sequence_of_actions(app, backend):
    examples = 100 if backend == "sqlite" else 25
    run_state_machine_as_test(
        machine_for(app),
        settings=settings(
            max_examples=examples,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            database=None,
        ),
    )

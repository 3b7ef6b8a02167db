"""Property tests with a seat quota: any sequence of book, cancel, change capacity and the quota's release keeps
the rules (`tracker.booking.seat_rule`):

- confirmed places never exceed capacity, and until the release nobody else is in the held place;
- nobody waits while a seat they may take is free;
- the waiting list is first come, first served among the people a freed seat may go to (before the release:
  the organisation's people for its held place, anyone for an open one; after it: everyone).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import select

from tests.factories import make_organisation, make_person, make_session
from tests.support.databases import clean_tables
from tracker.booking import quotas, seat_rule, services
from tracker.booking.models import Booking, BookingSource, BookingStatus, SeatQuota
from tracker.common.time import utc_now
from tracker.extensions import db

PEOPLE = 3  # of each organisation
HELD = 1


def machine_for(app):
    class QuotaRules(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            clean_tables(app)
            db.session.remove()
            self.now = utc_now().replace(microsecond=0)
            self.training_session = make_session(capacity=2, starts_at=self.now + timedelta(days=30))
            self.holder, self.other = make_organisation(), make_organisation()
            self.people = [make_person(organisation=self.holder) for _ in range(PEOPLE)]
            self.people += [make_person(organisation=self.other) for _ in range(PEOPLE)]
            self.organisation_of = {p.id: p.organisation_id for p in self.people}
            self.quota = SeatQuota(
                session_id=self.training_session.id,
                organisation_id=self.holder.id,
                places=HELD,
                released_at=self.now + timedelta(hours=1),
            )
            db.session.add(self.quota)
            db.session.flush()
            self.released = False
            self.waiting_order: list[int] = []

        def _tick(self):
            self.now += timedelta(seconds=1)
            return self.now

        def _bookings(self):
            return db.session.scalars(
                select(Booking).where(Booking.session_id == self.training_session.id).order_by(Booking.id)
            ).all()

        def _seats(self):
            return seat_rule.seats_of(self.training_session.capacity, self.training_session.id, [self.quota], self.now)

        def _class(self, person_id):
            """Who competes with whom for a freed seat: before the release, the holder's people also have the
            held place; after it, everyone is alike."""
            return self.organisation_of[person_id] == self.holder.id and not self.released

        @rule(index=st.integers(0, 2 * PEOPLE - 1))
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
                return
            if booking.status == BookingStatus.WAITLISTED:
                self.waiting_order.append(person.id)

        @rule(index=st.integers(0, 2 * PEOPLE - 1))
        def cancel(self, index):
            booking = services.find_active_booking(session_id=self.training_session.id, person_id=self.people[index].id)
            if booking is None:
                return
            if booking.status == BookingStatus.WAITLISTED:
                self.waiting_order.remove(booking.person_id)
            self._check_promoted(services.cancel_booking(booking=booking, cancelled_by=None, now=self._tick()))

        @rule(capacity=st.integers(1, 4))
        def change_capacity(self, capacity):
            try:
                promoted = services.change_capacity(
                    training_session=self.training_session, capacity=capacity, now=self._tick()
                )
            except services.CapacityError:
                return
            self._check_promoted(promoted)

        @precondition(lambda self: not self.released)
        @rule()
        def release(self):
            self.now = self.quota.released_at + timedelta(seconds=1)
            promoted = quotas.release_due_quotas(now=self.now)
            self.released = True
            assert promoted == len([b for b in self._bookings() if b.confirmed_at == self.now])
            released_to = [b.person_id for b in self._bookings() if b.confirmed_at == self.now]
            self._check_promoted_ids(released_to)

        def _check_promoted(self, promoted):
            self._check_promoted_ids([b.person_id for b in promoted])

        def _check_promoted_ids(self, promoted_ids):
            for person_id in promoted_ids:
                position = self.waiting_order.index(person_id)
                ahead = [p for p in self.waiting_order[:position] if self._class(p) == self._class(person_id)]
                assert set(ahead) <= set(promoted_ids), "a later person of the same kind was promoted first"
            self.waiting_order = [p for p in self.waiting_order if p not in promoted_ids]

        @invariant()
        def capacity_and_the_held_place_are_respected(self):
            seats = self._seats()
            assert sum(seats.taken.values()) <= self.training_session.capacity
            assert seats.consistent, "someone outside the organisation is in a held place"

        @invariant()
        def nobody_waits_for_a_seat_they_may_take(self):
            seats = self._seats()
            waiting = [b for b in self._bookings() if b.status == BookingStatus.WAITLISTED]
            for booking in waiting:
                assert seats.left_for(self.organisation_of[booking.person_id]) == 0
            assert sorted(b.person_id for b in waiting) == sorted(self.waiting_order)

        def teardown(self):
            db.session.rollback()

    return QuotaRules


@pytest.mark.slow
def test_quota_rules_hold_for_any_sequence_of_actions(app, backend):
    run_state_machine_as_test(
        machine_for(app),
        settings=settings(
            max_examples=60 if backend == "sqlite" else 15,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            database=None,
        ),
    )

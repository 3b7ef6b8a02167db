"""Who may take a free seat when some of a session's places are held for named organisations (seat quotas).

A quota holds `places` of the session for the people of one organisation until its release; then they are
anyone's. While quotas are in force, a session's seats split in two: the held places of each organisation,
and the open places (capacity less everything held). A person of an organisation with a quota takes a held
place while any is left, then an open one; everyone else takes open places only. A seat a held organisation's
person took beyond its quota counts against the open places. Nobody's seat is ever taken away: a quota cannot
be added over places already booked by others, and capacity cannot fall below what is held and booked.

`Seats` is the arithmetic (pure, for the property tests); `seats_of` reads it for a locked session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import func, select

from tracker.booking.models import SEAT_STATUSES, Booking, SeatQuota
from tracker.extensions import db
from tracker.people.models import Person


@dataclass(frozen=True)
class Seats:
    capacity: int
    #: Places held, by organisation (quotas in force only).
    held: dict[int, int] = field(default_factory=dict)
    #: Seats taken, by the organisation of the person in them (None: no organisation, or no quota in force).
    taken: dict[int | None, int] = field(default_factory=dict)

    @property
    def open_places(self) -> int:
        return self.capacity - sum(self.held.values())

    @property
    def open_taken(self) -> int:
        return sum(max(0, count - self.held.get(organisation_id, 0)) for organisation_id, count in self.taken.items())

    def held_left(self, organisation_id: int | None) -> int:
        if organisation_id not in self.held:
            return 0
        return max(0, self.held[organisation_id] - self.taken.get(organisation_id, 0))

    @property
    def open_left(self) -> int:
        return max(0, self.open_places - self.open_taken)

    def left_for(self, organisation_id: int | None) -> int:
        """The seats a person of this organisation may take now."""
        return self.held_left(organisation_id) + self.open_left

    @property
    def consistent(self) -> bool:
        """Nothing held is already in someone else's seat, and nothing is over capacity."""
        return self.open_places >= 0 and self.open_taken <= self.open_places

    def take(self, organisation_id: int | None) -> Seats:
        key = organisation_id if organisation_id in self.held else None
        return replace(self, taken={**self.taken, key: self.taken.get(key, 0) + 1})


def session_quotas(session_id: int) -> list[SeatQuota]:
    return list(
        db.session.scalars(
            select(SeatQuota).where(SeatQuota.session_id == session_id).order_by(SeatQuota.released_at, SeatQuota.id)
        )
    )


def seats_of(
    capacity: int, session_id: int, quotas: Sequence[SeatQuota], now: datetime, *, taken: int | None = None
) -> Seats:
    """The seats of a session as they stand at `now`. Without a quota in force, `taken` (the seats taken, if the
    caller has counted them) is all that is needed; with one, the seats are counted by organisation."""
    held = {q.organisation_id: q.places for q in quotas if q.in_force(now)}
    if not held:
        if taken is None:
            taken = db.session.scalar(
                select(func.count(Booking.id)).where(
                    Booking.session_id == session_id, Booking.status.in_(SEAT_STATUSES)
                )
            )
        return Seats(capacity, {}, {None: taken or 0})
    by_organisation: dict[int | None, int] = {}
    rows = db.session.execute(
        select(Person.organisation_id, func.count(Booking.id))
        .join(Person, Person.id == Booking.person_id)
        .where(Booking.session_id == session_id, Booking.status.in_(SEAT_STATUSES))
        .group_by(Person.organisation_id)
    )
    for organisation_id, count in rows:
        key = organisation_id if organisation_id in held else None
        by_organisation[key] = by_organisation.get(key, 0) + count
    return Seats(capacity, held, by_organisation)


def due_releases(quotas: Sequence[SeatQuota], now: datetime) -> list[SeatQuota]:
    """Quotas whose release time has come and whose places the waiting list has not yet been offered."""
    return [q for q in quotas if not q.in_force(now) and q.release_done_at is None]

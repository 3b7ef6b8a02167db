"""Seat quotas: hold some of a session's places for named organisations until a release date, then give them
to everyone (the waiting list first). The rule for who may take a seat is `tracker.booking.seat_rule`.

A coordinator holds places from the session's page; the quota is released at the start of its release date
(London time). The places go to the waiting list at the first booking after that moment, or when
`flask bookings release-quotas` runs (every five minutes, from the lapse-holds timer), whichever comes first.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from tracker.accounts.models import UserAccount
from tracker.booking import seat_rule
from tracker.booking.models import Booking, SeatQuota
from tracker.booking.services import BookingError, promote_waitlist, release_quotas
from tracker.common.audit import record_event
from tracker.common.time import format_date, start_of_london_day, to_london, today_london, utc_now
from tracker.courses.locking import lock_session
from tracker.courses.models import SessionStatus, TrainingSession
from tracker.extensions import db
from tracker.people.models import Organisation


class QuotaError(BookingError):
    """Places that cannot be held as asked."""


def list_quotas(session_id: int) -> list[SeatQuota]:
    return seat_rule.session_quotas(session_id)


def get_quota(session_id: int, quota_id: int) -> SeatQuota | None:
    return db.session.scalar(select(SeatQuota).where(SeatQuota.id == quota_id, SeatQuota.session_id == session_id))


def add_quota(
    *,
    training_session: TrainingSession,
    organisation: Organisation | None,
    places: int | None,
    release_on: date | None,
    actor: UserAccount,
    now: datetime | None = None,
) -> SeatQuota:
    """Hold `places` of the session for `organisation`'s people until the start of `release_on`.

    Raises QuotaError (field named) for a missing organisation, places below 1 or more than are free for it,
    a release date not after today or after the session's day, a second quota for the same organisation,
    or a session that is cancelled or over.
    """
    now = now or utc_now()
    locked = lock_session(training_session.id)
    if locked.status == SessionStatus.CANCELLED or locked.starts_at <= now:
        raise QuotaError("Places can only be held on a session that is still to come")
    if organisation is None:
        raise QuotaError("Select the organisation to hold places for", field="organisation")
    if places is None or places < 1:
        raise QuotaError("Enter the number of places to hold, 1 or more", field="places")
    session_day = to_london(locked.starts_at).date()
    if release_on is None:
        raise QuotaError("Enter the date the places are released to everyone", field="release_on")
    if release_on <= today_london() or release_on > session_day:
        raise QuotaError(
            f"The release date must be after today and no later than the session ({format_date(session_day)})",
            field="release_on",
        )
    quotas = seat_rule.session_quotas(locked.id)
    if any(q.organisation_id == organisation.id for q in quotas):
        raise QuotaError(f"Places are already held for {organisation.name}: remove them first", field="organisation")
    quota = SeatQuota(
        session_id=locked.id,
        organisation_id=organisation.id,
        places=places,
        released_at=start_of_london_day(release_on),
    )
    seats = seat_rule.seats_of(locked.capacity, locked.id, [*quotas, quota], now)
    if not seats.consistent:
        others = seat_rule.seats_of(locked.capacity, locked.id, quotas, now)
        can_hold = max(0, others.open_left + seats.taken.get(organisation.id, 0))
        raise QuotaError(
            f"Only {can_hold} of the {locked.capacity} places can be held for {organisation.name}: the rest are held"
            " for other organisations or booked by people of other organisations",
            field="places",
        )
    db.session.add(quota)
    db.session.flush()
    record_event(
        "session.places_held",
        actor=actor,
        object_type="training_session",
        object_id=locked.id,
        after={"organisation_id": organisation.id, "places": places, "release_on": release_on.isoformat()},
    )
    return quota


def remove_quota(*, quota: SeatQuota, actor: UserAccount, now: datetime | None = None) -> list[Booking]:
    """Give a quota's places to everyone now; the waiting list is offered them first. Returns those promoted."""
    now = now or utc_now()
    locked = lock_session(quota.session_id)
    record_event(
        "session.places_released",
        actor=actor,
        object_type="training_session",
        object_id=locked.id,
        before={"organisation_id": quota.organisation_id, "places": quota.places},
    )
    db.session.delete(quota)
    db.session.flush()
    return promote_waitlist(locked, now=now)


def release_due_quotas(*, now: datetime | None = None) -> int:
    """Offer the waiting lists the places of every quota whose release has come (`bookings release-quotas`).
    Returns how many people were given a place."""
    now = now or utc_now()
    session_ids = db.session.scalars(
        select(SeatQuota.session_id)
        .where(SeatQuota.released_at <= now, SeatQuota.release_done_at.is_(None))
        .distinct()
        .order_by(SeatQuota.session_id)
    ).all()
    promoted = 0
    for session_id in session_ids:
        locked = lock_session(session_id)
        promoted += len(release_quotas(locked, seat_rule.session_quotas(session_id), now=now))
    return promoted


def held_summary(training_session: TrainingSession, quotas: list[SeatQuota], now: datetime) -> list[str]:
    """What the session page says about held places, one sentence per quota in force (of `training_session`)."""
    return [
        f"{q.places} {'place is' if q.places == 1 else 'places are'} held for {q.organisation.name}; anyone can "
        f"book {'it' if q.places == 1 else 'them'} from {format_date(to_london(q.released_at).date())}"
        for q in quotas
        if q.in_force(now)
    ]


def places_for(
    training_session: TrainingSession, organisation_id: int | None, *, taken: int, now: datetime | None = None
) -> tuple[int, list[str]]:
    """For the page a person books from: the places they may take now (`taken`: the session's seats taken), and
    what it says about places held for organisations."""
    now = now or utc_now()
    held = seat_rule.session_quotas(training_session.id)
    if not any(q.in_force(now) for q in held):
        return max(training_session.capacity - taken, 0), []
    seats = seat_rule.seats_of(training_session.capacity, training_session.id, held, now)
    return seats.left_for(organisation_id), held_summary(training_session, held, now)

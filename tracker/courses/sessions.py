"""Training sessions: create, edit (reschedule, move, capacity), publish, cancel, monthly series, trainers.

The rules live here and are shared by the pages, the API (tracker.api.sessions) and any command. Every
write locks the session row first (`lock_session`). The places on a session are the booking package's: it
answers the events sent before a change is announced (see tracker.courses.signals), and courses never calls it.

Events (tracker.courses.signals), sent inside the transaction:
- `session_published(training_session)` when a draft is published (not for history recorded in the past);
- `session_moving(training_session)`, then `session_moved(training_session, changes={field: (before, after)})`,
  when the time, venue or online link of a published session changes, after bumping `sequence` on every
  trainer (the places on it take theirs on `session_moving`);
- `session_capacity_changed(training_session, before=..., now=...)` when the capacity changes (the places
  refuse a capacity below the seats taken; an increase promotes the waiting list);
- `session_cancelling(training_session, ...)`, then `session_cancelled(training_session, reason=...,
  bookings=[...seated bookings])`, when a session is cancelled (the announcement only for a published one);
- `trainer_added(session_trainer)` / `trainer_removed(session_trainer)` for trainers added to or removed
  from a published session (on removal the row's sequence is bumped first, and it is deleted after).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from tracker.accounts.models import Role, UserAccount
from tracker.common.audit import record_event
from tracker.common.errors import ConflictError, NotAllowedError, TrackerError
from tracker.common.time import utc_now
from tracker.courses import signals
from tracker.courses.locking import lock_session
from tracker.courses.models import (
    Course,
    SessionAudience,
    SessionStatus,
    SessionTrainer,
    TrainerPart,
    TrainingSession,
)
from tracker.courses.session_queries import can_lead, is_eligible_trainer, lead_of
from tracker.extensions import db
from tracker.people.models import Organisation, Person

MAX_CAPACITY = 500
#: Changes to these fields of a published session are announced (`session_moved`) and bump SEQUENCE.
MOVING_FIELDS = ("starts_at", "ends_at", "venue", "online_url")


class SessionError(TrackerError):
    """A session rule said no."""


class NotAccreditedError(SessionError):
    code = "not_accredited"


class SessionInPastError(SessionError):
    code = "in_past"


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: "Leave this as it is" for `update_session` (None means "clear it").
UNSET: Any = _Unset()


# --- Checks shared by create and update --------------------------------------------------------------


def _clean_text(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def _check_online_url(url: str | None) -> None:
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise SessionError("Enter an online link that starts with https://", code="bad_url", field="online_url")
    if len(url) > 500:
        raise SessionError("The online link must be 500 characters or fewer", field="online_url")


def _check_details(
    *,
    course: Course,
    title: str | None,
    starts_at: datetime,
    ends_at: datetime,
    venue: str | None,
    online_url: str | None,
    capacity: int,
    booking_opens_at: datetime | None,
    booking_closes_at: datetime | None,
    audience: Sequence[Organisation] | None,
) -> None:
    """Raises SessionError for the first thing wrong with a session's details."""
    if not course.is_active:
        raise SessionError(f"{course.code} is no longer offered: choose another course", field="course")
    if title is not None and len(title) > 200:
        raise SessionError("The title must be 200 characters or fewer", field="title")
    if ends_at <= starts_at:
        raise SessionError("The end time must be after the start time", code="ends_before_start", field="ends_at")
    if venue is None and online_url is None:
        raise SessionError("Enter a venue or an online link", code="no_place", field="venue")
    if venue is not None and len(venue) > 300:
        raise SessionError("The venue must be 300 characters or fewer", field="venue")
    _check_online_url(online_url)
    if capacity < 1:
        raise SessionError("Capacity must be 1 or more", code="capacity", field="capacity")
    if capacity > MAX_CAPACITY:
        raise SessionError(f"Capacity must be {MAX_CAPACITY} or fewer", code="capacity", field="capacity")
    if booking_closes_at is not None and booking_closes_at > starts_at:
        raise SessionError("Booking must close before the session starts", field="booking_closes_at")
    if booking_opens_at is not None and booking_opens_at >= (booking_closes_at or starts_at):
        raise SessionError("Booking must open before it closes", field="booking_opens_at")
    if audience is not None and not audience:
        raise SessionError(
            "Choose at least one organisation, or open the session to everyone", code="no_audience", field="audience"
        )


def _check_lead(lead: Person, course: Course, actor: UserAccount) -> None:
    if not can_lead(lead, course):
        who = "You are" if lead.id == actor.person_id else f"{lead.full_name} is"
        raise NotAccreditedError(f"{who} not accredited to lead {course.code} sessions", field="lead")


def _check_team_member(person: Person, course: Course, field: str) -> None:
    if not is_eligible_trainer(person, course):
        raise SessionError(
            f"{person.full_name} is not a trainer or on the trainer pathway for {course.code}",
            code="not_a_trainer",
            field=field,
        )


def _team(
    lead: Person | None, co_trainers: Sequence[Person], observers: Sequence[Person]
) -> dict[int, tuple[Person, TrainerPart]]:
    """{person_id: (person, part)}; raises if someone is given more than one part."""
    team: dict[int, tuple[Person, TrainerPart]] = {}
    parts = [(lead, TrainerPart.LEAD)] if lead else []
    parts += [(p, TrainerPart.CO_TRAINER) for p in co_trainers] + [(p, TrainerPart.OBSERVER) for p in observers]
    for person, part in parts:
        if person.id in team and team[person.id][1] != part:
            field = "observers" if part == TrainerPart.OBSERVER else "co_trainers"
            raise SessionError(
                f"{person.full_name} is chosen more than once: give each person one part",
                code="trainer_twice",
                field=field,
            )
        team[person.id] = (person, part)
    return team


def _audit_values(training_session: TrainingSession) -> dict[str, Any]:
    return {
        "course": training_session.course.code,
        "title": training_session.title,
        "starts_at": training_session.starts_at,
        "ends_at": training_session.ends_at,
        "venue": training_session.venue,
        "online_url": training_session.online_url,
        "capacity": training_session.capacity,
        "status": training_session.status,
        "booking_opens_at": training_session.booking_opens_at,
        "booking_closes_at": training_session.booking_closes_at,
        "audience": [o.id for o in training_session.audience] if training_session.audience_restricted else None,
        "trainers": {row.person_id: row.part for row in training_session.trainers},
    }


# --- Writes ------------------------------------------------------------------------------------------


def create_session(
    *,
    actor: UserAccount,
    course: Course,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    title: str | None = None,
    venue: str | None = None,
    online_url: str | None = None,
    booking_opens_at: datetime | None = None,
    booking_closes_at: datetime | None = None,
    audience: Sequence[Organisation] | None = None,
    lead: Person | None = None,
    co_trainers: Sequence[Person] = (),
    observers: Sequence[Person] = (),
    publish: bool = False,
    series_key: str | None = None,
    now: datetime | None = None,
) -> TrainingSession:
    """Create a session, as a draft or published. `audience` None means open to all.

    The lead defaults to the actor; only the coordinator may make someone else the lead, and the lead
    must be accredited for the course (or be a coordinator). A session starting in the past is history,
    which only the coordinator records: it is published at once with booking closed, and announced to
    nobody. Raises SessionError (and subclasses), NotAllowedError.
    """
    now = now or utc_now()
    is_coordinator = actor.has_role(Role.COORDINATOR)
    title, venue, online_url = _clean_text(title), _clean_text(venue), (online_url or "").strip() or None
    _check_details(
        course=course,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue,
        online_url=online_url,
        capacity=capacity,
        booking_opens_at=booking_opens_at,
        booking_closes_at=booking_closes_at,
        audience=audience,
    )
    history = starts_at <= now
    if history and not is_coordinator:
        raise SessionInPastError("The session must start in the future", field="starts_at")
    if lead is None and not is_coordinator:
        lead = actor.person
    if lead is not None and not is_coordinator and lead.id != actor.person_id:
        raise NotAllowedError("Only the Prevent coordinator can make someone else the lead trainer", field="lead")
    team = _team(lead, co_trainers, observers)
    if lead is not None:
        _check_lead(lead, course, actor)
    elif publish or history:
        raise SessionError("Choose a lead trainer before publishing", code="no_lead", field="lead")
    for person, part in team.values():
        if part != TrainerPart.LEAD:
            _check_team_member(person, course, "observers" if part == TrainerPart.OBSERVER else "co_trainers")

    training_session = TrainingSession(
        course=course,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue,
        online_url=online_url,
        capacity=capacity,
        status=SessionStatus.PUBLISHED if (publish or history) else SessionStatus.DRAFT,
        booking_opens_at=None if history else booking_opens_at,
        booking_closes_at=None if history else booking_closes_at,
        audience_restricted=audience is not None,
        series_key=series_key,
        created_by_id=actor.person_id,
        created_at=now,
    )
    db.session.add(training_session)
    db.session.flush()
    for organisation in audience or []:
        db.session.add(SessionAudience(session_id=training_session.id, organisation_id=organisation.id))
    for person, part in team.values():
        training_session.trainers.append(SessionTrainer(person=person, part=part))
    db.session.flush()
    db.session.refresh(training_session, ["audience"])
    record_event(
        "session.created",
        actor=actor,
        object_type="training_session",
        object_id=training_session.id,
        after={**_audit_values(training_session), "history": history},
    )
    if training_session.is_published and not history:
        signals.session_published.send(training_session)
    return training_session


def publish_session(*, training_session: TrainingSession, actor: UserAccount, now: datetime | None = None) -> None:
    """Publish a draft so people can book. Needs a lead who may lead the course. Sends `session_published`."""
    now = now or utc_now()
    locked = lock_session(training_session.id)
    if locked.status == SessionStatus.PUBLISHED:
        raise ConflictError("This session is already published", code="already_published")
    if locked.status == SessionStatus.CANCELLED:
        raise ConflictError("This session has been cancelled", code="session_cancelled")
    lead = lead_of(locked)
    if lead is None:
        raise SessionError("Choose a lead trainer before publishing", code="no_lead", field="lead")
    _check_lead(lead, locked.course, actor)
    if locked.starts_at <= now and not actor.has_role(Role.COORDINATOR):
        raise SessionInPastError(
            "This session's start time has passed: change the date before publishing", field="starts_at"
        )
    locked.status = SessionStatus.PUBLISHED
    db.session.flush()
    record_event(
        "session.published",
        actor=actor,
        object_type="training_session",
        object_id=locked.id,
        before={"status": "draft"},
        after={"status": "published"},
    )
    signals.session_published.send(locked)


def add_trainer(
    *, training_session: TrainingSession, person: Person, part: TrainerPart, actor: UserAccount
) -> SessionTrainer:
    """Put a person on the session's team. On a published session, sends `trainer_added`.

    Raises SessionError if they are already on it, or may not take that part; NotAllowedError if a
    non-coordinator tries to make someone else the lead.
    """
    if any(row.person_id == person.id for row in training_session.trainers):
        raise SessionError(f"{person.full_name} is already on this session", code="trainer_twice", field="trainers")
    if part == TrainerPart.LEAD:
        if lead_of(training_session) is not None:
            raise SessionError("This session already has a lead trainer", code="two_leads", field="lead")
        if not actor.has_role(Role.COORDINATOR) and person.id != actor.person_id:
            raise NotAllowedError("Only the Prevent coordinator can make someone else the lead trainer", field="lead")
        _check_lead(person, training_session.course, actor)
    else:
        _check_team_member(
            person, training_session.course, "observers" if part == TrainerPart.OBSERVER else "co_trainers"
        )
    row = SessionTrainer(person=person, part=part)
    training_session.trainers.append(row)
    db.session.flush()
    record_event(
        "session.trainer_added",
        actor=actor,
        object_type="training_session",
        object_id=training_session.id,
        after={"person_id": person.id, "part": part},
    )
    if training_session.is_published:
        signals.trainer_added.send(row)
    return row


def remove_trainer(*, session_trainer: SessionTrainer, actor: UserAccount) -> None:
    """Take a person off the session's team. On a published session the row's sequence is bumped and
    `trainer_removed` sent (so its invite can be cancelled) before the row is deleted."""
    training_session = session_trainer.training_session
    if session_trainer.part == TrainerPart.LEAD and not actor.has_role(Role.COORDINATOR):
        raise NotAllowedError("Only the Prevent coordinator can change the lead trainer", field="lead")
    if training_session.is_published:
        session_trainer.sequence += 1
        db.session.flush()
        signals.trainer_removed.send(session_trainer)
    record_event(
        "session.trainer_removed",
        actor=actor,
        object_type="training_session",
        object_id=training_session.id,
        before={"person_id": session_trainer.person_id, "part": session_trainer.part},
    )
    training_session.trainers.remove(session_trainer)
    db.session.flush()


def update_session(
    *,
    training_session: TrainingSession,
    actor: UserAccount,
    title: str | None = UNSET,
    starts_at: datetime = UNSET,
    ends_at: datetime = UNSET,
    venue: str | None = UNSET,
    online_url: str | None = UNSET,
    capacity: int = UNSET,
    booking_opens_at: datetime | None = UNSET,
    booking_closes_at: datetime | None = UNSET,
    audience: Sequence[Organisation] | None = UNSET,
    lead: Person | None = UNSET,
    co_trainers: Sequence[Person] = UNSET,
    observers: Sequence[Person] = UNSET,
    now: datetime | None = None,
) -> TrainingSession:
    """Change a session: reschedule, move venue, change link or capacity, audience, trainers.

    Arguments left out (UNSET) stay as they are. On a published session, a change of time, venue or
    link bumps the sequence of every active booking and trainer and sends `session_moved` with the
    changes; capacity goes through `change_capacity` (never below the seats taken; an increase
    promotes the waiting list). Raises SessionError, CapacityError, ConflictError, NotAllowedError.
    """
    now = now or utc_now()
    is_coordinator = actor.has_role(Role.COORDINATOR)
    locked = lock_session(training_session.id)
    if locked.status == SessionStatus.CANCELLED:
        raise ConflictError("This session has been cancelled and cannot be changed", code="session_cancelled")
    before = _audit_values(locked)

    def pick(value, current):
        return current if value is UNSET else value

    new = {
        "title": _clean_text(pick(title, locked.title)),
        "starts_at": pick(starts_at, locked.starts_at),
        "ends_at": pick(ends_at, locked.ends_at),
        "venue": _clean_text(pick(venue, locked.venue)),
        "online_url": (pick(online_url, locked.online_url) or "").strip() or None,
        "booking_opens_at": pick(booking_opens_at, locked.booking_opens_at),
        "booking_closes_at": pick(booking_closes_at, locked.booking_closes_at),
    }
    current_audience = list(locked.audience) if locked.audience_restricted else None
    new_audience = pick(audience, current_audience)
    _check_details(
        course=locked.course,
        capacity=pick(capacity, locked.capacity),
        audience=new_audience,
        **new,
    )
    if new["starts_at"] != locked.starts_at and new["starts_at"] <= now and not is_coordinator:
        raise SessionInPastError("The session must start in the future", field="starts_at")

    # The team wanted, from what was given and what is there now.
    current_lead = lead_of(locked)
    new_lead = pick(lead, current_lead)
    if (new_lead and new_lead.id) != (current_lead and current_lead.id) and not is_coordinator:
        raise NotAllowedError("Only the Prevent coordinator can change the lead trainer", field="lead")
    current = {row.person_id: row for row in locked.trainers}
    keep_co = [row.person for row in locked.trainers if row.part == TrainerPart.CO_TRAINER]
    keep_obs = [row.person for row in locked.trainers if row.part == TrainerPart.OBSERVER]
    team = _team(new_lead, pick(co_trainers, keep_co), pick(observers, keep_obs))
    if new_lead is None and locked.is_published:
        raise SessionError("A published session needs a lead trainer", code="no_lead", field="lead")
    if new_lead is not None and (current_lead is None or new_lead.id != current_lead.id):
        _check_lead(new_lead, locked.course, actor)
    for person_id, (person, part) in team.items():
        row = current.get(person_id)
        if part != TrainerPart.LEAD and (row is None or row.part != part):
            _check_team_member(person, locked.course, "observers" if part == TrainerPart.OBSERVER else "co_trainers")

    # Trainers leaving: their invites are cancelled before anything else moves.
    for person_id, row in list(current.items()):
        if person_id not in team:
            if locked.is_published:
                row.sequence += 1
                db.session.flush()
                signals.trainer_removed.send(row)
            locked.trainers.remove(row)
    for person_id, (_person, part) in team.items():
        if person_id in current and current[person_id].part != part:
            current[person_id].part = part

    # Details, then the announcement of a move to everyone already holding an invite.
    changes = {
        field: (getattr(locked, field), new[field]) for field in MOVING_FIELDS if getattr(locked, field) != new[field]
    }
    for field, value in new.items():
        setattr(locked, field, value)
    if audience is not UNSET:
        locked.audience_restricted = new_audience is not None
        db.session.execute(SessionAudience.__table__.delete().where(SessionAudience.session_id == locked.id))
        for organisation in new_audience or []:
            db.session.add(SessionAudience(session_id=locked.id, organisation_id=organisation.id))
    db.session.flush()
    if audience is not UNSET:
        db.session.refresh(locked, ["audience"])
    if changes and locked.is_published:
        _bump_trainer_sequences(locked)
        signals.session_moving.send(locked)
        signals.session_moved.send(locked, changes=changes)

    # Trainers joining get an invite with the new details.
    for person_id, (person, part) in team.items():
        if person_id not in current:
            row = SessionTrainer(person=person, part=part)
            locked.trainers.append(row)
            db.session.flush()
            if locked.is_published:
                signals.trainer_added.send(row)

    if capacity is not UNSET and capacity != locked.capacity:
        capacity_before, locked.capacity = locked.capacity, capacity
        db.session.flush()
        signals.session_capacity_changed.send(locked, before=capacity_before, now=now)
    db.session.flush()
    after = _audit_values(locked)
    if after != before:
        record_event(
            "session.updated",
            actor=actor,
            object_type="training_session",
            object_id=locked.id,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return locked


def _bump_trainer_sequences(training_session: TrainingSession) -> None:
    """SEQUENCE + 1 on every trainer row: their invites are about to change."""
    for row in training_session.trainers:
        row.sequence += 1
    db.session.flush()


def cancel_session(
    *, training_session: TrainingSession, actor: UserAccount, reason: str, now: datetime | None = None
) -> list:
    """Cancel a session with a reason: every active place on it is cancelled (`session_cancelling`: nobody is
    promoted), every trainer's sequence bumped, then `session_cancelled` is sent with the places that held a seat.

    Returns those places. Raises SessionError (no reason), ConflictError (already cancelled, or the
    register is signed off).
    """
    now = now or utc_now()
    reason = " ".join((reason or "").split())
    if not reason:
        raise SessionError("Enter a reason for cancelling the session", code="no_reason", field="reason")
    if len(reason) > 1000:
        raise SessionError("The reason must be 1,000 characters or fewer", field="reason")
    locked = lock_session(training_session.id)
    if locked.status == SessionStatus.CANCELLED:
        raise ConflictError("This session has already been cancelled", code="already_cancelled")
    if locked.is_signed_off:
        raise ConflictError("This session's register has been signed off, so it cannot be cancelled", code="signed_off")
    was = locked.status
    answers = signals.session_cancelling.send(locked, cancelled_by_id=actor.person_id, reason=reason, now=now)
    active = [booking for _receiver, (cancelled, _seated) in answers for booking in cancelled]
    seated = [booking for _receiver, (_cancelled, held_a_seat) in answers for booking in held_a_seat]
    _bump_trainer_sequences(locked)
    locked.status = SessionStatus.CANCELLED
    locked.cancelled_at = now
    locked.cancel_reason = reason
    db.session.flush()
    record_event(
        "session.cancelled",
        actor=actor,
        object_type="training_session",
        object_id=locked.id,
        before={"status": was},
        after={"status": "cancelled", "reason": reason, "bookings_cancelled": len(active)},
    )
    if was == SessionStatus.PUBLISHED:
        signals.session_cancelled.send(locked, reason=reason, bookings=seated)
    return seated

"""/api/v1/sessions: list, create, read, change and cancel training sessions (the same rules as the pages).

Times are ISO 8601 with a UTC offset; they are returned in London time (`+00:00` in winter, `+01:00`
in summer) and a time sent without an offset is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.api.common import ID_RANGE, ApiDate, ChangesSchema, PageArgs, changes_of, list_schema, page_of
from tracker.booking.capacity import count_seats_taken, places_left, seats_taken_by_session
from tracker.common.errors import TrackerError
from tracker.common.permissions import acting_user, require
from tracker.common.time import DateOutOfRangeError, check_date_range, end_of_london_day, start_of_london_day, to_london
from tracker.courses import session_queries, sessions
from tracker.courses.models import SessionStatus, TrainerPart, TrainingSession
from tracker.extensions import db
from tracker.people.models import Organisation
from tracker.people.organisations import organisations_by_ids
from tracker.people.services import people_by_ids

blp = Blueprint("api_sessions", __name__, url_prefix="/sessions", description="Training sessions")

# Ids in URLs stop at the database's integer range, so an absurd id is a 404 rather than a database error.

#: Service field names -> API field names, so errors name the field the caller sent.
API_FIELDS = {
    "course": "course_code",
    "lead": "trainers",
    "co_trainers": "trainers",
    "observers": "trainers",
    "audience": "audience_organisation_ids",
}


class LondonDateTime(ma.fields.AwareDateTime):
    """ISO 8601 with an offset: read in any offset (stored UTC), written in London time."""

    default_error_messages = {
        "naive": "Give the time with a UTC offset, like 2027-03-28T10:00:00+01:00",
        "invalid": "Not a valid date and time: use ISO 8601 with an offset, like 2027-03-28T10:00:00+01:00",
    }

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else to_london(value).isoformat()

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            check_date_range(moment.date())
        except DateOutOfRangeError as error:  # year 1 or 9999 would overflow in UTC (a 500, not a 422)
            raise ma.ValidationError(str(error)) from error
        return moment.astimezone(UTC)


#: Bounds on lists in a body: far above any real session, far below a driver's parameter limit.
MAX_AUDIENCE = 500
MAX_TRAINERS = 50


class TrainerSchema(ma.Schema):
    person_id = ma.fields.Integer(required=True, strict=True, validate=ID_RANGE)
    part = ma.fields.Enum(TrainerPart, by_value=True, required=True)


class SessionSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    course_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    title = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    starts_at = LondonDateTime(required=True)
    ends_at = LondonDateTime(required=True)
    venue = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=300))
    online_url = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))
    capacity = ma.fields.Integer(required=True, strict=True)
    places_left = ma.fields.Integer(dump_only=True)
    status = ma.fields.Enum(SessionStatus, by_value=True, metadata={"description": "draft or published when sent"})
    #: None: booking closes when the session starts.
    booking_closes_at = LondonDateTime(allow_none=True)
    audience_organisation_ids = ma.fields.List(
        ma.fields.Integer(strict=True, validate=ID_RANGE),
        validate=ma.validate.Length(max=MAX_AUDIENCE),
        metadata={"description": f"empty: open to all; at most {MAX_AUDIENCE}"},
    )
    trainers = ma.fields.List(
        ma.fields.Nested(TrainerSchema),
        validate=ma.validate.Length(max=MAX_TRAINERS),
        metadata={"description": f"left out on create: the caller leads; at most {MAX_TRAINERS}"},
    )


class SessionChangeSchema(SessionSchema, ChangesSchema):
    """PATCH: any of the session's fields but its course; `status` published publishes a draft."""

    class Meta:
        exclude = ("course_code",)


class SessionQueryArgs(PageArgs):
    course = ma.fields.String(metadata={"description": "course code, e.g. WRAP"})
    starts_from = ApiDate(data_key="from", metadata={"description": "YYYY-MM-DD: starting on or after"})
    starts_to = ApiDate(data_key="to", metadata={"description": "YYYY-MM-DD: starting on or before"})
    status = ma.fields.Enum(SessionStatus, by_value=True)


class CancelSessionSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


SessionList = list_schema(SessionSchema, "SessionList")


def session_json(training_session: TrainingSession, taken: int) -> dict[str, Any]:
    return {
        "id": training_session.id,
        "course_code": training_session.course.code,
        "title": training_session.title,
        "starts_at": training_session.starts_at,
        "ends_at": training_session.ends_at,
        "venue": training_session.venue,
        "online_url": training_session.online_url,
        "capacity": training_session.capacity,
        "places_left": places_left(training_session, taken=taken),
        "status": training_session.status,
        "booking_closes_at": training_session.booking_closes_at,
        "audience_organisation_ids": [o.id for o in training_session.audience]
        if training_session.audience_restricted
        else [],
        "trainers": [{"person_id": row.person_id, "part": row.part} for row in training_session.trainers],
    }


def _one(training_session: TrainingSession) -> dict[str, Any]:
    return session_json(training_session, count_seats_taken(training_session.id))


def _invalid(message: str, field: str) -> TrackerError:
    return TrackerError(message, field=field)


def _audience(ids: list[int]) -> list[Organisation] | None:
    if not ids:
        return None
    found = organisations_by_ids(ids)
    missing = sorted(set(ids) - {o.id for o in found})
    if missing:
        raise _invalid(f"No organisation with id {missing[0]}", "audience_organisation_ids")
    return found


def _team(trainers: list[dict]) -> dict[str, Any]:
    """lead, co_trainers and observers from [{person_id, part}]."""
    ids = [t["person_id"] for t in trainers]
    found = people_by_ids(ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise _invalid(f"No person with id {missing[0]}", "trainers")
    leads = [found[t["person_id"]] for t in trainers if t["part"] == TrainerPart.LEAD]
    if len(leads) > 1:
        raise _invalid("A session has one lead trainer", "trainers")
    return {
        "lead": leads[0] if leads else None,
        "co_trainers": [found[t["person_id"]] for t in trainers if t["part"] == TrainerPart.CO_TRAINER],
        "observers": [found[t["person_id"]] for t in trainers if t["part"] == TrainerPart.OBSERVER],
    }


class _ApiFields:
    """Re-raise a service error naming the API's field rather than the service's."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, error, traceback):
        if isinstance(error, TrackerError) and error.field in API_FIELDS:
            error.field = API_FIELDS[error.field]
        return False


def _viewable(session_id: int) -> TrainingSession:
    training_session = db.get_or_404(TrainingSession, session_id)
    if not session_queries.can_view_session(acting_user(), training_session):
        abort(404)
    return training_session


@blp.route("")
class Sessions(MethodView):
    @blp.arguments(SessionQueryArgs, location="query")
    @blp.response(200, SessionList)
    def get(self, args):
        """List sessions by start time: published and cancelled ones, and drafts you deliver (all for the coordinator)."""
        statement = session_queries.sessions_query(
            viewer=acting_user(),
            course_code=args.get("course"),
            status=args.get("status"),
            starts_from=start_of_london_day(args["starts_from"]) if args.get("starts_from") else None,
            starts_before=end_of_london_day(args["starts_to"]) if args.get("starts_to") else None,
        )
        result = page_of(statement, args)
        taken = seats_taken_by_session([s.id for s in result["items"]])
        result["items"] = [session_json(s, taken.get(s.id, 0)) for s in result["items"]]
        return result

    @blp.arguments(SessionSchema)
    @blp.response(201, SessionSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Create a session (trainer or coordinator), as a draft or published. Without `trainers`, you lead it."""
        actor = acting_user()
        status = data.get("status", SessionStatus.DRAFT)
        if status == SessionStatus.CANCELLED:
            raise _invalid("A new session is a draft or published", "status")
        course = session_queries.find_course_by_code(data["course_code"])
        if course is None:
            raise _invalid(f"No course with code {data['course_code']}", "course_code")
        team = _team(data["trainers"]) if "trainers" in data else {"lead": actor.person}
        with _ApiFields():
            training_session = sessions.create_session(
                actor=actor,
                course=course,
                title=data.get("title"),
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                venue=data.get("venue"),
                online_url=data.get("online_url"),
                capacity=data["capacity"],
                booking_closes_at=data.get("booking_closes_at"),
                audience=_audience(data.get("audience_organisation_ids") or []),
                publish=status == SessionStatus.PUBLISHED,
                **team,
            )
        return _one(training_session)


@blp.route("/<int:session_id>")
class SessionById(MethodView):
    @blp.response(200, SessionSchema)
    def get(self, session_id):
        """One session (a draft only for its team and the coordinator)."""
        return _one(_viewable(session_id))

    @blp.arguments(changes_of(SessionChangeSchema))
    @blp.response(200, SessionSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, data, session_id):
        """Change a session you deliver (any, for the coordinator): time, place, capacity, audience, trainers;
        `"status": "published"` publishes a draft. Capacity below the seats taken is refused (422)."""
        actor = acting_user()
        training_session = _viewable(session_id)
        require(session_queries.can_manage_session(actor, training_session))
        status = data.pop("status", None)
        if status == SessionStatus.CANCELLED:
            raise _invalid("Cancel a session with POST /sessions/{id}/cancel, giving a reason", "status")
        if status == SessionStatus.DRAFT and training_session.status != SessionStatus.DRAFT:
            raise _invalid("A published session cannot go back to draft", "status")
        changes: dict[str, Any] = {
            key: data[key]
            for key in ("title", "starts_at", "ends_at", "venue", "online_url", "capacity", "booking_closes_at")
            if key in data
        }
        if "audience_organisation_ids" in data:
            changes["audience"] = _audience(data["audience_organisation_ids"] or [])
        if "trainers" in data:
            changes.update(_team(data["trainers"]))
        with _ApiFields():
            training_session = sessions.update_session(training_session=training_session, actor=actor, **changes)
            if status == SessionStatus.PUBLISHED and training_session.status == SessionStatus.DRAFT:
                sessions.publish_session(training_session=training_session, actor=actor)
        return _one(training_session)


@blp.route("/<int:session_id>/cancel")
class CancelSession(MethodView):
    @blp.arguments(CancelSessionSchema)
    @blp.response(200, SessionSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, session_id):
        """Cancel a session you deliver, with a reason: every booking is cancelled and everyone told."""
        actor = acting_user()
        training_session = _viewable(session_id)
        require(session_queries.can_manage_session(actor, training_session))
        sessions.cancel_session(training_session=training_session, actor=actor, reason=data["reason"])
        return _one(training_session)

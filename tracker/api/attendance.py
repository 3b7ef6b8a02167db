"""/api/v1/sessions/{id}/attendance and /api/v1/sessions/{id}/register/sign-off: registers over the API.

Same permissions as the pages: a coordinator, or a trainer who leads or co-delivers the session
(`can_mark_register`); an observer may read the register. A person not booked becomes a walk-in.
"""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.api.common import ID_RANGE
from tracker.attendance import services, sign_off
from tracker.attendance.models import AttendanceOutcome
from tracker.attendance.walk_ins import record_attendance
from tracker.common.permissions import acting_user, require
from tracker.courses.models import TrainingSession
from tracker.extensions import db

blp = Blueprint(
    "api_attendance", __name__, url_prefix="/sessions", description="Registers: attendance, walk-ins and sign-off"
)

#: The most people one request may mark.
MAX_RECORDS = 1000


class AttendanceRecordSchema(ma.Schema):
    person_id = ma.fields.Integer(required=True, strict=True, validate=ID_RANGE)
    outcome = ma.fields.Enum(AttendanceOutcome, by_value=True, required=True)


class AttendanceUpdateSchema(ma.Schema):
    records = ma.fields.List(
        ma.fields.Nested(AttendanceRecordSchema),
        required=True,
        validate=ma.validate.Length(max=MAX_RECORDS, error=f"Send at most {MAX_RECORDS} records at once"),
    )


class RegisterLineSchema(ma.Schema):
    person_id = ma.fields.Integer()
    booking_id = ma.fields.Integer()
    first_name = ma.fields.String()
    last_name = ma.fields.String()
    organisation = ma.fields.String()
    outcome = ma.fields.Enum(AttendanceOutcome, by_value=True, allow_none=True)
    walk_in = ma.fields.Boolean()


class RegisterSchema(ma.Schema):
    session_id = ma.fields.Integer()
    signed_off = ma.fields.Boolean()
    signed_off_at = ma.fields.DateTime(allow_none=True)
    records = ma.fields.List(ma.fields.Nested(RegisterLineSchema))


class RegisterUpdateResultSchema(RegisterSchema):
    #: How many people's marks this request changed (the same mark again changes nothing).
    changed = ma.fields.Integer()
    #: How many people were not booked and became walk-ins.
    walk_ins = ma.fields.Integer()


class SignOffResultSchema(ma.Schema):
    session_id = ma.fields.Integer()
    signed_off_at = ma.fields.DateTime()
    records_made = ma.fields.Integer()


def _register_body(training_session: TrainingSession) -> dict:
    lines = services.list_register_lines(training_session)
    return {
        "session_id": training_session.id,
        "signed_off": training_session.is_signed_off,
        "signed_off_at": training_session.register_signed_off_at,
        "records": [
            {
                "person_id": line.person.id,
                "booking_id": line.booking.id,
                "first_name": line.person.first_name,
                "last_name": line.person.last_name,
                "organisation": line.organisation_name,
                "outcome": line.outcome,
                "walk_in": line.is_walk_in,
            }
            for line in lines
        ],
    }


@blp.route("/<int:session_id>/attendance")
class SessionAttendance(MethodView):
    @blp.response(200, RegisterSchema)
    def get(self, session_id: int):
        """The register: everyone with a confirmed place and their mark (null: not marked)."""
        training_session = db.get_or_404(TrainingSession, session_id)
        require(services.can_view_register(acting_user(), training_session))
        return _register_body(training_session)

    @blp.arguments(AttendanceUpdateSchema)
    @blp.response(200, RegisterUpdateResultSchema)
    @blp.alt_response(409, response="CONFLICT", description="The register is signed off")
    def put(self, data, session_id: int):
        """Mark people attended, partial, absent or excused; a person not booked becomes a walk-in.

        Unknown people are refused (422) naming the index (`records.N.person_id`); nothing is changed.
        """
        training_session = db.get_or_404(TrainingSession, session_id)
        require(services.can_mark_register(acting_user(), training_session))
        results = record_attendance(
            training_session=training_session,
            records=[(record["person_id"], record["outcome"]) for record in data["records"]],
            actor=acting_user(),
        )
        changed = sum(1 for result in results if result.changed)
        walk_ins = sum(1 for result in results if result.walked_in)
        return {**_register_body(training_session), "changed": changed, "walk_ins": walk_ins}


@blp.route("/<int:session_id>/register/sign-off")
class RegisterSignOff(MethodView):
    @blp.response(200, SignOffResultSchema)
    @blp.alt_response(409, response="CONFLICT", description="Already signed off")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="Someone with a place is not marked yet")
    def post(self, session_id: int):
        """Sign off the register: it locks, and attendance becomes training records (how many: records_made).

        Refused (422) while anyone with a confirmed place is not marked; 409 if already signed off.
        """
        training_session = db.get_or_404(TrainingSession, session_id)
        require(services.can_mark_register(acting_user(), training_session))
        records = sign_off.sign_off_register(training_session=training_session, actor=acting_user())
        signed_off_at = training_session.register_signed_off_at
        return {"session_id": session_id, "signed_off_at": signed_off_at, "records_made": len(records)}

"""/api/v1/sessions/{id}/bookings and /api/v1/bookings/{id}/cancel: places on sessions, as on the pages.

Anyone may book themselves; a manager their team, a partner contact their organisation, the coordinator
anyone (`booking.services.can_book_for`). A second booking of the same person is a 409.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.api.common import ID_RANGE, PageArgs, list_schema, page_of
from tracker.api.sessions import _viewable
from tracker.booking import for_others, services
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.common.errors import TrackerError
from tracker.common.permissions import acting_user, require
from tracker.extensions import db
from tracker.people.models import Person

blp = Blueprint("api_bookings", __name__, description="Bookings")

# Ids in URLs stop at the database's integer range, so an absurd id is a 404 rather than a database error.


class BookingSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    session_id = ma.fields.Integer(dump_only=True)
    person_id = ma.fields.Integer(required=True, strict=True, validate=ID_RANGE)
    status = ma.fields.Enum(BookingStatus, by_value=True, dump_only=True)
    waitlist_position = ma.fields.Integer(dump_only=True, allow_none=True)
    source = ma.fields.Enum(BookingSource, by_value=True, dump_only=True)


BookingList = list_schema(BookingSchema, "BookingList")


def booking_json(booking: Booking, positions: dict[int, int]) -> dict[str, Any]:
    return {
        "id": booking.id,
        "session_id": booking.session_id,
        "person_id": booking.person_id,
        "status": booking.status,
        "waitlist_position": positions.get(booking.id),
        "source": booking.source,
    }


def _one(booking: Booking) -> dict[str, Any]:
    positions = services.waitlist_positions([booking.id]) if booking.status == BookingStatus.WAITLISTED else {}
    return booking_json(booking, positions)


class SessionBookingArgs(PageArgs):
    status = ma.fields.Enum(
        BookingStatus,
        by_value=True,
        metadata={"description": "only bookings of this status; left out: every status, cancelled ones included"},
    )


@blp.route("/sessions/<int:session_id>/bookings")
class SessionBookings(MethodView):
    @blp.arguments(SessionBookingArgs, location="query")
    @blp.response(200, BookingList)
    def get(self, args, session_id):
        """A session's bookings of every status (confirmed, waitlisted and cancelled, so a system kept in step
        learns of cancellations; `?status=` filters), in booking order: all of them for the coordinator and the
        session's trainers; otherwise those you could make (yours, your team's, your organisation's)."""
        training_session = _viewable(session_id)
        statement = services.session_bookings_query(
            training_session, visible_to=acting_user(), include_cancelled=True, status=args.get("status")
        )
        result = page_of(statement, args)
        positions = services.waitlist_positions([b.id for b in result["items"] if b.status == BookingStatus.WAITLISTED])
        result["items"] = [booking_json(b, positions) for b in result["items"]]
        return result

    @blp.arguments(BookingSchema)
    @blp.response(201, BookingSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, session_id):
        """Book a person: `confirmed` while places are left, else `waitlisted` with a `waitlist_position`."""
        actor = acting_user()
        training_session = _viewable(session_id)
        person = db.session.get(Person, data["person_id"])
        if person is None:
            raise TrackerError(f"No person with id {data['person_id']}", field="person_id")
        require(services.can_book_for(actor, person))
        try:
            booking = for_others.book_for(actor=actor, training_session=training_session, person=person)
        except TrackerError as error:
            if error.field == "person":
                error.field = "person_id"
            raise
        return _one(booking)


@blp.route("/bookings/<int:booking_id>/cancel")
class CancelBooking(MethodView):
    @blp.response(200, BookingSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="The session has already started")
    def post(self, booking_id):
        """Cancel a place (yours, or one you could book); the first person waiting takes the seat."""
        actor = acting_user()
        booking = db.get_or_404(Booking, booking_id)
        require(services.can_cancel(actor, booking))
        services.cancel_place(booking=booking, actor=actor)
        return _one(booking)

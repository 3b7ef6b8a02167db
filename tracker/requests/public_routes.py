"""Booking without an account (third-sector organisations): hold, confirm by email, cancel by email."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields.choices import SelectChoice

from tracker.booking import capacity
from tracker.booking import services as booking_services
from tracker.booking.models import BookingStatus
from tracker.common.errors import TrackerError
from tracker.common.forms import field_error
from tracker.courses.models import TrainingSession
from tracker.extensions import db, limiter
from tracker.requests import public_booking
from tracker.requests.public_emails import queue_booking_request
from tracker.requests.public_forms import PublicBookingForm

bp = Blueprint("public", __name__, url_prefix="/book")


def _public_limit() -> str:
    return current_app.config["PUBLIC_FORM_LIMIT"]


def _made(response) -> bool:
    return response.status_code == 302


@bp.route("")
def list_sessions() -> ResponseReturnValue:
    """Sessions that community and voluntary groups can book without an account."""
    sessions = db.session.scalars(public_booking.public_sessions_query().limit(50)).all()
    taken = capacity.seats_taken_by_session([s.id for s in sessions])
    return render_template("public/list.html", sessions=sessions, taken=taken)


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"], deduct_when=_made)
def book(session_id: int) -> ResponseReturnValue:
    """Ask for a place without an account: nothing is booked until the emailed link is followed."""
    training_session = db.get_or_404(TrainingSession, session_id)
    if not public_booking.is_public(training_session):
        return render_template("errors/404.html"), 404
    form = PublicBookingForm()
    form.organisation_id.choices = [SelectChoice("0", "Choose your organisation")] + [
        SelectChoice(str(o.id), o.name) for o in public_booking.third_sector_organisations()
    ]
    if form.validate_on_submit():
        if form.website.data:  # honeypot: look successful, keep nothing
            return redirect(url_for("public.check_email"))
        try:
            booking_request = public_booking.check_request(
                training_session=training_session,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                email=form.email.data,
                organisation_id=form.organisation_id.data or None,
                new_organisation_name=form.new_organisation_name.data,
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field if error.field in form else "email", error.message)
        else:
            queue_booking_request(booking_request, training_session)
            return redirect(url_for("public.check_email"))
    places_left = booking_services.places_left(training_session)
    problem = booking_services.booking_problem(training_session)
    return render_template(
        "public/book.html", form=form, training_session=training_session, places_left=places_left, problem=problem
    )


@bp.route("/check-your-email")
def check_email() -> ResponseReturnValue:
    """After asking: the same answer for every address."""
    return render_template("public/check_email.html", hours=public_booking.REQUEST_HOURS)


@bp.route("/requests/<token>", methods=["GET", "POST"])
def confirm_request(token: str) -> ResponseReturnValue:
    """The link in the email leads here; the button books the place (a GET never changes anything)."""
    try:
        booking_request = public_booking.request_from_token(token)
    except TrackerError as error:
        db.session.rollback()
        return render_template(
            "public/request_result.html", title="This link does not work", message=error.message
        ), 410
    training_session = db.get_or_404(TrainingSession, booking_request.session_id)
    if request.method == "POST":
        try:
            booking = public_booking.book_from_request(booking_request=booking_request)
        except TrackerError as error:
            db.session.rollback()
            existing = public_booking.active_booking_for(training_session, booking_request.email)
            if existing is not None:
                return render_template(
                    "public/link_result.html",
                    booking=existing,
                    title="You are already booked",
                    message="You already have a place, or a place on the waiting list, at this session.",
                ), 409
            return render_template(
                "public/request_result.html",
                training_session=training_session,
                title="This place could not be booked",
                message=error.message,
            ), error.status
        if booking.status == BookingStatus.WAITLISTED:
            title, message = (
                "You are on the waiting list",
                "The session is full. We will email you if a place comes up.",
            )
        else:
            title, message = "Your place is booked", "We have emailed you a calendar invitation."
        return render_template("public/link_result.html", booking=booking, title=title, message=message, success=True)
    return render_template(
        "public/confirm_request.html", booking_request=booking_request, training_session=training_session
    )


@bp.route("/places/<token>/confirm", methods=["GET", "POST"])
def confirm_place(token: str) -> ResponseReturnValue:
    """The link in the email leads here; the button confirms (a GET never changes anything)."""
    booking = public_booking.booking_from_token(token)

    if request.method == "POST":
        try:
            public_booking.confirm_place(booking=booking)
        except TrackerError as error:
            db.session.rollback()
            return render_template(
                "public/link_result.html",
                booking=booking,
                title="This place could not be confirmed",
                message=error.message,
            ), 409
        return render_template(
            "public/link_result.html",
            booking=booking,
            title="Your place is confirmed",
            message="We have emailed you a calendar invitation.",
            success=True,
        )
    return render_template("public/confirm.html", booking=booking)


@bp.route("/places/<token>/cancel", methods=["GET", "POST"])
def cancel_place(token: str) -> ResponseReturnValue:
    """Cancel a place from the link in the email: a page with a button."""
    booking = public_booking.booking_from_token(token)

    if request.method == "POST":
        try:
            public_booking.cancel_place(booking=booking)
        except TrackerError as error:
            db.session.rollback()
            return render_template(
                "public/link_result.html", booking=booking, title="Nothing to cancel", message=error.message
            ), 409
        return render_template(
            "public/link_result.html",
            booking=booking,
            title="Your place is cancelled",
            message="Thank you for letting us know: the place will go to someone else.",
            success=True,
        )
    return render_template("public/cancel.html", booking=booking)

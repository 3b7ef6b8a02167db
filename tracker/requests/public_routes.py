"""Booking without an account (third-sector organisations): hold, confirm by email, cancel by email."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields.choices import SelectChoice

from tracker.booking import services as booking_services
from tracker.booking.models import BookingStatus
from tracker.common.errors import TrackerError
from tracker.common.forms import field_error
from tracker.courses.models import TrainingSession
from tracker.extensions import db, limiter
from tracker.requests import public_booking
from tracker.requests.public_emails import queue_hold_confirmation
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
    taken = booking_services.seats_taken_by_session([s.id for s in sessions])
    return render_template("public/list.html", sessions=sessions, taken=taken)


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"], deduct_when=_made)
def book(session_id: int) -> ResponseReturnValue:
    """Book a place without an account: the place is held until the email is confirmed."""
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
            booking = public_booking.hold_place(
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
            if booking.status == BookingStatus.HELD:
                queue_hold_confirmation(booking)
            db.session.commit()
            return redirect(url_for("public.check_email", waitlisted=int(booking.status == BookingStatus.WAITLISTED)))
    places_left = booking_services.places_left(training_session)
    problem = booking_services.booking_problem(training_session)
    return render_template(
        "public/book.html", form=form, training_session=training_session, places_left=places_left, problem=problem
    )


@bp.route("/check-your-email")
def check_email() -> ResponseReturnValue:
    """After booking: confirm by email (or: you are on the waiting list)."""

    return render_template(
        "public/check_email.html", waitlisted=request.args.get("waitlisted") == "1", hours=public_booking.HOLD_HOURS
    )


@bp.route("/places/<token>/confirm", methods=["GET", "POST"])
def confirm_place(token: str) -> ResponseReturnValue:
    """The link in the email leads here; the button confirms (a GET never changes anything)."""
    booking = public_booking.booking_from_token(token)

    if request.method == "POST":
        try:
            public_booking.confirm_place(booking=booking)
        except TrackerError as error:
            db.session.commit()  # a lapsed hold was released: keep that
            return render_template(
                "public/link_result.html",
                booking=booking,
                title="This place could not be confirmed",
                message=error.message,
            ), 409
        db.session.commit()
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
            return render_template(
                "public/link_result.html", booking=booking, title="Nothing to cancel", message=error.message
            ), 409
        db.session.commit()
        return render_template(
            "public/link_result.html",
            booking=booking,
            title="Your place is cancelled",
            message="Thank you for letting us know: the place will go to someone else.",
            success=True,
        )
    return render_template("public/cancel.html", booking=booking)

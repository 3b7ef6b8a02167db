"""Self check-in: the trainer's code screen and the register's live arrivals; the attendee's pages (public: the
shown code, then the signed pass in the address, are what let them in; they sign in or confirm an emailed code)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.attendance.services import can_view_register
from tracker.checkin import codes, services
from tracker.checkin.forms import AskForEmailCodeForm, CheckInForm, EnterEmailCodeForm, EnterShownCodeForm
from tracker.checkin.models import CheckInMethod
from tracker.checkin.qr import qr_data_uri
from tracker.common.errors import TrackerError
from tracker.common.forms import field_error
from tracker.common.permissions import require
from tracker.common.time import format_time, utc_now
from tracker.common.unit_of_work import keep_despite_error
from tracker.courses.models import TrainingSession
from tracker.extensions import db, limiter

bp = Blueprint("checkin", __name__)

#: The browser's note of which emailed code it is confirming (the signed session cookie; no server state).
PENDING_CODE_KEY = "check_in_code"


def _per_address() -> str:
    return current_app.config["CHECKIN_LIMIT"]


def _per_email() -> str:
    return current_app.config["CHECKIN_EMAIL_LIMIT"]


def _email_key() -> str:
    return "check-in-email:" + (request.form.get("email", "").strip().lower())[:254]


def _refused(response) -> bool:
    """Only refusals count against the per-address limit: a room of people behind one address checks in freely."""
    return response.status_code >= 400


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["TRACKER_BASE_URL"] + url_for(endpoint, **values)


def _problem(title: str, message: str, status: int) -> ResponseReturnValue:
    db.session.rollback()
    return render_template("checkin/problem.html", title=title, message=message), status


def _session_or_problem(token: str) -> TrainingSession | ResponseReturnValue:
    try:
        return services.session_from_pass(token)
    except codes.CheckInCodeError as error:
        return _problem("This check-in page does not work", error.message, error.status)


# --- The trainer: the code on the screen, arrivals on the register -----------------------------------------------


@bp.app_template_global("check_in_times")
def check_in_times(training_session: TrainingSession) -> dict:
    """For the register page: when each booking checked in (one statement). A template global, so the attendance
    package, below this one, does not import it."""
    return services.check_in_times(training_session)


@bp.route("/sessions/<int:session_id>/check-in-code")
def show_code(session_id: int) -> ResponseReturnValue:
    """A full-screen QR code (and the code itself, to type) that attendees scan to check in; it changes every few
    minutes, and the page fetches the new one itself (or with its link, without JavaScript)."""
    training_session = db.get_or_404(TrainingSession, session_id)
    require(can_view_register(current_user, training_session))
    now = utc_now()
    problem = services.check_in_problem(training_session, now=now)
    shown = None if problem else codes.current_code(training_session.id, now=now)
    return render_template(
        "checkin/show_code.html",
        training_session=training_session,
        problem=problem,
        shown=shown,
        check_in_url=_absolute("checkin.start"),
        qr=qr_data_uri(_absolute("checkin.start", code=shown.code)) if shown else None,
        refresh_seconds=max(int((shown.changes_at - now).total_seconds()) + 1, 1) if shown else None,
    )


@bp.route("/sessions/<int:session_id>/register/check-ins")
def arrivals(session_id: int) -> ResponseReturnValue:
    """Who has checked in so far (JSON), for the register's polling script."""
    training_session = db.get_or_404(TrainingSession, session_id)
    require(can_view_register(current_user, training_session))
    times = services.check_in_times(training_session)
    return jsonify(
        {
            "count": len(times),
            "check_ins": [
                {"booking_id": booking_id, "label": f"Checked in at {format_time(at)}"}
                for booking_id, at in sorted(times.items(), key=lambda item: (item[1], item[0]))
            ],
        }
    )


# --- The attendee: the code, then the check-in page ---------------------------------------------------------------


@bp.route("/check-in", methods=["GET", "POST"])
@limiter.limit(_per_address, deduct_when=_refused)
def start() -> ResponseReturnValue:
    """Where the QR code leads (with its code), or where the code is typed: a valid code leads to the check-in page."""
    form = EnterShownCodeForm()
    status = 200
    text = form.code.data if request.method == "POST" else request.args.get("code")
    if request.method == "GET" and text is not None:
        form.code.data = text
    if (request.method == "POST" and form.validate_on_submit()) or (request.method == "GET" and text):
        try:
            training_session = services.find_session_by_code(text)
        except codes.CheckInCodeError as error:
            field_error(form, "code", error.message)
            status = error.status
        else:
            return redirect(url_for("checkin.check_in", token=codes.make_pass(training_session.id)))
    elif form.errors:
        status = 400
    return render_template("checkin/start.html", form=form), status


@bp.route("/check-in/<token>", methods=["GET", "POST"])
def check_in(token: str) -> ResponseReturnValue:
    """Check in to the session: signed in, with a button; otherwise, sign in or have a code emailed."""
    training_session = _session_or_problem(token)
    if not isinstance(training_session, TrainingSession):
        return training_session
    problem = services.check_in_problem(training_session)
    if problem:
        return _problem("You cannot check in to this session", problem, 409)
    form = CheckInForm()
    user = current_user if current_user.is_authenticated else None
    if request.method == "POST":
        if user is None:
            return redirect(url_for("auth.sign_in", next=url_for("checkin.check_in", token=token)))
        if form.validate_on_submit():
            try:
                arrival = services.check_in(
                    training_session=training_session,
                    person=user.person,
                    method=CheckInMethod.SIGNED_IN,
                    actor=current_user._get_current_object(),
                )
            except TrackerError as error:
                db.session.rollback()
                field_error(form, None, error.message)
                return render_template(
                    "checkin/check_in.html", training_session=training_session, form=form, token=token, arrival=None
                ), error.status
            return render_template("checkin/checked_in.html", training_session=training_session, arrival=arrival)
    arrival = services.find_check_in(training_session, user.person) if user is not None else None
    return render_template(
        "checkin/check_in.html", training_session=training_session, form=form, token=token, arrival=arrival
    )


@bp.route("/check-in/<token>/email", methods=["GET", "POST"])
@limiter.limit(_per_address, methods=["POST"])
@limiter.limit(_per_email, methods=["POST"], key_func=_email_key)
def ask_for_email_code(token: str) -> ResponseReturnValue:
    """No account: give the email address you were booked with, and we email a 6-digit code (the same answer for
    any address)."""
    training_session = _session_or_problem(token)
    if not isinstance(training_session, TrainingSession):
        return training_session
    form = AskForEmailCodeForm()
    if form.validate_on_submit():
        try:
            row = services.send_email_code(training_session=training_session, email=form.email.data)
        except TrackerError as error:
            return _problem("You cannot check in to this session", error.message, error.status)
        session[PENDING_CODE_KEY] = {"id": row.id if row else 0, "email": form.email.data.strip()}
        return redirect(url_for("checkin.enter_email_code", token=token))
    return render_template("checkin/ask_for_email_code.html", training_session=training_session, form=form, token=token)


@bp.route("/check-in/<token>/code", methods=["GET", "POST"])
@limiter.limit(_per_address, methods=["POST"], deduct_when=_refused)
def enter_email_code(token: str) -> ResponseReturnValue:
    """Enter the emailed code: checked in."""
    training_session = _session_or_problem(token)
    if not isinstance(training_session, TrainingSession):
        return training_session
    pending = session.get(PENDING_CODE_KEY)
    if not isinstance(pending, dict):
        return redirect(url_for("checkin.ask_for_email_code", token=token))
    form = EnterEmailCodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            arrival = services.confirm_email_code(
                training_session=training_session, code_id=pending.get("id"), code=form.code.data
            )
        except (services.WrongEmailCodeError, services.EmailCodeEndedError) as error:
            # Not rolled back: a wrong try is counted against the code, and the count must outlive this refusal.
            keep_despite_error()
            field_error(form, "code", error.message)
            status = 400
        except TrackerError as error:
            db.session.rollback()
            field_error(form, "code", error.message)
            status = error.status
        else:
            session.pop(PENDING_CODE_KEY, None)
            return render_template("checkin/checked_in.html", training_session=training_session, arrival=arrival)
    elif form.errors:
        status = 400
    return render_template(
        "checkin/enter_email_code.html",
        training_session=training_session,
        form=form,
        token=token,
        email=pending.get("email"),
        minutes=int(services.email_code_lifetime().total_seconds() // 60),
    ), status

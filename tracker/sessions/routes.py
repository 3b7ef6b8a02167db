"""Pages for trainers and the coordinator: sessions I deliver, create, series, edit, publish, cancel."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.accounts.models import Role
from tracker.booking import services as booking_services
from tracker.booking.capacity import seat_counts
from tracker.booking.models import BookingStatus
from tracker.common.errors import TrackerError
from tracker.common.forms import field_error, id_arg
from tracker.common.paging import page_number, paginate
from tracker.common.permissions import require
from tracker.common.time import add_months, london_clock, london_to_utc, start_of_london_day, to_london, utc_now
from tracker.courses import series, session_queries, sessions
from tracker.courses.models import Course, SessionStatus, TrainerPart, TrainingSession
from tracker.courses.session_forms import (
    CancelSessionForm,
    CreateSeriesForm,
    CreateSessionForm,
    EditSessionForm,
    SessionListFilterForm,
)
from tracker.extensions import db
from tracker.people.models import Organisation, Person
from tracker.people.organisations import organisations_by_ids
from tracker.people.services import people_by_ids
from tracker.requests.models import TrainingRequest
from tracker.requests.services import schedule_with_session

bp = Blueprint("sessions", __name__)

# Ids in URLs stop at the database's integer range, so an absurd id is a 404 rather than a database error.

PER_PAGE = 25

#: Service fields -> the form field a message belongs next to.
FORM_FIELDS = {
    "starts_at": "session_date",
    "ends_at": "end_time",
    "booking_opens_at": "booking_opens_on",
    "booking_closes_at": "booking_closes_on",
    "audience": "organisations",
    "trainers": "co_trainers",
}
SERIES_FIELDS = {**FORM_FIELDS, "starts_at": "first_month"}


def _is_coordinator() -> bool:
    return current_user.has_role(Role.COORDINATOR)


def _load_session(session_id: int) -> TrainingSession:
    training_session = db.get_or_404(TrainingSession, session_id)
    require(session_queries.can_manage_session(current_user, training_session))
    return training_session


def _set_choices(form, training_session: TrainingSession | None = None) -> None:
    """Courses, organisations and people to choose from. On a new session a trainer leads it, so is
    not offered as their own co-trainer; on an existing one everyone already on it stays listed."""
    coordinator = _is_coordinator()
    trainers = session_queries.list_eligible_trainers()
    if training_session is None and not coordinator:
        trainers = [p for p in trainers if p.id != current_user.person_id]
    if training_session is not None:
        listed = {p.id for p in trainers}
        trainers += [row.person for row in training_session.trainers if row.person_id not in listed]
    form.set_choices(
        courses=session_queries.list_active_courses(),
        organisations=session_queries.list_organisations(),
        trainers=trainers,
        can_choose_lead=coordinator,
    )


def _people(ids: list[int]) -> list[Person]:
    if not ids:
        return []
    found = people_by_ids(ids)
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def _organisations(ids: list[int]) -> list[Organisation]:
    if not ids:
        return []
    return organisations_by_ids(ids)


def _session_values(form, starts_at, opens, closes) -> dict:
    """What the session form says of the session itself, as `create_session` and `update_session` take it."""
    return {
        "title": form.title.data,
        "starts_at": starts_at,
        "ends_at": london_to_utc(form.session_date.data, form.end_time.data),
        "venue": form.venue.data,
        "online_url": form.online_url.data,
        "capacity": form.capacity.data,
        "booking_opens_at": opens,
        "booking_closes_at": closes,
        "audience": _audience(form),
    }


def _team_args(form) -> dict:
    """lead / co_trainers / observers from a form (lead only when the form offers it)."""
    args = {"co_trainers": _people(form.co_trainers.data or []), "observers": _people(form.observers.data or [])}
    if "lead" in form:
        lead_id = form.lead.data
        args["lead"] = db.session.get(Person, lead_id) if lead_id else None
    return args


def _audience(form) -> list[Organisation] | None:
    return _organisations(form.organisations.data or []) if form.audience.data == "restricted" else None


def _booking_window(form, starts_at: datetime) -> tuple[datetime | None, datetime | None]:
    opens = closes = None
    if form.booking_opens_on.data:
        opens = london_to_utc(form.booking_opens_on.data, form.booking_opens_time.data or time(0, 0))
    if form.booking_closes_on.data:
        if form.booking_closes_time.data:
            closes = london_to_utc(form.booking_closes_on.data, form.booking_closes_time.data)
        else:  # the end of that day, but never after the start
            closes = min(start_of_london_day(form.booking_closes_on.data + timedelta(days=1)), starts_at)
    return opens, closes


def _show_error(form, error: TrackerError, fields: dict[str, str]) -> None:
    db.session.rollback()
    field_error(form, fields.get(error.field or "", error.field), error.message)


@bp.route("/my-sessions")
def my_sessions() -> ResponseReturnValue:
    """Sessions I deliver, upcoming or past; the coordinator sees every session and can filter them."""
    now = utc_now()
    when = "past" if request.args.get("when") == "past" else "upcoming"
    filters = SessionListFilterForm(request.args)
    filters.course.choices = [("", "All courses")] + [(c.id, c.code) for c in session_queries.active_course_rows()]
    coordinator = _is_coordinator()
    month = None
    if coordinator:
        filters.validate()
        month = filters.month.data if not filters.month.errors else None
    status = request.args.get("status") if coordinator else None
    statement = session_queries.sessions_query(
        viewer=current_user,
        course_id=filters.course.data if coordinator else None,
        status=SessionStatus(status) if status in set(SessionStatus) else None,
        trainer_person_id=None if coordinator else current_user.person_id,
        starts_from=start_of_london_day(month) if month else (None if when == "past" else now),
        starts_before=start_of_london_day(add_months(month, 1)) if month else (now if when == "past" else None),
        newest_first=when == "past" and not month,
    )
    page = paginate(statement, number=page_number(), per_page=PER_PAGE)
    counts = seat_counts([s.id for s in page.items])
    return render_template(
        "sessions/my_sessions.html",
        page=page,
        counts=counts,
        when=when,
        filters=filters if coordinator else None,
        month=month,
        coordinator=coordinator,
        now=now,
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
def create_session() -> ResponseReturnValue:
    """Create a session: save it as a draft, or publish it at once."""
    form = CreateSessionForm()
    _set_choices(form)
    if request.method == "GET" and "lead" in form:
        form.lead.data = current_user.person_id
    training_request = _training_request_to_schedule()
    if request.method == "GET" and training_request is not None:
        form.audience.data = "restricted"
        form.organisations.data = [training_request.organisation_id]
        form.capacity.data = min(training_request.staff_count, 30)
    if form.validate_on_submit():
        course = db.session.get(Course, form.course.data)
        starts_at = london_to_utc(form.session_date.data, form.start_time.data)
        opens, closes = _booking_window(form, starts_at)
        try:
            if course is None:
                raise TrackerError("Select a course", field="course")
            training_session = sessions.create_session(
                actor=current_user,
                course=course,
                **_session_values(form, starts_at, opens, closes),
                publish=bool(form.publish.data),
                **_team_args(form),
            )
        except TrackerError as error:
            db.session.rollback()
            _show_error(form, error, FORM_FIELDS)
        else:
            if training_request is not None:
                schedule_with_session(
                    training_request=training_request, training_session=training_session, actor=current_user
                )
            if training_session.starts_at <= utc_now():
                message = "Past session recorded: you can now record its attendance"
            elif training_session.is_published:
                message = "Session published: people can book it now"
            else:
                message = "Session saved as a draft: publish it when it is ready"
            flash(message, "success")
            return redirect(url_for("sessions.show_session", session_id=training_session.id))
    return render_template("sessions/form.html", form=form, training_session=None, training_request=training_request)


def _training_request_to_schedule() -> TrainingRequest | None:
    """The training request this session is being created for (`?request_id=`), for the coordinator."""
    request_id = id_arg("request_id")
    if request_id is None or not current_user.has_role(Role.COORDINATOR):
        return None
    training_request = db.session.get(TrainingRequest, request_id)
    return training_request if training_request is not None and training_request.organisation_id else None


@bp.route("/sessions/series/new", methods=["GET", "POST"])
def create_series() -> ResponseReturnValue:
    """Create a monthly series in one go, e.g. the first Tuesday of each month for six months."""
    form = CreateSeriesForm()
    _set_choices(form)
    if request.method == "GET" and "lead" in form:
        form.lead.data = current_user.person_id
    if form.validate_on_submit():
        course = db.session.get(Course, form.course.data)
        try:
            if course is None:
                raise TrackerError("Select a course", field="course")
            created = series.create_series(
                actor=current_user,
                course=course,
                title=form.title.data,
                first_month=form.first_month.data,
                months=form.months.data,
                weekday=int(form.weekday.data),
                ordinal=int(form.ordinal.data),
                start_time=form.start_time.data,
                end_time=form.end_time.data,
                venue=form.venue.data,
                online_url=form.online_url.data,
                capacity=form.capacity.data,
                audience=_audience(form),
                publish=bool(form.publish.data),
                **_team_args(form),
            )
        except TrackerError as error:
            db.session.rollback()
            _show_error(form, error, SERIES_FIELDS)
        else:
            state = "published" if created[0].is_published else "saved as drafts"
            flash(f"{len(created)} sessions {state}", "success")
            return redirect(url_for("sessions.my_sessions"))
    return render_template("sessions/series.html", form=form)


@bp.route("/sessions/<int:session_id>/manage")
def show_session(session_id: int) -> ResponseReturnValue:
    """A session as its trainers and the coordinator see it: details, team, who is booked, actions."""
    training_session = _load_session(session_id)
    bookings = list(db.session.scalars(booking_services.session_bookings_query(training_session)).unique())
    positions = booking_services.waitlist_positions([b.id for b in bookings if b.status == BookingStatus.WAITLISTED])
    counts = seat_counts([training_session.id])[training_session.id]
    return render_template(
        "sessions/show.html",
        training_session=training_session,
        bookings=bookings,
        positions=positions,
        counts=counts,
        can_cancel_bookings=_is_coordinator(),
        now=utc_now(),
    )


def _fill_edit_form(form: EditSessionForm, training_session: TrainingSession) -> None:
    starts = to_london(training_session.starts_at)
    form.session_date.data = starts.date()
    form.start_time.data = london_clock(training_session.starts_at)
    form.end_time.data = london_clock(training_session.ends_at)
    form.title.data = training_session.title
    form.venue.data = training_session.venue
    form.online_url.data = training_session.online_url
    form.capacity.data = training_session.capacity
    if training_session.booking_opens_at:
        opens = to_london(training_session.booking_opens_at)
        form.booking_opens_on.data, form.booking_opens_time.data = opens.date(), london_clock(opens)
    if training_session.booking_closes_at:
        closes = to_london(training_session.booking_closes_at)
        form.booking_closes_on.data, form.booking_closes_time.data = closes.date(), london_clock(closes)
    form.audience.data = "restricted" if training_session.audience_restricted else "open"
    form.organisations.data = [o.id for o in training_session.audience]
    rows = training_session.trainers
    form.co_trainers.data = [r.person_id for r in rows if r.part == TrainerPart.CO_TRAINER]
    form.observers.data = [r.person_id for r in rows if r.part == TrainerPart.OBSERVER]
    if "lead" in form:
        lead = session_queries.lead_of(training_session)
        form.lead.data = lead.id if lead else None


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def edit_session(session_id: int) -> ResponseReturnValue:
    """Change a session: reschedule, move venue, change the link, capacity, audience or team."""
    training_session = _load_session(session_id)
    if training_session.is_cancelled:
        flash("This session has been cancelled and cannot be changed", "error")
        return redirect(url_for("sessions.show_session", session_id=session_id))
    form = EditSessionForm()
    _set_choices(form, training_session)
    del form.course
    if request.method == "GET":
        _fill_edit_form(form, training_session)
    if form.validate_on_submit():
        starts_at = london_to_utc(form.session_date.data, form.start_time.data)
        opens, closes = _booking_window(form, starts_at)
        try:
            sessions.update_session(
                training_session=training_session,
                actor=current_user,
                **_session_values(form, starts_at, opens, closes),
                **_team_args(form),
            )
        except TrackerError as error:
            db.session.rollback()
            _show_error(form, error, FORM_FIELDS)
            training_session = db.get_or_404(TrainingSession, session_id)
        else:
            flash("Session updated. Anyone booked is sent the new details.", "success")
            return redirect(url_for("sessions.show_session", session_id=session_id))
    return render_template("sessions/form.html", form=form, training_session=training_session)


@bp.route("/sessions/<int:session_id>/publish", methods=["POST"])
def publish_session(session_id: int) -> ResponseReturnValue:
    """Publish a draft session so people can book it."""
    training_session = _load_session(session_id)
    try:
        sessions.publish_session(training_session=training_session, actor=current_user)
    except TrackerError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash("Session published: people can book it now", "success")
    return redirect(url_for("sessions.show_session", session_id=session_id))


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
def cancel_session(session_id: int) -> ResponseReturnValue:
    """Cancel a session with a reason, after a confirmation page."""
    training_session = _load_session(session_id)
    if training_session.is_cancelled:
        flash("This session has already been cancelled", "error")
        return redirect(url_for("sessions.show_session", session_id=session_id))
    form = CancelSessionForm()
    if form.validate_on_submit():
        try:
            seated = sessions.cancel_session(
                training_session=training_session, actor=current_user, reason=form.reason.data
            )
        except TrackerError as error:
            db.session.rollback()
            _show_error(form, error, {})
            training_session = db.get_or_404(TrainingSession, session_id)
        else:
            count = len(seated)
            told = (
                f" {count} {'person' if count == 1 else 'people'} booked {'is' if count == 1 else 'are'} told by email."
            )
            told = told if count else ""
            flash(f"Session cancelled.{told}", "success")
            return redirect(url_for("sessions.show_session", session_id=session_id))
    counts = seat_counts([training_session.id])[training_session.id]
    return render_template("sessions/cancel.html", form=form, training_session=training_session, counts=counts)

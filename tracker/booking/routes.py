"""Finding sessions and booking places: for yourself, your team, your organisation, or anyone (coordinator)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import joinedload

from tracker.accounts.models import Role
from tracker.accounts.routes import is_safe_next
from tracker.attendance.records import find_valid_record, valid_until_by_person
from tracker.booking import capacity, finding, for_others, quotas, services
from tracker.booking.forms import BookTeamForm, FindPersonForm, FindSessionForm, PartnerAttendeeForm
from tracker.booking.models import Booking, BookingStatus
from tracker.common.errors import TrackerError
from tracker.common.forms import field_error, id_arg
from tracker.common.paging import page_number, paginate
from tracker.common.permissions import require
from tracker.common.time import format_date, format_datetime
from tracker.courses import session_queries
from tracker.courses.models import SessionTrainer, TrainingSession
from tracker.extensions import db
from tracker.people import services as people
from tracker.people.models import Person

bp = Blueprint("booking", __name__)
bp.add_app_template_filter(capacity.places_text, "places")

# Ids in URLs stop at the database's integer range, so an absurd id is a 404 rather than a database error.

PER_PAGE = 20


#: Loader options for a session shown with its course and trainers (one statement: a session has few trainers).
SESSION_DETAILS = (
    joinedload(TrainingSession.course),
    joinedload(TrainingSession.trainers).joinedload(SessionTrainer.person),
)


def _viewable_session(session_id: int, *options) -> TrainingSession:
    """The session (loaded with `options`), or 404 if it does not exist or is a draft this person may not see."""
    training_session = db.get_or_404(TrainingSession, session_id, options=list(options))
    if not session_queries.can_view_session(current_user, training_session):
        abort(404)
    return training_session


def _booked_message(booking: Booking, who: str = "You are") -> str:
    title = f"{booking.training_session.display_title} on {format_datetime(booking.training_session.starts_at)}"
    if booking.status == BookingStatus.WAITLISTED:
        position = services.waitlist_positions([booking.id]).get(booking.id)
        return f"The session is full. {who} number {position} on the waiting list for {title}"
    return f"{who} booked on {title}"


@bp.route("/sessions")
def list_sessions() -> ResponseReturnValue:
    """Find a session: upcoming published sessions, by course and month, with places left."""
    filters = FindSessionForm(request.args)
    filters.course.choices = [("", "All courses")] + [
        (c.id, f"{c.name} ({c.code})") for c in session_queries.active_course_rows()
    ]
    filters.validate()
    month = filters.month.data if not filters.month.errors else None
    statement = finding.bookable_sessions(viewer=current_user, course_id=filters.course.data, month=month)
    page = paginate(statement, number=page_number(), per_page=PER_PAGE, scalars=False)
    return render_template(
        "booking/list_sessions.html",
        filters=filters,
        page=page,
        audiences=finding.audience_names(page.items),
        booking_counts=finding.places_and_my_status([s.id for s in page.items], current_user.person_id),
    )


@bp.route("/sessions/<int:session_id>")
def show_session(session_id: int) -> ResponseReturnValue:
    """A session: when, where, trainers, places left, and a button to book or join the waiting list."""
    training_session = _viewable_session(session_id, *SESSION_DETAILS)
    me = current_user.person
    booking = services.find_active_booking(session_id=session_id, person_id=me.id)
    position = None
    if booking is not None and booking.status == BookingStatus.WAITLISTED:
        position = services.waitlist_positions([booking.id]).get(booking.id)
    counts = capacity.seat_counts([session_id])[session_id]
    left, held = quotas.places_for(training_session, me.organisation_id, taken=counts.taken)
    return render_template(
        "booking/show_session.html",
        training_session=training_session,
        booking=booking,
        position=position,
        taken=counts.taken,
        left=left,
        held=held,
        waiting=counts.waiting,
        problem=services.booking_problem(training_session),
        in_audience=services.is_in_audience(training_session, me),
        record=find_valid_record(person_id=me.id, course_id=training_session.course_id),
        can_manage=session_queries.can_manage_session(current_user, training_session),
        is_manager=current_user.has_role(Role.MANAGER),
        is_coordinator=current_user.has_role(Role.COORDINATOR),
        is_partner=current_user.has_role(Role.PARTNER),
    )


@bp.route("/sessions/<int:session_id>/book", methods=["POST"])
def book(session_id: int) -> ResponseReturnValue:
    """Book a place for yourself (or join the waiting list when the session is full)."""
    training_session = _viewable_session(session_id)
    try:
        booking = for_others.book_for(actor=current_user, training_session=training_session, person=current_user.person)
    except TrackerError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        message = _booked_message(booking)
        flash(message, "success")
    return redirect(url_for("booking.show_session", session_id=session_id))


def _after_cancel_url(booking: Booking) -> str:
    target = request.values.get("next")
    if is_safe_next(target):
        return target
    if booking.person_id == current_user.person_id:
        return url_for("my_training.show")
    return url_for("booking.show_session", session_id=booking.session_id)


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
def cancel_booking(booking_id: int) -> ResponseReturnValue:
    """Cancel a place (yours, or one you could have booked), after a confirmation page."""
    booking = db.get_or_404(Booking, booking_id)
    require(services.can_cancel(current_user, booking))
    mine = booking.person_id == current_user.person_id
    if request.method == "POST":
        title = booking.training_session.display_title
        if booking.status == BookingStatus.WAITLISTED:
            done = f"{'You have' if mine else booking.person.full_name + ' has'} left the waiting list for {title}"
        else:
            done = f"{'Your' if mine else booking.person.full_name + '’s'} place on {title} has been cancelled"
        try:
            services.cancel_place(booking=booking, actor=current_user)
        except TrackerError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(done, "success")
        return redirect(_after_cancel_url(booking))
    next_url = request.args.get("next")
    return render_template(
        "booking/cancel_booking.html",
        booking=booking,
        mine=mine,
        next_url=next_url if is_safe_next(next_url) else None,
        back_url=_after_cancel_url(booking),
    )


def _team_standing(training_session: TrainingSession, team: list[Person]) -> dict[int, str]:
    """{person_id: "email · department · trained until …, booked on …"}: the hint beside each name on "Book your
    team", which tells two people of the same name apart and says who already holds a place (three statements)."""
    ids = [p.id for p in team]
    departments = people.current_departments(ids)
    trained = valid_until_by_person(ids, training_session.course_id)
    places = finding.course_places_by_person(training_session.course_id, ids)
    hints = {}
    for person in team:
        parts = [person.email or "No email address"]
        if person.id in departments:
            parts.append(departments[person.id].path.replace("/", " / "))
        if person.id in trained:
            until = trained[person.id]
            parts.append(f"trained until {format_date(until)}" if until else "trained (does not expire)")
        place = places.get(person.id)
        if place is not None:
            held = place.training_session
            when = f"{held.display_title}, {format_datetime(held.starts_at)}"
            parts.append(
                f"on the waiting list for {when}" if place.status == BookingStatus.WAITLISTED else f"booked on {when}"
            )
        hints[person.id] = " · ".join(parts)
    return hints


def _outcome_rows(outcomes: list[for_others.BookingOutcome]) -> list[dict]:
    """What booking several people did, one row each, kept in the flashed message for the page after."""
    labels = {"confirmed": "Booked", "held": "Place held", "waitlisted": "On the waiting list"}
    rows = []
    for outcome in outcomes:
        result = labels.get(outcome.result) or outcome.message or "Not booked"
        rows.append({"name": outcome.person.full_name, "detail": outcome.person.email or "", "result": result})
    return rows


@bp.route("/sessions/<int:session_id>/book-team", methods=["GET", "POST"])
def book_team(session_id: int) -> ResponseReturnValue:
    """A manager books members of their team onto a session."""
    training_session = _viewable_session(session_id)
    team = people.list_team(current_user.person)
    booked = services.active_bookings_by_person(session_id, [p.id for p in team])
    form = BookTeamForm()
    choosable = [p for p in team if p.id not in booked]
    form.people.choices = [(p.id, p.full_name) for p in choosable]
    if form.validate_on_submit():
        chosen = list(people.people_by_ids(form.people.data).values())
        require(len(chosen) == len(set(form.people.data)))
        require(all(services.can_book_for(current_user, person) for person in chosen))
        try:
            outcomes = for_others.book_people(
                actor=current_user,
                training_session=training_session,
                people_to_book=sorted(chosen, key=lambda p: (p.last_name, p.first_name, p.id)),
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, "people", error.message)
        else:
            flash(_outcome_rows(outcomes), "outcomes")
            return redirect(url_for("booking.book_team", session_id=session_id))
    positions = services.waitlist_positions([b.id for b in booked.values() if b.status == BookingStatus.WAITLISTED])
    hints = _team_standing(training_session, choosable) if choosable else {}
    taken = capacity.count_seats_taken(session_id)
    return render_template(
        "booking/book_team.html",
        form=form,
        training_session=training_session,
        team=team,
        booked=booked,
        positions=positions,
        hints=[{"hint": {"text": hints[p.id]}} for p in choosable],
        taken=taken,
        left=capacity.places_left(training_session, taken=taken),
        problem=services.booking_problem(training_session),
    )


@bp.route("/sessions/<int:session_id>/book-people", methods=["GET", "POST"])
def book_people(session_id: int) -> ResponseReturnValue:
    """The coordinator finds anyone by name or email and books them."""
    training_session = _viewable_session(session_id)
    if request.method == "POST":
        person_id = request.form.get("person_id", "")
        person = db.get_or_404(Person, int(person_id)) if person_id.isdigit() and len(person_id) < 10 else None
        if person is None:
            flash("Choose a person to book", "error")
        else:
            require(services.can_book_for(current_user, person))
            try:
                booking = for_others.book_for(actor=current_user, training_session=training_session, person=person)
            except TrackerError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                message = _booked_message(booking, who=f"{person.full_name} is")
                flash(message, "success")
        return redirect(url_for("booking.book_people", session_id=session_id, q=request.form.get("q", "")))
    form = FindPersonForm(request.args)
    results: list[Person] = []
    if request.args.get("q") is not None and form.validate():
        results = for_others.search_people(form.q.data)
    booked = services.active_bookings_by_person(session_id, [p.id for p in results])
    return render_template(
        "booking/book_people.html",
        form=form if request.args.get("q") is not None else FindPersonForm(formdata=None),
        training_session=training_session,
        results=results,
        booked=booked,
        searched=request.args.get("q") is not None,
        taken=capacity.count_seats_taken(session_id),
    )


@bp.route("/partner/attendees", methods=["GET", "POST"])
def partner_attendees() -> ResponseReturnValue:
    """A partner contact sees their organisation's bookings and books named attendees, adding new people."""
    organisation = current_user.person.organisation
    choosable = db.session.execute(finding.bookable_sessions(viewer=current_user).limit(200)).all()
    form = PartnerAttendeeForm()
    taken = capacity.seats_taken_by_session([s.id for s in choosable])
    form.session_id.choices = [("", "Choose a session")] + [
        (s.id, f"{s.display_title} – {format_datetime(s.starts_at)} – {capacity.places_text(s, taken.get(s.id, 0))}")
        for s in choosable
    ]
    if request.method == "GET" and id_arg("session_id"):
        form.session_id.data = id_arg("session_id")
    if form.validate_on_submit():
        training_session = _viewable_session(form.session_id.data)  # one of the choices
        try:
            person = for_others.add_partner_attendee(
                organisation=organisation,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                email=form.email.data,
                actor=current_user,
            )
            require(services.can_book_for(current_user, person))
            booking = for_others.book_for(actor=current_user, training_session=training_session, person=person)
        except TrackerError as error:
            db.session.rollback()
            field_error(form, {"person": "email", "session": "session_id"}.get(error.field, error.field), error.message)
        else:
            message = _booked_message(booking, who=f"{person.full_name} is")
            flash(message, "success")
            return redirect(url_for("booking.partner_attendees"))
    page = paginate(finding.organisation_bookings_query(organisation.id), number=page_number(), per_page=PER_PAGE)
    positions = services.waitlist_positions([b.id for b in page.items if b.status == BookingStatus.WAITLISTED])
    return render_template(
        "booking/partner_attendees.html", form=form, organisation=organisation, page=page, positions=positions
    )

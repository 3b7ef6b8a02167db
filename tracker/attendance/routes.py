"""Registers (marking, walk-ins, sign-off, reopening, the sign-in sheet) and training records pages."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.attendance import imports, services, training_records, walk_in_search, walk_ins
from tracker.attendance.forms import (
    AddWalkInForm,
    EvidenceForm,
    ImportTrainingRecordsForm,
    MarkAttendanceForm,
    NewWalkInForm,
    ReasonForm,
    SearchPeopleForm,
)
from tracker.attendance.models import AttendanceOutcome, TrainingRecord, last_valid_day
from tracker.attendance.sign_off import reopen_register, sign_off_register
from tracker.booking.models import Booking
from tracker.common.errors import TrackerError
from tracker.common.forms import field_error
from tracker.common.permissions import require
from tracker.courses.models import Course, TrainingSession
from tracker.extensions import db
from tracker.people.models import Organisation, Person

bp = Blueprint("attendance", __name__)

#: Id converter: larger numbers cannot be ids, and would overflow the database's integer (a 500, not a 404).
#: People shown for a walk-in search.
SEARCH_LIMIT = 20
#: Blank rows at the foot of the printed sign-in sheet, for people who turn up unbooked.
BLANK_SIGN_IN_ROWS = 5


def _actor():
    """The signed-in account itself (not the proxy), for services and the audit log."""
    return current_user._get_current_object()


def _register_url(training_session: TrainingSession, anchor: str | None = None) -> str:
    return url_for("attendance.register", session_id=training_session.id, _anchor=anchor)


def _back_url() -> str:
    """Back to "Sessions I deliver" when that page exists, else home."""
    if "sessions.my_sessions" in current_app.view_functions:
        return url_for("sessions.my_sessions")
    return url_for("main.home")


def _render_register(training_session: TrainingSession, *, error: str | None = None, status: int = 200):
    lines = services.list_register_lines(training_session)
    return (
        render_template(
            "attendance/register.html",
            training_session=training_session,
            lines=lines,
            summary=services.summarise_register(lines, training_session.course),
            history=services.list_register_history(training_session),
            events=services.list_register_events(training_session),
            can_mark=services.can_mark_register(_actor(), training_session),
            can_reopen=services.can_reopen_register(_actor()),
            marking_problem=services.marking_problem(training_session),
            sign_off_problem=services.sign_off_problem(training_session),
            outcomes=list(AttendanceOutcome),
            register_error=error,
            back_url=_back_url(),
        ),
        status,
    )


# --- The register ------------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/register")
def register(session_id: int) -> ResponseReturnValue:
    """The register of a session: everyone booked, their mark, one tap to mark each; and its history."""
    training_session = db.get_or_404(TrainingSession, session_id)
    require(services.can_view_register(_actor(), training_session))
    return _render_register(training_session)


@bp.route("/sessions/<int:session_id>/register/mark", methods=["POST"])
def mark(session_id: int) -> ResponseReturnValue:
    """Mark one person attended, partial, absent or excused (one button per outcome on each row)."""
    training_session = db.get_or_404(TrainingSession, session_id)
    require(services.can_mark_register(_actor(), training_session))
    form = MarkAttendanceForm()
    if not form.validate_on_submit():
        abort(400)
    booking = db.get_or_404(Booking, form.booking_id.data)
    try:
        services.mark_attendance(
            training_session=training_session,
            booking=booking,
            outcome=AttendanceOutcome(form.outcome.data),
            actor=_actor(),
        )
    except TrackerError as error:
        db.session.rollback()
        return _render_register(training_session, error=error.message, status=error.status)
    return redirect(_register_url(training_session, f"booking-{booking.id}"))


@bp.route("/sessions/<int:session_id>/register/mark-all", methods=["POST"])
def mark_all(session_id: int) -> ResponseReturnValue:
    """Mark everyone not yet marked as attended."""
    training_session = db.get_or_404(TrainingSession, session_id)
    require(services.can_mark_register(_actor(), training_session))
    try:
        count = services.mark_everyone_attended(training_session=training_session, actor=_actor())
    except TrackerError as error:
        db.session.rollback()
        return _render_register(training_session, error=error.message, status=error.status)
    flash(f"{count} {'person' if count == 1 else 'people'} marked as attended", "success")
    return redirect(_register_url(training_session))


# --- Walk-ins ------------------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/register/walk-in", methods=["GET", "POST"])
def walk_in(session_id: int) -> ResponseReturnValue:
    """Find someone who turned up without a place, and add them to the register as attended."""
    training_session = db.get_or_404(TrainingSession, session_id)
    require(services.can_mark_register(_actor(), training_session))
    search = SearchPeopleForm(request.args)
    add_form = AddWalkInForm()
    error: TrackerError | None = None
    problem = walk_in_search.search_problem(_actor(), training_session)
    if request.method == "POST":
        if not add_form.validate_on_submit():
            abort(400)
        person = db.get_or_404(Person, add_form.person_id.data)
        try:
            if problem:
                raise TrackerError(problem)
            result = walk_ins.add_walk_in(training_session=training_session, person=person, actor=_actor())
        except TrackerError as problem:
            db.session.rollback()
            error = problem
        else:
            done = "added as a walk-in and marked attended" if result.is_new else "marked attended"
            flash(f"{person.full_name} {done}", "success")
            return redirect(_register_url(training_session, f"booking-{result.booking.id}"))
    query = (search.q.data or "").strip() if search.validate() else ""
    people: list[Person] = []
    if query and not problem:
        short = walk_in_search.query_problem(_actor(), query)
        if short:
            search.q.errors = [*search.q.errors, short]
        else:
            people = walk_in_search.find_walk_ins(_actor(), training_session, query, limit=SEARCH_LIMIT)
    return render_template(
        "attendance/walk_in.html",
        training_session=training_session,
        search=search,
        query=query,
        people=people,
        booked=walk_ins.booked_person_ids(training_session, [p.id for p in people]),
        marking_problem=services.marking_problem(training_session),
        walk_in_error=error.message if error else None,
        search_problem=problem,
        exact_search=not walk_in_search.sees_directory(_actor()),
        show_email=walk_in_search.shows_email(_actor(), query),
        search_limit=SEARCH_LIMIT,
    ), (error.status if error else 200)


@bp.route("/sessions/<int:session_id>/register/walk-in/new", methods=["GET", "POST"])
def new_walk_in(session_id: int) -> ResponseReturnValue:
    """Add a person not yet known (name, email, organisation) and put them on the register as attended."""
    training_session = db.get_or_404(TrainingSession, session_id)
    require(services.can_mark_register(_actor(), training_session))
    form = NewWalkInForm()
    form.organisation.choices = [(0, "Choose an organisation")] + [
        (o.id, o.name) for o in services.list_organisation_choices()
    ]
    if request.method == "GET" and request.args.get("q"):
        first, _, last = request.args["q"].strip().partition(" ")
        if "@" in first:
            form.email.data = first
        else:
            form.first_name.data, form.last_name.data = first, last
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
        if organisation is None:
            field_error(form, "organisation", "Select their organisation")
        else:
            try:
                result = walk_ins.add_new_walk_in(
                    training_session=training_session,
                    first_name=form.first_name.data,
                    last_name=form.last_name.data,
                    email=form.email.data,
                    organisation=organisation,
                    actor=_actor(),
                )
            except TrackerError as error:
                db.session.rollback()
                field_error(form, error.field, error.message)
            else:
                flash(f"{result.booking.person.full_name} added as a walk-in and marked attended", "success")
                return redirect(_register_url(training_session, f"booking-{result.booking.id}"))
    return render_template("attendance/new_walk_in.html", training_session=training_session, form=form)


# --- Sign-off and reopening ------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/register/sign-off", methods=["GET", "POST"])
def sign_off(session_id: int) -> ResponseReturnValue:
    """Confirm and sign off the register: it locks, and attendance becomes training records."""
    training_session = db.get_or_404(TrainingSession, session_id)
    require(services.can_mark_register(_actor(), training_session))
    error = None
    if request.method == "POST":
        try:
            records = sign_off_register(training_session=training_session, actor=_actor())
        except TrackerError as problem:
            db.session.rollback()
            error = problem
        else:
            flash(
                f"Register signed off: {len(records)} training {'record' if len(records) == 1 else 'records'} made",
                "success",
            )
            return redirect(_register_url(training_session))
    lines = services.list_register_lines(training_session)
    return render_template(
        "attendance/sign_off.html",
        training_session=training_session,
        summary=services.summarise_register(lines, training_session.course),
        unmarked=[line for line in lines if line.outcome is None],
        sign_off_problem=services.sign_off_problem(training_session),
        valid_until=last_valid_day(
            services.expiry_for(training_session.course, services.session_london_date(training_session))
        ),
        completed_on=services.session_london_date(training_session),
        sign_off_error=error.message if error else None,
    ), (error.status if error else 200)


@bp.route("/sessions/<int:session_id>/register/reopen", methods=["GET", "POST"])
def reopen(session_id: int) -> ResponseReturnValue:
    """Reopen a signed-off register (coordinator, with a reason): its training records are withdrawn."""
    training_session = db.get_or_404(TrainingSession, session_id)
    require(services.can_reopen_register(_actor()))
    form = ReasonForm()
    form.reason.label.text = "Why does the register need to change?"
    form.submit.label.text = "Reopen the register"
    if form.validate_on_submit():
        try:
            withdrawn = reopen_register(training_session=training_session, actor=_actor(), reason=form.reason.data)
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field if error.field == "reason" else None, error.message)
        else:
            flash(
                f"Register reopened: {withdrawn} training {'record' if withdrawn == 1 else 'records'} withdrawn "
                "until it is signed off again",
                "success",
            )
            return redirect(_register_url(training_session))
    return render_template("attendance/reopen.html", training_session=training_session, form=form)


@bp.route("/sessions/<int:session_id>/sign-in-sheet")
def sign_in_sheet(session_id: int) -> ResponseReturnValue:
    """A printable sign-in sheet: names, organisations and a column for signatures."""
    training_session = db.get_or_404(TrainingSession, session_id)
    require(services.can_view_register(_actor(), training_session))
    return render_template(
        "attendance/sign_in_sheet.html",
        training_session=training_session,
        lines=services.list_register_lines(training_session),
        blank_rows=BLANK_SIGN_IN_ROWS,
    )


# --- Training records: import, evidence, a person's records --------------------------------------------


@bp.route("/imports/training-records", methods=["GET", "POST"])
def import_training_records() -> ResponseReturnValue:
    """Upload historic training records (CSV); all or nothing, with a check-only option."""
    form = ImportTrainingRecordsForm()
    problems: list[imports.ImportProblem] = []
    checked = None
    if form.validate_on_submit():
        try:
            summary = imports.import_training_records(
                content=form.file.data.read(), actor=_actor(), dry_run=bool(form.check_only.data)
            )
        except imports.TrainingImportError as error:
            db.session.rollback()
            problems = error.problems
            field_error(form, "file", error.message)
        else:
            if summary.dry_run:
                db.session.rollback()
                checked = summary
            else:
                flash(
                    f"Imported {summary.created} training records from {summary.rows} rows"
                    f"; {summary.skipped} already held were skipped",
                    "success",
                )
                return redirect(url_for("attendance.import_training_records"))
    return render_template(
        "attendance/import.html", form=form, problems=problems, checked=checked, columns=imports.COLUMNS
    )


@bp.route("/people/<int:person_id>/training-records")
def person_records(person_id: int) -> ResponseReturnValue:
    """Every training record a person holds, with source, completion and expiry."""
    person = db.get_or_404(Person, person_id)
    require(services.can_manage_records(_actor()))
    return render_template(
        "attendance/person_records.html", person=person, records=training_records.list_person_records(person)
    )


@bp.route("/people/<int:person_id>/evidence/new", methods=["GET", "POST"])
def add_evidence(person_id: int) -> ResponseReturnValue:
    """Record equivalent evidence for a person (e.g. a Home Office Prevent e-learning certificate)."""
    person = db.get_or_404(Person, person_id)
    require(services.can_manage_records(_actor()))
    form = EvidenceForm()
    form.course.choices = [(0, "Choose a course")] + [(c.id, c.name) for c in training_records.list_evidence_courses()]
    if form.validate_on_submit():
        course = db.session.get(Course, form.course.data) if form.course.data else None
        if course is None:
            field_error(form, "course", "Select the course completed")
        else:
            try:
                training_records.add_equivalent_evidence(
                    person=person,
                    course=course,
                    completed_on=form.completed_on.data,
                    evidence=form.evidence.data,
                    actor=_actor(),
                )
            except TrackerError as error:
                db.session.rollback()
                field_error(form, error.field, error.message)
            else:
                flash(f"Training record added for {person.full_name}", "success")
                return redirect(url_for("attendance.person_records", person_id=person.id))
    return render_template("attendance/evidence.html", person=person, form=form)


@bp.route("/training-records/<int:record_id>/remove", methods=["GET", "POST"])
def remove_record(record_id: int) -> ResponseReturnValue:
    """Remove a wrongly entered training record, with a reason (audited)."""
    record = db.get_or_404(TrainingRecord, record_id)
    require(services.can_manage_records(_actor()))
    form = ReasonForm()
    form.reason.label.text = "Why is this record wrong?"
    form.submit.label.text = "Remove the record"
    person = record.person
    if form.validate_on_submit():
        try:
            training_records.remove_training_record(record=record, actor=_actor(), reason=form.reason.data)
        except TrackerError as error:
            db.session.rollback()
            field_error(form, "reason", error.message)
        else:
            flash("Training record removed", "success")
            return redirect(url_for("attendance.person_records", person_id=person.id))
    return render_template("attendance/remove_record.html", record=record, person=person, form=form)

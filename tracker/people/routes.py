"""Organisations, departments, people and the roster import: the coordinator's pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.common.errors import TrackerError
from tracker.common.forms import field_error, id_arg
from tracker.common.paging import paginate
from tracker.common.time import today_london
from tracker.extensions import db
from tracker.people import organisations, roster, roster_lines, services
from tracker.people.forms import (
    AddManagerForm,
    DepartmentForm,
    LeaverForm,
    MovePersonForm,
    OrganisationForm,
    PersonForm,
    RenameDepartmentForm,
    RosterImportForm,
    select_choices,
)
from tracker.people.models import Department, Organisation, OrganisationKind, Person

bp = Blueprint("people", __name__)


def _actor():
    return current_user._get_current_object()


def _int_arg(name: str) -> int | None:
    return id_arg(name)


# --- Organisations -------------------------------------------------------------------------------------


@bp.route("/organisations")
def list_organisations() -> ResponseReturnValue:
    """Every organisation, with its kind and how many people work there today."""
    page = paginate(organisations.organisations_query(), per_page=100)
    return render_template(
        "people/organisations.html",
        page=page,
        pager=page.pagination(),
        people=organisations.count_people_by_organisation(),
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation() -> ResponseReturnValue:
    """Add an organisation."""
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = organisations.create_organisation(
                name=form.name.data, kind=OrganisationKind(form.kind.data), actor=_actor()
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            flash(f"{organisation.name} added", "success")
            return redirect(url_for("people.organisation", organisation_id=organisation.id))
    return render_template("people/organisation_form.html", form=form, organisation=None)


@bp.route("/organisations/<int:organisation_id>")
def organisation(organisation_id: int) -> ResponseReturnValue:
    """An organisation and its departments and teams."""
    organisation = db.get_or_404(Organisation, organisation_id)
    return render_template(
        "people/organisation.html",
        organisation=organisation,
        tree=organisations.department_tree(organisation),
        people=organisations.count_people_by_organisation().get(organisation.id, 0),
    )


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
def edit_organisation(organisation_id: int) -> ResponseReturnValue:
    """Rename an organisation or change its kind."""
    organisation = db.get_or_404(Organisation, organisation_id)
    form = OrganisationForm(obj=organisation) if request.method == "GET" else OrganisationForm()
    if form.validate_on_submit():
        try:
            organisations.update_organisation(
                organisation=organisation, name=form.name.data, kind=OrganisationKind(form.kind.data), actor=_actor()
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            flash("Organisation saved", "success")
            return redirect(url_for("people.organisation", organisation_id=organisation.id))
    return render_template("people/organisation_form.html", form=form, organisation=organisation)


@bp.route("/organisations/<int:organisation_id>/reviewed", methods=["POST"])
def mark_reviewed(organisation_id: int) -> ResponseReturnValue:
    """Confirm an organisation added by someone without an account is genuine."""
    organisation = db.get_or_404(Organisation, organisation_id)
    organisations.mark_organisation_reviewed(organisation=organisation, actor=_actor())
    flash(f"{organisation.name} marked as checked", "success")
    return redirect(url_for("people.organisation", organisation_id=organisation.id))


@bp.route("/organisations/<int:organisation_id>/departments/new", methods=["GET", "POST"])
def new_department(organisation_id: int) -> ResponseReturnValue:
    """Add a department, or a team inside one."""
    organisation = db.get_or_404(Organisation, organisation_id)
    form = DepartmentForm()
    form.parent.choices = select_choices(
        [("", "None: a top-level department"), *organisations.department_choices(organisation.id)]
    )
    if request.method == "GET" and _int_arg("parent_id"):
        form.parent.data = _int_arg("parent_id")
    if form.validate_on_submit():
        parent = db.session.get(Department, form.parent.data) if form.parent.data else None
        try:
            department = organisations.create_department(
                organisation=organisation, name=form.name.data, parent=parent, actor=_actor()
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            flash(f"{department.path} added", "success")
            return redirect(url_for("people.organisation", organisation_id=organisation.id))
    return render_template("people/department_form.html", form=form, organisation=organisation)


# --- Departments ---------------------------------------------------------------------------------------


def _render_department(department: Department, manager_form: AddManagerForm) -> str:
    page = paginate(organisations.department_people_query(department), scalars=False)
    return render_template(
        "people/department.html",
        department=department,
        page=page,
        pager=page.pagination(),
        managers=organisations.list_department_managers(department),
        form=manager_form,
        today=today_london(),
    )


@bp.route("/departments/<int:department_id>")
def department(department_id: int) -> ResponseReturnValue:
    """A department: who is placed there today (and in its teams), and its managers."""
    department = db.get_or_404(Department, department_id)
    return _render_department(department, AddManagerForm())


@bp.route("/departments/<int:department_id>/rename", methods=["GET", "POST"])
def rename_department(department_id: int) -> ResponseReturnValue:
    """Rename a department; its teams' paths follow."""
    department = db.get_or_404(Department, department_id)
    form = RenameDepartmentForm(data={"name": department.name}) if request.method == "GET" else RenameDepartmentForm()
    if form.validate_on_submit():
        try:
            organisations.rename_department(department=department, name=form.name.data, actor=_actor())
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            flash(f"Renamed to {department.path}", "success")
            return redirect(url_for("people.department", department_id=department.id))
    return render_template("people/department_rename.html", form=form, department=department)


@bp.route("/departments/<int:department_id>/managers", methods=["POST"])
def add_manager(department_id: int) -> ResponseReturnValue:
    """Make someone a manager of the department."""
    department = db.get_or_404(Department, department_id)
    form = AddManagerForm()
    if form.validate_on_submit():
        person = services.find_person_by_ref_or_email(
            organisation_id=department.organisation_id, value=form.person.data
        )
        try:
            if person is None:
                raise services.PeopleError(
                    f"There is nobody with that email address or HR reference at {department.organisation.name}",
                    field="person",
                )
            organisations.add_department_manager(department=department, person=person, actor=_actor())
        except TrackerError as error:
            db.session.rollback()
            field_error(form, "person", error.message)
        else:
            flash(f"{person.full_name} now manages {department.path}", "success")
            return redirect(url_for("people.department", department_id=department.id))
    return _render_department(department, form)


@bp.route("/departments/<int:department_id>/managers/<int:person_id>/remove", methods=["POST"])
def remove_manager(department_id: int, person_id: int) -> ResponseReturnValue:
    """Stop someone managing the department."""
    department = db.get_or_404(Department, department_id)
    person = db.get_or_404(Person, person_id)
    organisations.remove_department_manager(department=department, person=person, actor=_actor())
    flash(f"{person.full_name} no longer manages {department.path}", "success")
    return redirect(url_for("people.department", department_id=department.id))


# --- People --------------------------------------------------------------------------------------------


@bp.route("/people")
def list_people() -> ResponseReturnValue:
    """Find people by name, email or HR reference; filter by organisation and department."""
    search = (request.args.get("q") or "").strip()[:200]
    organisation_id = _int_arg("organisation_id")
    department_id = _int_arg("department_id")
    statement = services.with_organisation(
        services.people_query(search=search, organisation_id=organisation_id, department_id=department_id)
    )
    page = paginate(statement)
    return render_template(
        "people/people.html",
        page=page,
        pager=page.pagination(),
        departments=services.current_departments(p.id for p in page.items),
        search=search,
        organisation_id=organisation_id,
        department_id=department_id,
        organisations=organisations.organisation_choices(),
        department_choices=organisations.department_choices(organisation_id) if organisation_id else [],
        today=today_london(),
    )


def _line_manager(form: PersonForm, organisation_id: int) -> Person | None:
    value = (form.line_manager.data or "").strip()
    if not value:
        return None
    manager = services.find_person_by_ref_or_email(organisation_id=organisation_id, value=value)
    if manager is None:
        raise services.PeopleError("There is nobody with that email address or HR reference", field="line_manager")
    return manager


@bp.route("/people/new", methods=["GET", "POST"])
def new_person() -> ResponseReturnValue:
    """Add a person to an organisation (chosen first, so their department can be chosen from its list)."""
    organisation_id = _int_arg("organisation_id")
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None:
        return render_template("people/choose_organisation.html", organisations=organisations.organisation_choices())
    form = PersonForm()
    form.department.choices = select_choices(
        [("", "No department yet"), *organisations.department_choices(organisation.id)]
    )
    if form.validate_on_submit():
        department = db.session.get(Department, form.department.data) if form.department.data else None
        try:
            person = services.create_person(
                organisation=organisation,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                email=form.email.data,
                employee_ref=form.employee_ref.data,
                job_title=form.job_title.data,
                line_manager=_line_manager(form, organisation.id),
                start_date=form.start_date.data,
                department=department,
                actor=_actor(),
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            flash(f"{person.full_name} added", "success")
            return redirect(url_for("people.person", person_id=person.id))
    return render_template("people/person_form.html", form=form, organisation=organisation, person=None)


@bp.route("/people/<int:person_id>")
def person(person_id: int) -> ResponseReturnValue:
    """A person: details, where they have worked and when, and their account."""
    person = db.get_or_404(Person, person_id)
    return render_template(
        "people/person.html",
        person=person,
        history=services.placement_history(person),
        current=services.current_department(person),
        account=person.account,
        today=today_london(),
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
def edit_person(person_id: int) -> ResponseReturnValue:
    """Change a person's details."""
    person = db.get_or_404(Person, person_id)
    if request.method == "GET":
        manager = person.line_manager
        form = PersonForm(
            data={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "employee_ref": person.employee_ref,
                "job_title": person.job_title,
                "line_manager": (manager.employee_ref or manager.email or "") if manager else "",
                "start_date": person.start_date,
            }
        )
    else:
        form = PersonForm()
    del form.department
    if form.validate_on_submit():
        try:
            services.update_person(
                person=person,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                email=form.email.data,
                employee_ref=form.employee_ref.data,
                job_title=form.job_title.data,
                line_manager=_line_manager(form, person.organisation_id),
                start_date=form.start_date.data,
                actor=_actor(),
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            flash("Details saved", "success")
            return redirect(url_for("people.person", person_id=person.id))
    return render_template("people/person_form.html", form=form, organisation=person.organisation, person=person)


@bp.route("/people/<int:person_id>/move", methods=["GET", "POST"])
def move_person(person_id: int) -> ResponseReturnValue:
    """Move a person to another department from a date."""
    person = db.get_or_404(Person, person_id)
    form = MovePersonForm(data={"from_date": today_london()}) if request.method == "GET" else MovePersonForm()
    form.department.choices = select_choices(
        [("", "Choose a department"), *organisations.department_choices(person.organisation_id)]
    )
    if form.validate_on_submit():
        department = db.session.get(Department, form.department.data)
        try:
            if department is None:
                raise services.PeopleError("Choose a department", field="department")
            services.move_person(person=person, department=department, from_date=form.from_date.data, actor=_actor())
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            flash(f"{person.full_name} moves to {department.path} from {form.from_date.data:%Y-%m-%d}", "success")
            return redirect(url_for("people.person", person_id=person.id))
    return render_template("people/move.html", form=form, person=person, current=services.current_department(person))


@bp.route("/people/<int:person_id>/leaver", methods=["GET", "POST"])
def mark_leaver(person_id: int) -> ResponseReturnValue:
    """Record (or change) the day a person leaves."""
    person = db.get_or_404(Person, person_id)
    form = LeaverForm(data={"end_date": person.end_date}) if request.method == "GET" else LeaverForm()
    if form.validate_on_submit():
        try:
            services.set_leave_date(person=person, end_date=form.end_date.data, actor=_actor())
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            flash(f"{person.full_name} leaves on {form.end_date.data:%Y-%m-%d}", "success")
            return redirect(url_for("people.person", person_id=person.id))
    return render_template("people/leaver.html", form=form, person=person)


@bp.route("/people/<int:person_id>/leaver/cancel", methods=["POST"])
def cancel_leaving(person_id: int) -> ResponseReturnValue:
    """Clear a leave date recorded by mistake: they are back in their last department."""
    person = db.get_or_404(Person, person_id)
    services.set_leave_date(person=person, end_date=None, actor=_actor())
    flash(f"{person.full_name} is no longer recorded as leaving", "success")
    return redirect(url_for("people.person", person_id=person.id))


# --- Roster import -------------------------------------------------------------------------------------


@bp.route("/imports/roster", methods=["GET", "POST"])
def roster_import() -> ResponseReturnValue:
    """Upload a roster CSV: check it, and import all of it or nothing."""
    form = RosterImportForm()
    problems: list[roster_lines.LineProblem] = []
    checked: roster_lines.RosterSummary | None = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            summary = roster.import_roster_file(
                upload.read(),
                effective=form.effective.data,
                dry_run=form.dry_run.data,
                actor=_actor(),
                filename=upload.filename,
            )
        except roster_lines.RosterRefusedError as error:
            db.session.rollback()
            problems = error.problems
            field_error(form, "file", error.message)
        except TrackerError as error:
            db.session.rollback()
            field_error(form, "file", error.message)
        else:
            if form.dry_run.data:
                db.session.rollback()
                checked = summary
            else:
                flash("Roster imported", "success")
                return redirect(url_for("people.roster_import", result=summary.event_id))
    result = None
    if request.method == "GET" and _int_arg("result"):
        result = roster.get_import_summary(_int_arg("result"))  # type: ignore[arg-type]
        if result is None:
            abort(404)
    return render_template(
        "people/roster_import.html",
        form=form,
        problems=problems,
        checked=checked,
        result=result,
        header=",".join(roster_lines.HEADER),
    )

"""Forms for organisations, departments, people and the roster import (shape checks only; rules are in services)."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from tracker.common.form_base import TrackerForm
from tracker.common.forms import Chosen, GovukDateField, optional_int, select_choices
from tracker.people.models import ORGANISATION_KIND_LABELS
from tracker.people.services import email_problem, normalise_email


def _check_email(_form, field) -> None:
    problem = email_problem(normalise_email(field.data))
    if problem:
        raise ValidationError(problem)


class OrganisationForm(TrackerForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the organisation's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    kind = RadioField(
        "Kind of organisation",
        widget=GovRadioInput(),
        choices=select_choices((kind.value, label) for kind, label in ORGANISATION_KIND_LABELS.items()),
        validators=[DataRequired("Select the kind of organisation")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class DepartmentForm(TrackerForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        description='For example "Fostering". Do not use a slash (/).',
        validators=[
            DataRequired("Enter the department's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    parent = SelectField(
        "Inside",
        widget=GovSelect(),
        coerce=optional_int,
        description="Leave as a top-level department, or choose the department this team is part of.",
    )
    submit = SubmitField("Add department", widget=GovSubmitInput())


class RenameDepartmentForm(TrackerForm):
    name = StringField(
        "New name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the department's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    submit = SubmitField("Rename", widget=GovSubmitInput())


class AddManagerForm(TrackerForm):
    person = StringField(
        "Email address or HR reference of the manager",
        widget=GovTextInput(),
        description="They will see and be able to book everyone placed in this department and the teams inside it.",
        validators=[DataRequired("Enter the manager's email address or HR reference"), Length(max=254)],
    )
    submit = SubmitField("Add manager", widget=GovSubmitInput())


class PersonForm(TrackerForm):
    first_name = StringField(
        "First name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter a first name"),
            Length(max=100, message="First name must be 100 characters or fewer"),
        ],
    )
    last_name = StringField(
        "Last name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter a last name"),
            Length(max=100, message="Last name must be 100 characters or fewer"),
        ],
    )
    email = StringField("Email address (optional)", widget=GovTextInput(), validators=[Optional(), _check_email])
    employee_ref = StringField(
        "HR reference (optional)",
        widget=GovTextInput(),
        description="The employee number in the organisation's HR system; rosters match people by it.",
        validators=[Optional(), Length(max=64, message="HR reference must be 64 characters or fewer")],
    )
    job_title = StringField(
        "Job title (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message="Job title must be 200 characters or fewer")],
    )
    line_manager = StringField(
        "Line manager (optional)",
        widget=GovTextInput(),
        description="Their email address or HR reference.",
        validators=[Optional(), Length(max=254)],
    )
    start_date = GovukDateField("Start date (optional)", description="For example, 2 9 2024")
    department = SelectField("Department", widget=GovSelect(), coerce=optional_int)
    submit = SubmitField("Save", widget=GovSubmitInput())


class MovePersonForm(TrackerForm):
    department = SelectField(
        "New department", widget=GovSelect(), coerce=optional_int, validators=[Chosen("Choose a department")]
    )
    from_date = GovukDateField(
        "First day in the new department",
        description="Reports as of the day before count them in their old department.",
        required_message="Enter the first day in the new department",
    )
    submit = SubmitField("Move", widget=GovSubmitInput())


class LeaverForm(TrackerForm):
    end_date = GovukDateField(
        "Leave date",
        description="Their first day no longer working there. From this day they count in no department.",
        required_message="Enter the leave date",
    )
    submit = SubmitField("Save leave date", widget=GovSubmitInput())


class RosterImportForm(TrackerForm):
    file = FileField(
        "Roster file (CSV)", widget=GovFileInput(), validators=[FileRequired("Choose a CSV file to import")]
    )
    effective = GovukDateField(
        "Department changes take effect from (optional)",
        description="Leave blank for today. People moving department are counted in the new one from this day.",
    )
    dry_run = BooleanField("Check only, do not import", widget=GovCheckboxInput())
    submit = SubmitField("Upload", widget=GovSubmitInput())

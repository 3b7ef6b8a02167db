"""Forms for registers, walk-ins, sign-off, reopening, evidence, record removal and the records import."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from tracker.attendance.models import AttendanceOutcome
from tracker.attendance.services import EVIDENCE_MAX_LENGTH
from tracker.common.form_base import TrackerForm
from tracker.common.forms import GovukDateField

OUTCOMES = [outcome.value for outcome in AttendanceOutcome]
#: Larger numbers cannot be ids (and would overflow the database's integer).
VALID_ID = NumberRange(min=1, max=2_147_483_647, message="Choose a person")


class MarkAttendanceForm(TrackerForm):
    """One row's form on the register: the booking, and the outcome from the button pressed."""

    booking_id = IntegerField(widget=HiddenInput(), validators=[InputRequired("Choose a person to mark"), VALID_ID])
    outcome = HiddenField(validators=[InputRequired("Choose an outcome"), AnyOf(OUTCOMES, "Choose an outcome")])


class SearchPeopleForm(TrackerForm):
    """Find a person to add as a walk-in (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    q = StringField(
        "Name or email address",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=100, message="Search must be 100 characters or fewer")],
    )


class AddWalkInForm(TrackerForm):
    person_id = IntegerField(widget=HiddenInput(), validators=[InputRequired("Choose a person"), VALID_ID])


class NewWalkInForm(TrackerForm):
    first_name = StringField(
        "First name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter their first name"),
            Length(max=100, message="First name must be 100 characters or fewer"),
        ],
    )
    last_name = StringField(
        "Last name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter their last name"),
            Length(max=100, message="Last name must be 100 characters or fewer"),
        ],
    )
    email = EmailField(
        "Email address (optional)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(
                "Enter an email address in the correct format, like name@organisation.example",
                check_deliverability=False,
            ),
        ],
    )
    organisation = SelectField(
        "Organisation",
        widget=GovSelect(),
        coerce=int,
        validate_choice=True,
        validators=[
            InputRequired("Select their organisation"),
            NumberRange(min=1, message="Select their organisation"),
        ],
    )
    submit = SubmitField("Add and mark attended", widget=GovSubmitInput())


class ReasonForm(TrackerForm):
    """A reason, required: reopening a register, removing a record."""

    reason = StringField(
        "Reason",
        widget=GovTextArea(),
        validators=[
            DataRequired("Enter the reason"),
            Length(max=1000, message="Reason must be 1000 characters or fewer"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class EvidenceForm(TrackerForm):
    course = SelectField(
        "Course completed",
        widget=GovSelect(),
        coerce=int,
        validate_choice=True,
        validators=[
            InputRequired("Select the course completed"),
            NumberRange(min=1, message="Select the course completed"),
        ],
    )
    completed_on = GovukDateField("Date completed", required_message="Enter the date the course was completed")
    evidence = StringField(
        "Evidence seen",
        widget=GovCharacterCount(),
        validators=[
            DataRequired('Describe the evidence, for example "Certificate seen by Sam Rosengard"'),
            Length(max=EVIDENCE_MAX_LENGTH, message=f"Evidence must be {EVIDENCE_MAX_LENGTH} characters or fewer"),
        ],
    )
    submit = SubmitField("Add training record", widget=GovSubmitInput())


class ImportTrainingRecordsForm(TrackerForm):
    file = FileField("Upload a CSV file", widget=GovFileInput(), validators=[FileRequired("Select a CSV file")])
    check_only = BooleanField("Check the file only: do not import anything", widget=GovCheckboxInput())
    submit = SubmitField("Upload", widget=GovSubmitInput())

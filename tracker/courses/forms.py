"""Forms for courses, equivalents and requirements (shape checks only; rules are in services)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tracker.common.form_base import TrackerForm
from tracker.common.forms import Chosen, GovukDateField, WholeNumberField, optional_int


class CourseForm(TrackerForm):
    code = StringField(
        "Code",
        widget=GovTextInput(),
        description="Short and stable: used in CSV files and the API, like WRAP or PREVENT-BASIC.",
        validators=[DataRequired("Enter a course code"), Length(max=40, message="Code must be 40 characters or fewer")],
    )
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the course name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    description = TextAreaField(
        "Description (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=5000)]
    )
    duration_minutes = WholeNumberField("Duration in minutes", required_message="Enter the duration in minutes")
    validity_months = WholeNumberField(
        "Valid for (months)", description="How long a completion counts. Leave blank if it never expires."
    )
    counts_for_compliance = BooleanField("Counts towards compliance", widget=GovCheckboxInput())
    target_percent = WholeNumberField("Target (percent trained)", required_message="Enter the target percent")
    partial_counts = BooleanField("Partial attendance earns a completion", widget=GovCheckboxInput())
    required_observations = WholeNumberField(
        "Sessions a trainee trainer must observe", required_message="Enter the number of sessions to observe"
    )
    required_co_deliveries = WholeNumberField(
        "Sessions a trainee trainer must co-deliver", required_message="Enter the number of sessions to co-deliver"
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class EquivalentForm(TrackerForm):
    equivalent = SelectField(
        "Course that also counts",
        widget=GovSelect(),
        coerce=optional_int,
        validators=[Chosen("Choose a course")],
    )
    submit = SubmitField("Add equivalent", widget=GovSubmitInput())


class RequirementForm(TrackerForm):
    course = SelectField("Course", widget=GovSelect(), coerce=optional_int, validators=[Chosen("Choose a course")])
    department_id = SelectField(
        "Department",
        widget=GovSelect(),
        coerce=optional_int,
        description="The requirement covers the department chosen and every team inside it.",
    )
    job_titles = TextAreaField(
        "Job titles (optional)",
        widget=GovTextArea(),
        description="One a line, matched ignoring capitals. Leave blank for every job title.",
        validators=[Optional(), Length(max=10_000)],
    )
    from_date = GovukDateField("Required from", required_message="Enter the date the requirement starts")
    submit = SubmitField("Add requirement", widget=GovSubmitInput())

"""Forms for finding sessions and booking places (for yourself, your team, your organisation, anyone)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import EmailField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from tracker.common.form_base import TrackerForm
from tracker.common.forms import MonthField, id_value, optional_int


class FindSessionForm(TrackerForm):
    """Filters on "Find a session" (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    course = SelectField("Course", coerce=optional_int, widget=GovSelect(), validate_choice=False)
    month = MonthField("Month", description="For example, January 2027")
    # Drawn by macros/fields.html with its "Show sessions" button (the list is the busiest page).


class BookTeamForm(TrackerForm):
    people = SelectMultipleField(
        "Team members to book",
        coerce=id_value,
        widget=GovCheckboxesInput(),
        validate_choice=False,
        validators=[InputRequired("Select at least one person to book")],
    )
    submit = SubmitField("Book places", widget=GovSubmitInput())


class FindPersonForm(TrackerForm):
    """The coordinator's search for someone to book (a GET form)."""

    class Meta:
        csrf = False

    q = StringField(
        "Name or email address",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a name or email address"), Length(min=2, max=100)],
    )
    submit = SubmitField("Search", widget=GovSubmitInput())


class PartnerAttendeeForm(TrackerForm):
    session_id = SelectField(
        "Session", coerce=optional_int, widget=GovSelect(), validators=[InputRequired("Select a session")]
    )
    first_name = StringField(
        "First name",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the attendee's first name"), Length(max=100)],
    )
    last_name = StringField(
        "Last name",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the attendee's last name"), Length(max=100)],
    )
    email = EmailField(
        "Email address",
        description="We send their joining details and calendar invitation here",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the attendee's email address"), Length(max=254)],
    )
    submit = SubmitField("Book a place", widget=GovSubmitInput())

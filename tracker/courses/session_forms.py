"""Forms for creating and changing training sessions: one session, a monthly series, cancelling, filters."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from tracker.common.form_base import TrackerForm
from tracker.common.forms import (
    ClockTimeField,
    GovukDateField,
    MonthField,
    WholeNumberField,
    check_london_times,
    id_value,
    optional_int,
)


def choices(pairs) -> list[SelectChoice]:
    """Options for a select, radios or checkboxes from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


AUDIENCE_CHOICES = choices(
    [("open", "Anyone can book"), ("restricted", "Only staff of the organisations chosen below")]
)


class _SessionFields(TrackerForm):
    """What a single session and a series have in common."""

    course = SelectField(
        "Course", coerce=optional_int, widget=GovSelect(), validators=[InputRequired("Select a course")]
    )
    title = StringField(
        "Title (optional)",
        description="Shown instead of the course name, for example ‘WRAP for Barnet Homes frontline staff’",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message="The title must be 200 characters or fewer")],
    )
    start_time = ClockTimeField(
        "Start time", description="24-hour clock, UK time, for example 10:00", required_message="Enter a start time"
    )
    end_time = ClockTimeField(
        "End time", description="24-hour clock, UK time, for example 11:30", required_message="Enter an end time"
    )
    venue = StringField(
        "Venue",
        description="Building, address and room. Leave empty for an online session.",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=300, message="The venue must be 300 characters or fewer")],
    )
    online_url = StringField(
        "Online link",
        description="The meeting link, starting https://. Leave empty for an in-person session.",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=500, message="The online link must be 500 characters or fewer")],
    )
    capacity = WholeNumberField("Places", description="How many people can attend", required_message="Enter a capacity")
    audience = RadioField("Who can book", choices=AUDIENCE_CHOICES, default="open", widget=GovRadioInput())
    organisations = SelectMultipleField(
        "Organisations whose staff can book", coerce=id_value, widget=GovCheckboxesInput(), validate_choice=False
    )
    lead = SelectField("Lead trainer", coerce=optional_int, widget=GovSelect())
    co_trainers = SelectMultipleField(
        "Co-trainers", coerce=id_value, widget=GovCheckboxesInput(), validate_choice=False
    )
    observers = SelectMultipleField("Observers", coerce=id_value, widget=GovCheckboxesInput(), validate_choice=False)

    #: Field order on the page, which the error summary follows (subclasses add fields after the base's).
    FIELD_ORDER: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.FIELD_ORDER:
            ordered = {name: self._fields[name] for name in self.FIELD_ORDER if name in self._fields}
            self._fields = {**ordered, **{k: v for k, v in self._fields.items() if k not in ordered}}

    def set_choices(self, *, courses, organisations, trainers, can_choose_lead: bool) -> None:
        self.course.choices = [("", "Choose a course")] + [(c.id, f"{c.name} ({c.code})") for c in courses]
        self.organisations.choices = [(o.id, o.name) for o in organisations]
        people = [(p.id, f"{p.full_name}{f' – {p.job_title}' if p.job_title else ''}") for p in trainers]
        self.co_trainers.choices = people
        self.observers.choices = people
        if can_choose_lead:
            self.lead.choices = [("", "No lead yet (the session stays a draft)"), *people]
        else:
            del self.lead


class _OneSessionFields(_SessionFields):
    FIELD_ORDER = (
        "csrf_token",
        "course",
        "title",
        "session_date",
        "start_time",
        "end_time",
        "venue",
        "online_url",
        "capacity",
        "booking_opens_on",
        "booking_opens_time",
        "booking_closes_on",
        "booking_closes_time",
    )

    session_date = GovukDateField("Date", description="For example, 12 1 2027", required_message="Enter the date")
    booking_opens_on = GovukDateField("Booking opens (optional)", description="Leave empty to open booking at once")
    booking_opens_time = ClockTimeField("Booking opens at (optional)", description="Midnight if left empty")
    booking_closes_on = GovukDateField(
        "Booking closes (optional)", description="Leave empty to take bookings until the session starts"
    )
    booking_closes_time = ClockTimeField(
        "Booking closes at (optional)", description="The end of that day (or the start of the session) if left empty"
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        pairs = [
            (self.session_date, self.start_time),
            (self.session_date, self.end_time),
            (self.booking_opens_on, self.booking_opens_time),
            (self.booking_closes_on, self.booking_closes_time),
        ]
        return check_london_times(pairs) and valid

    def validate_booking_opens_time(self, field):
        if field.data is not None and self.booking_opens_on.data is None:
            raise ValidationError("Enter the date booking opens, or leave the time empty")

    def validate_booking_closes_time(self, field):
        if field.data is not None and self.booking_closes_on.data is None:
            raise ValidationError("Enter the date booking closes, or leave the time empty")


class CreateSessionForm(_OneSessionFields):
    save_draft = SubmitField("Save as draft", widget=GovSubmitInput())
    publish = SubmitField("Publish", widget=GovSubmitInput())


class EditSessionForm(_OneSessionFields):
    save = SubmitField("Save changes", widget=GovSubmitInput())


ORDINAL_CHOICES = choices([("1", "First"), ("2", "Second"), ("3", "Third"), ("4", "Fourth"), ("-1", "Last")])
WEEKDAY_CHOICES = choices(
    (str(i), name)
    for i, name in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
)


class CreateSeriesForm(_SessionFields):
    FIELD_ORDER = (
        "csrf_token",
        "course",
        "title",
        "ordinal",
        "weekday",
        "first_month",
        "months",
        "start_time",
        "end_time",
    )

    ordinal = SelectField(
        "Week of the month", choices=ORDINAL_CHOICES, widget=GovSelect(), validators=[InputRequired("Choose a week")]
    )
    weekday = SelectField(
        "Day of the week", choices=WEEKDAY_CHOICES, widget=GovSelect(), validators=[InputRequired("Choose a day")]
    )
    first_month = MonthField(
        "First month", description="For example, January 2027", required_message="Enter the first month"
    )
    months = WholeNumberField(
        "Number of months", description="One session a month, up to 24", required_message="Enter the number of months"
    )
    save_draft = SubmitField("Create as drafts", widget=GovSubmitInput())
    publish = SubmitField("Create and publish", widget=GovSubmitInput())


class CancelSessionForm(TrackerForm):
    reason = StringField(
        "Reason for cancelling",
        description="Everyone booked is told this reason by email",
        widget=GovTextArea(),
        validators=[
            InputRequired("Enter a reason for cancelling the session"),
            Length(max=1000, message="The reason must be 1,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Cancel this session", widget=GovSubmitInput())


STATUS_CHOICES = choices(
    [("", "Any status"), ("draft", "Draft"), ("published", "Published"), ("cancelled", "Cancelled")]
)


class SessionListFilterForm(TrackerForm):
    """Filters on the coordinator's list of all sessions (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    course = SelectField("Course", coerce=optional_int, widget=GovSelect(), validate_choice=False)
    status = SelectField("Status", choices=STATUS_CHOICES, widget=GovSelect(), validate_choice=False)
    month = MonthField("Month", description="For example, January 2027")
    submit = SubmitField("Filter", widget=GovSubmitInput())

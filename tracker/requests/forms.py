"""The public training request form, and the coordinator's status form."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import EmailField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from tracker.common.form_base import TrackerForm
from tracker.common.forms import WholeNumberField
from tracker.people.models import ORGANISATION_KIND_LABELS, OrganisationKind
from tracker.requests.models import RequestStatus

PUBLIC_KINDS = [SelectChoice(kind.value, ORGANISATION_KIND_LABELS[kind]) for kind in OrganisationKind]


class TrainingRequestForm(TrackerForm):
    organisation_name = StringField(
        "Name of your organisation",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the name of your organisation"),
            Length(max=200, message="Organisation name must be 200 characters or fewer"),
        ],
    )
    organisation_kind = RadioField(
        "What kind of organisation is it?",
        choices=PUBLIC_KINDS,
        widget=GovRadioInput(),
        validators=[InputRequired("Select what kind of organisation it is")],
    )
    contact_name = StringField(
        "Your full name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter your full name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter your email address"),
            Email("Enter an email address in the correct format, like name@organisation.example"),
            Length(max=254),
        ],
    )
    phone = StringField(
        "Phone number (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=40, message="Phone number must be 40 characters or fewer")],
    )
    staff_count = WholeNumberField(
        "How many staff or volunteers would need training?",
        invalid_message="Enter how many people would need training, as a whole number",
        validators=[
            InputRequired("Enter how many people would need training, as a whole number"),
            NumberRange(min=1, max=100_000, message="Number of people must be between 1 and 100,000"),
        ],
    )
    preferred_dates = TextAreaField(
        "When would suit you? (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=1000, message="This must be 1,000 characters or fewer")],
    )
    notes = TextAreaField(
        "Anything else we should know? (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2000, message="This must be 2,000 characters or fewer")],
    )
    #: Honeypot: hidden from people (and from assistive technology); bots fill it in.
    website = StringField("Leave this empty", validators=[Optional()])
    submit = SubmitField("Send request", widget=GovSubmitInput())


class UpdateRequestForm(TrackerForm):
    status = SelectField(
        "Status",
        choices=[SelectChoice(s.value, s.value.capitalize()) for s in RequestStatus],
        widget=GovSelect(),
        validators=[DataRequired()],
    )
    note = TextAreaField("Note (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Save", widget=GovSubmitInput())

"""The form for booking without an account."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from tracker.common.form_base import TrackerForm


class PublicBookingForm(TrackerForm):
    first_name = StringField(
        "First name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter your first name"),
            Length(max=100, message="First name must be 100 characters or fewer"),
        ],
    )
    last_name = StringField(
        "Last name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter your last name"),
            Length(max=100, message="Last name must be 100 characters or fewer"),
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
    organisation_id = SelectField("Your organisation", coerce=int, widget=GovSelect(), validators=[Optional()])
    new_organisation_name = StringField(
        "If your organisation is not listed, its name",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message="Organisation name must be 200 characters or fewer")],
    )
    #: Honeypot: hidden from people; bots fill it in.
    website = StringField("Leave this empty", validators=[Optional()])
    submit = SubmitField("Book a place", widget=GovSubmitInput())

"""Check-in forms (shape checks only; the rules are in services)."""

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from tracker.common.form_base import TrackerForm


class EnterShownCodeForm(TrackerForm):
    """The code on the trainer's screen, typed in (for a phone that cannot scan)."""

    code = StringField(
        "Code on the screen",
        widget=GovTextInput(),
        description="6 letters and numbers, for example KQ7M2X.",
        validators=[DataRequired("Enter the code shown on the screen"), Length(max=20, message="Enter 6 characters")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class CheckInForm(TrackerForm):
    """The "Check in" button of someone signed in (a form for its CSRF token)."""

    submit = SubmitField("Check in", widget=GovSubmitInput())


class AskForEmailCodeForm(TrackerForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        description="The address you were booked with.",
        validators=[DataRequired("Enter your email address"), Length(max=254, message="Enter a real email address")],
    )
    submit = SubmitField("Send me a code", widget=GovSubmitInput())

    def validate_email(self, field) -> None:
        value = (field.data or "").strip()
        if "@" not in value or value.startswith("@") or value.endswith("@") or any(c.isspace() for c in value):
            raise ValidationError("Enter an email address in the correct format, like name@example.com")


class EnterEmailCodeForm(TrackerForm):
    code = StringField(
        "Code from the email",
        widget=GovTextInput(),
        description="6 digits, for example 042817.",
        validators=[DataRequired("Enter the code from the email"), Length(max=20, message="Enter 6 digits")],
    )
    submit = SubmitField("Check in", widget=GovSubmitInput())

    def validate_code(self, field) -> None:
        digits = "".join((field.data or "").split())
        if len(digits) != 6 or not digits.isdigit():
            raise ValidationError("Enter the code as 6 digits, like 042817")

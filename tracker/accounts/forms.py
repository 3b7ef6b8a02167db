"""Sign-in, link and password forms (shape checks only; rules are in services)."""

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from tracker.common.form_base import TrackerForm


class SignInForm(TrackerForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[DataRequired("Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter your password"), Length(max=256)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class AskForLinkForm(TrackerForm):
    """'Forgotten your password?' and 'Sign in with an email link': the address to send the link to."""

    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        description="The address you use at work, or the one you booked with.",
        validators=[DataRequired("Enter your email address"), Length(max=254, message="Enter a real email address")],
    )
    submit = SubmitField("Send the link", widget=GovSubmitInput())

    def validate_email(self, field) -> None:
        value = (field.data or "").strip()
        if "@" not in value or value.startswith("@") or value.endswith("@") or any(c.isspace() for c in value):
            raise ValidationError("Enter an email address in the correct format, like name@organisation.example")


class ChoosePasswordForm(TrackerForm):
    """A new password from a reset or set-password link."""

    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="12 characters or more. Do not use a common password or your email address.",
        validators=[DataRequired("Enter a new password"), Length(max=256)],
    )
    submit = SubmitField("Save password", widget=GovSubmitInput())


class ChangePasswordForm(TrackerForm):
    """Change your own password: the current one, then the new one."""

    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter your current password"), Length(max=256)],
    )
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="12 characters or more. Do not use a common password or your email address.",
        validators=[DataRequired("Enter a new password"), Length(max=256)],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class UseLinkForm(TrackerForm):
    """The button on a sign-in link's page (a GET never uses the link: mail scanners follow links)."""

    submit = SubmitField("Sign in", widget=GovSubmitInput())

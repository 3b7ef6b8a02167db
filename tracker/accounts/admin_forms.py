"""Forms for the coordinator's user administration (shape checks only; rules are in services)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from tracker.accounts.models import Role
from tracker.common.form_base import TrackerForm
from tracker.common.forms import optional_int, select_choices
from tracker.people.services import email_problem, normalise_email

ROLE_CHOICES = [(role.value, role.label) for role in Role]


def _check_email(_form, field) -> None:
    problem = email_problem(normalise_email(field.data))
    if problem:
        raise ValidationError(problem)


class RolesField(SelectMultipleField):
    widget = GovCheckboxesInput()

    def __init__(self, label="Roles", **kwargs):
        kwargs.setdefault("choices", select_choices(ROLE_CHOICES))
        kwargs.setdefault("description", "Select all that apply.")
        super().__init__(label, **kwargs)

    def pre_validate(self, form):
        # An empty list is allowed (an account with no roles yet); unknown values are refused.
        values = {value for value, _ in ROLE_CHOICES}
        for value in self.data or []:
            if value not in values:
                raise ValidationError("Select roles from the list")


class NewUserForm(TrackerForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        description="If someone already has this email address, the account is theirs.",
        validators=[DataRequired("Enter an email address"), _check_email],
    )
    first_name = StringField(
        "First name (for someone new)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=100, message="First name must be 100 characters or fewer")],
    )
    last_name = StringField(
        "Last name (for someone new)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=100, message="Last name must be 100 characters or fewer")],
    )
    organisation = SelectField("Organisation (for someone new)", widget=GovSelect(), coerce=optional_int)
    roles = RolesField()
    submit = SubmitField("Create account and send link", widget=GovSubmitInput())


class RolesForm(TrackerForm):
    roles = RolesField()
    submit = SubmitField("Save roles", widget=GovSubmitInput())

"""The partner return form."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from tracker.common.form_base import TrackerForm
from tracker.common.forms import GovukDateField, WholeNumberField


class PartnerReturnForm(TrackerForm):
    organisation_id = SelectField("Organisation", coerce=int, widget=GovSelect())
    course_id = SelectField("Course", coerce=int, widget=GovSelect())
    period_end = GovukDateField("Period end", required_message="Enter the last day of the period, like 31 12 2018")
    compliant = WholeNumberField(
        "Compliant staff",
        invalid_message="Enter the number of compliant staff as a whole number",
        validators=[
            InputRequired("Enter the number of compliant staff"),
            NumberRange(min=0, message="Compliant staff must be 0 or more"),
        ],
    )
    eligible = WholeNumberField(
        "Eligible staff",
        invalid_message="Enter the number of eligible staff as a whole number",
        validators=[
            InputRequired("Enter the number of eligible staff"),
            NumberRange(min=1, message="Eligible staff must be 1 or more"),
        ],
    )
    note = TextAreaField(
        "Note (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2000, message="Note must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Submit return", widget=GovSubmitInput())

"""Forms for the trainer pathway."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import EmailField, SelectField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from tracker.common.form_base import TrackerForm


class AddTraineeForm(TrackerForm):
    email = EmailField(
        "Email address of the trainee",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the trainee's email address"),
            Email("Enter an email address in the correct format, like name@organisation.example"),
            Length(max=254),
        ],
    )
    course_id = SelectField(
        "Course they will deliver", coerce=int, widget=GovSelect(), validators=[DataRequired("Select a course")]
    )
    submit = SubmitField("Add to the pathway", widget=GovSubmitInput())

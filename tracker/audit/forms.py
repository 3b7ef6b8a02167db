"""Filter form for the audit log."""

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import Length, NumberRange, Optional

from tracker.common.form_base import TrackerForm
from tracker.common.forms import GovukDateField
from tracker.common.types import MAX_ID


class AuditFilterForm(TrackerForm):
    class Meta:
        csrf = False  # a GET search form: it changes nothing

    action = StringField("Action starts with", widget=GovTextInput(), validators=[Optional(), Length(max=60)])
    actor = StringField("Who", widget=GovTextInput(), validators=[Optional(), Length(max=100)])
    object_type = StringField("Object type", widget=GovTextInput(), validators=[Optional(), Length(max=40)])
    object_id = IntegerField(
        "Object id",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(min=1, max=MAX_ID, message="Enter an object id from 1 to 2147483647")],
    )
    from_date = GovukDateField("From")
    to_date = GovukDateField("To")
    submit = SubmitField("Filter", widget=GovSubmitInput())

"""The My team button that stops (or starts again) the manager's weekly digest."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import HiddenField, SubmitField
from wtforms.validators import AnyOf

from tracker.common.form_base import TrackerForm


class DigestPreferenceForm(TrackerForm):
    """One button with a CSRF token; `wanted` says which way (so a double submit changes nothing more)."""

    wanted = HiddenField(validators=[AnyOf(["yes", "no"])])
    submit = SubmitField("Save", widget=GovSubmitInput())

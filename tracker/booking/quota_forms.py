"""The form that holds places of a session for an organisation."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField

from tracker.common.form_base import TrackerForm
from tracker.common.forms import GovukDateField, WholeNumberField, optional_int


class HoldPlacesForm(TrackerForm):
    organisation = SelectField("Organisation", coerce=optional_int, widget=GovSelect(), validate_choice=False)
    places = WholeNumberField("Places to hold", required_message="Enter the number of places to hold, 1 or more")
    release_on = GovukDateField(
        "Release date",
        description="From this day anyone can book the places not taken, for example, 1 3 2027",
        required_message="Enter the date the places are released to everyone",
    )
    submit = SubmitField("Hold places", widget=GovSubmitInput())


class ReleasePlacesForm(TrackerForm):
    submit = SubmitField("Release now", widget=GovSubmitInput())

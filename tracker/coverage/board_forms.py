"""Forms of the board pages: the board report's period (a GET form) and demand planning's question."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.validators import Optional

from tracker.common.form_base import TrackerForm
from tracker.common.forms import GovukDateField, WholeNumberField


def optional_id(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    try:
        return int(str(value))
    except ValueError:
        return -1  # not one of the choices: "Not a valid choice"


class BoardReportForm(TrackerForm):
    """The period, the course of the council's table, and whose sessions to list.

    Submitted by GET (a report has a URL to bookmark), so no CSRF token; the download buttons post the
    same fields with a token, because a download is audited. The dates travel as `from` and `to`.
    """

    class Meta:
        csrf = False

    date_from = GovukDateField("From", name="from", description="The first day of the period, for example, 1 1 2018.")
    date_to = GovukDateField("To", name="to", description="The last day of the period, for example, 31 12 2018.")
    #: No "required" check: a missing course means the default (WRAP), set before validation.
    course = SelectField("Course for the council's departments", widget=GovSelect())
    trainer_id = SelectField(
        "Sessions delivered by",
        description="Limits the sessions delivered by organisation to those this person led or co-delivered.",
        widget=GovSelect(),
        coerce=optional_id,
    )
    submit = SubmitField("Show the report", widget=GovSubmitInput())


class DemandPlanningForm(TrackerForm):
    """A course, a target date, optionally one organisation and the coordinator's own rates (a GET form)."""

    class Meta:
        csrf = False

    course = SelectField("Course", widget=GovSelect())
    target_date = GovukDateField(
        "Target date",
        description="The day the target should be met, for example, 31 3 2019.",
        required_message="Enter a target date",
    )
    organisation_id = SelectField("Organisation", widget=GovSelect(), coerce=optional_id)
    fill_percent = WholeNumberField(
        "Fill rate (%)",
        description="Confirmed bookings as a percent of places. Leave blank to use the last 12 months'.",
        validators=[Optional()],
        invalid_message="Fill rate must be a whole number, like 80",
    )
    no_show_percent = WholeNumberField(
        "No-show rate (%)",
        description="Confirmed bookings marked absent, as a percent. Leave blank to use the last 12 months'.",
        validators=[Optional()],
        invalid_message="No-show rate must be a whole number, like 10",
    )
    places = WholeNumberField(
        "Places per session",
        description="Leave blank to use the average of the last 12 months' sessions.",
        validators=[Optional()],
        invalid_message="Places per session must be a whole number, like 20",
    )
    submit = SubmitField("Plan sessions", widget=GovSubmitInput())

"""Forms of the coverage pages: the report's filters (a GET form) and a manager's team booking."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.validators import InputRequired

from tracker.common.form_base import TrackerForm
from tracker.common.forms import GovukDateField


def _optional_id(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    try:
        return int(str(value))
    except ValueError:
        return -1  # not one of the choices: "Not a valid choice"


class CoverageFilterForm(TrackerForm):
    """Which course, as of which day, sessions from which day, and (coordinator) which organisation.

    Submitted by GET so a report has a URL that can be bookmarked and shared; no CSRF token needed.
    """

    class Meta:
        csrf = False

    course = SelectField("Course", widget=GovSelect(), validators=[InputRequired("Select a course")])
    as_of = GovukDateField("As of", description="Counts are taken on this day, for example, 1 1 2019.")
    period_start = GovukDateField(
        "Sessions from", description="Sessions delivered from this day up to the as-of date are counted."
    )
    organisation_id = SelectField("Organisation", widget=GovSelect(), coerce=_optional_id, validate_choice=True)
    submit = SubmitField("Show coverage", widget=GovSubmitInput())


class TeamCourseForm(TrackerForm):
    """The course a manager's team page looks at (a GET form)."""

    class Meta:
        csrf = False

    course = SelectField("Course", widget=GovSelect(), validators=[InputRequired("Select a course")])
    submit = SubmitField("Show", widget=GovSubmitInput())


class BookUntrainedForm(TrackerForm):
    """The confirmation of "book the untrained onto the next session": one button, with a CSRF token."""

    submit = SubmitField("Book them", widget=GovSubmitInput())

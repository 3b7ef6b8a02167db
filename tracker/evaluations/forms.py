"""The evaluation form (public, through the emailed link) and the results page's filters (a GET form)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from tracker.common.date_input import GovukDateField
from tracker.common.form_base import TrackerForm
from tracker.evaluations.models import COMMENT_MAX

CONFIDENCE = [
    SelectChoice(1, "1 – Not at all confident"),
    SelectChoice(2, "2 – Slightly confident"),
    SelectChoice(3, "3 – Fairly confident"),
    SelectChoice(4, "4 – Confident"),
    SelectChoice(5, "5 – Very confident"),
]
USEFULNESS = [
    SelectChoice(1, "1 – Not useful"),
    SelectChoice(2, "2 – Slightly useful"),
    SelectChoice(3, "3 – Fairly useful"),
    SelectChoice(4, "4 – Useful"),
    SelectChoice(5, "5 – Very useful"),
]
TRAINER_RATING = [
    SelectChoice(1, "1 – Very poor"),
    SelectChoice(2, "2 – Poor"),
    SelectChoice(3, "3 – Adequate"),
    SelectChoice(4, "4 – Good"),
    SelectChoice(5, "5 – Very good"),
]


def _score(label: str, choices, message: str) -> RadioField:
    return RadioField(label, choices=choices, coerce=int, widget=GovRadioInput(), validators=[InputRequired(message)])


class GiveFeedbackForm(TrackerForm):
    confidence_before = _score(
        "Before the session, how confident were you that you could recognise a Prevent concern and refer it?",
        CONFIDENCE,
        "Select how confident you were before the session",
    )
    confidence_after = _score(
        "After the session, how confident are you that you can recognise a Prevent concern and refer it?",
        CONFIDENCE,
        "Select how confident you are after the session",
    )
    usefulness = _score("How useful was the session?", USEFULNESS, "Select how useful the session was")
    trainer_rating = _score(
        "How well did the trainer deliver the session?", TRAINER_RATING, "Select how the trainer did"
    )
    comment = TextAreaField(
        "Anything else you want to tell us? (optional)",
        widget=GovTextArea(),
        validators=[
            Optional(),
            Length(max=COMMENT_MAX, message=f"Your comment must be {COMMENT_MAX:,} characters or fewer"),
        ],
    )
    submit = SubmitField("Send feedback", widget=GovSubmitInput())


def optional_id(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    try:
        return int(str(value))
    except ValueError:
        return -1  # not one of the choices: "Not a valid choice"


class ResultsFilterForm(TrackerForm):
    """Submitted by GET (the results have a URL to bookmark), so no CSRF token; dates travel as `from` and `to`."""

    class Meta:
        csrf = False

    course_id = SelectField("Course", widget=GovSelect(), coerce=optional_id, name="course")
    trainer_id = SelectField("Trainer", widget=GovSelect(), coerce=optional_id, name="trainer")
    date_from = GovukDateField("Sessions from", name="from", description="For example, 1 1 2026")
    date_to = GovukDateField("Sessions to", name="to", description="For example, 31 12 2026")
    submit = SubmitField("Show results", widget=GovSubmitInput())

"""Evaluation results for coordinators, the board report and the API: read-only, without names.

Figures are grouped (by course, by trainer, or all together); a group with fewer than MIN_RESPONSES answers
shows no figures and no comments, since a handful of answers from a small session could tell who gave them.
Each list is one statement however many answers there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, case, func, select

from tracker.common.errors import TrackerError
from tracker.common.time import london_to_utc
from tracker.courses.models import Course, SessionTrainer, TrainerPart, TrainingSession
from tracker.evaluations.models import EvaluationResponse
from tracker.extensions import db
from tracker.people.models import Person

#: A group with fewer answers than this shows neither figures nor comments.
MIN_RESPONSES = 3
#: An answer of 4 or 5 on usefulness counts as "useful".
USEFUL_FROM = 4
#: Trainers whose part delivers the session (an observer is not rated).
RATED_PARTS = (TrainerPart.LEAD, TrainerPart.CO_TRAINER)
#: The newest comments shown at most.
COMMENTS_SHOWN = 100


class EvaluationFilterError(TrackerError):
    code = "invalid_period"


@dataclass(frozen=True)
class EvaluationFilter:
    """Which answers: of sessions of a course, delivered by a trainer, starting within London dates (each optional)."""

    course_id: int | None = None
    trainer_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def check(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise EvaluationFilterError("The start of the period must be on or before its end", field="from")


def _one_place(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class GroupFigures:
    """The answers of one group. Averages are on the 1–5 scale to one decimal place; None when suppressed."""

    key: int | None
    label: str
    responses: int
    confidence_before_total: int
    confidence_after_total: int
    usefulness_total: int
    useful_count: int
    trainer_rating_total: int
    #: The course's code, for a group of one course.
    code: str | None = None
    #: Not shown although it has enough answers: a total that, less the groups shown, would give a small group's.
    withheld: bool = False

    @property
    def display_label(self) -> str:
        """The group as pages and downloads name it: "Prevent briefing (BRIEF)", or the name alone if it has its code."""
        return f"{self.label} ({self.code})" if self.code and self.code not in self.label else self.label

    @property
    def suppressed(self) -> bool:
        return self.responses < MIN_RESPONSES or self.withheld

    @property
    def not_shown(self) -> str | None:
        """Why there are no figures, in words for a page or a download (never the count); None when shown."""
        if self.responses < MIN_RESPONSES:
            return f"Fewer than {MIN_RESPONSES} responses"
        if self.withheld:
            return f"Not shown, as it would reveal a course with fewer than {MIN_RESPONSES} responses"
        return None

    def _average(self, total: int) -> Decimal | None:
        if self.suppressed:
            return None
        return _one_place(Decimal(total) / self.responses)

    @property
    def confidence_before(self) -> Decimal | None:
        return self._average(self.confidence_before_total)

    @property
    def confidence_after(self) -> Decimal | None:
        return self._average(self.confidence_after_total)

    @property
    def confidence_rise(self) -> Decimal | None:
        return self._average(self.confidence_after_total - self.confidence_before_total)

    @property
    def usefulness(self) -> Decimal | None:
        return self._average(self.usefulness_total)

    @property
    def useful_percent(self) -> int | None:
        if self.suppressed:
            return None
        return int((Decimal(self.useful_count * 100) / self.responses).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def trainer_rating(self) -> Decimal | None:
        return self._average(self.trainer_rating_total)


@dataclass(frozen=True)
class EvaluationResults:
    total: GroupFigures
    by_course: list[GroupFigures]
    by_trainer: list[GroupFigures]
    #: The newest comments (at most COMMENTS_SHOWN), with their course's name; none when the total is suppressed.
    comments: list[tuple[str, str]]


def _figures():
    r = EvaluationResponse
    return (
        func.count(r.id),
        func.coalesce(func.sum(r.confidence_before), 0),
        func.coalesce(func.sum(r.confidence_after), 0),
        func.coalesce(func.sum(r.usefulness), 0),
        func.coalesce(func.sum(case((r.usefulness >= USEFUL_FROM, 1), else_=0)), 0),
        func.coalesce(func.sum(r.trainer_rating), 0),
    )


def _group(key: int | None, label: str, figures, code: str | None = None) -> GroupFigures:
    return GroupFigures(key, label, *(int(value or 0) for value in figures), code=code)


def _filtered(statement: Select, answers: EvaluationFilter) -> Select:
    """`statement` (over EvaluationResponse joined to TrainingSession) narrowed to the filter."""
    if answers.course_id is not None:
        statement = statement.where(TrainingSession.course_id == answers.course_id)
    if answers.trainer_id is not None:
        delivered = select(SessionTrainer.session_id).where(
            SessionTrainer.person_id == answers.trainer_id, SessionTrainer.part.in_(RATED_PARTS)
        )
        statement = statement.where(TrainingSession.id.in_(delivered))
    if answers.date_from is not None:
        statement = statement.where(TrainingSession.starts_at >= london_to_utc(answers.date_from, time(0, 0)))
    if answers.date_to is not None:
        end = london_to_utc(answers.date_to + timedelta(days=1), time(0, 0))
        statement = statement.where(TrainingSession.starts_at < end)
    return statement


def _answers(*columns) -> Select:
    return (
        select(*columns)
        .select_from(EvaluationResponse)
        .join(TrainingSession, TrainingSession.id == EvaluationResponse.session_id)
    )


def figures_by_course(answers: EvaluationFilter) -> list[GroupFigures]:
    """One group per course with answers, by code (one statement)."""
    statement = (
        _filtered(_answers(Course.id, Course.code, Course.name, *_figures()), answers)
        .join(Course, Course.id == TrainingSession.course_id)
        .group_by(Course.id, Course.code, Course.name)
        .order_by(Course.code, Course.id)
    )
    return [_group(course_id, name, figures, code) for course_id, code, name, *figures in db.session.execute(statement)]


def figures_by_trainer(answers: EvaluationFilter) -> list[GroupFigures]:
    """One group per trainer who led or co-delivered sessions with answers, by name (one statement)."""
    statement = (
        _filtered(_answers(Person.id, Person.first_name, Person.last_name, *_figures()), answers)
        .join(SessionTrainer, SessionTrainer.session_id == TrainingSession.id)
        .join(Person, Person.id == SessionTrainer.person_id)
        .where(SessionTrainer.part.in_(RATED_PARTS))
        .group_by(Person.id, Person.first_name, Person.last_name)
        .order_by(func.lower(Person.last_name), func.lower(Person.first_name), Person.id)
    )
    return [
        _group(person_id, f"{first} {last}".strip(), figures)
        for person_id, first, last, *figures in db.session.execute(statement)
    ]


def overall_of(groups: list[GroupFigures], label: str) -> GroupFigures:
    """All of `groups` together (no statement): for course groups, every answer of the filter.

    Shown beside its groups, a total would give away a suppressed group by subtraction when the suppressed
    groups together have 1 or 2 answers; then the total is withheld too. (Together 3 or more, the subtraction
    gives only a group of 3 or more.)
    """
    totals = [sum(column) for column in zip(*(_sums(group) for group in groups), strict=True)] or [0] * 6
    hidden = sum(group.responses for group in groups if group.suppressed)
    return GroupFigures(None, label, *totals, withheld=0 < hidden < MIN_RESPONSES)


def _sums(group: GroupFigures) -> tuple[int, ...]:
    return (
        group.responses,
        group.confidence_before_total,
        group.confidence_after_total,
        group.usefulness_total,
        group.useful_count,
        group.trainer_rating_total,
    )


def list_comments(answers: EvaluationFilter) -> list[tuple[str, str]]:
    """(course name, comment) of the newest answers with a comment (one statement)."""
    statement = (
        _filtered(_answers(Course.name, EvaluationResponse.comment), answers)
        .join(Course, Course.id == TrainingSession.course_id)
        .where(EvaluationResponse.comment.is_not(None))
        .order_by(EvaluationResponse.id.desc())
        .limit(COMMENTS_SHOWN)
    )
    return [(name, comment) for name, comment in db.session.execute(statement)]


def evaluation_results(answers: EvaluationFilter) -> EvaluationResults:
    """Everything the coordinators' results page shows (three statements, two without comments to show).

    The total is the courses' added up, withheld like the board report's when it would give away a course with
    fewer than MIN_RESPONSES answers by subtraction."""
    answers.check()
    by_course = figures_by_course(answers)
    total = overall_of(by_course, "All sessions")
    return EvaluationResults(
        total=total,
        by_course=by_course,
        by_trainer=figures_by_trainer(answers),
        comments=[] if total.responses < MIN_RESPONSES else list_comments(answers),
    )


def list_course_choices() -> list[Course]:
    return list(db.session.scalars(select(Course).order_by(Course.code, Course.id)))


def list_trainer_choices() -> list[tuple[int, str]]:
    """(person id, name) of everyone who has led or co-delivered a session, by name (one statement)."""
    rows = db.session.execute(
        select(Person.id, Person.first_name, Person.last_name)
        .where(Person.id.in_(select(SessionTrainer.person_id).where(SessionTrainer.part.in_(RATED_PARTS))))
        .order_by(func.lower(Person.last_name), func.lower(Person.first_name), Person.id)
    )
    return [(person_id, f"{first} {last}".strip()) for person_id, first, last in rows]

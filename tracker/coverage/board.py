"""The board report: the seed report's tables for a period, assembled read-only as dataclasses.

For a period [date_from, date_to] (London dates, both included) and a course (WRAP by default):

1. **Partner returns** (the seed's Tables 1–4): every return whose period end falls in the period, one
   table per organisation and course, with percent and RAG against the course's target.
2. **Council departments** (Table 5): for each local-authority organisation, its top-level departments
   and its total, from `queries.coverage_report` as of `date_to` with sessions delivered from `date_from`,
   asked for the councils alone (counting only their people: a fifth of a region's, the same rows).
   Departments with nobody required and no session delivered are left out.
3. **Sessions delivered by organisation** (the list in section 1.18): per organisation and course, the
   sessions (not cancelled, starting in the period by London date) at which at least one of its people
   attended or partly attended, and how many of its people did (attendance of attended + partial). A
   session with people from two organisations counts for each; the course totals count it once.
   Optionally only the sessions a given trainer led or co-delivered ("the Prevent Coordinator delivered").
4. **Percent by period** for the chart: the returns' percentages, and for the chosen course each
   local-authority organisation's percent computed from registers at the same period ends (quarter
   ends when there are no returns of that course).
5. **Training requests** received in the period, with their status and, once scheduled, the session.
6. **Post-session evaluation** by course, of sessions starting in the period (tracker.evaluations.results):
   responses, average confidence before and after, percent finding it useful; fewer than 3 responses suppressed.
   With more than one course, all courses together too (added up from the courses: no statement), withheld
   when it would give away a suppressed course by subtraction.

Every figure uses `tracker.coverage.rag`. The report is a fixed number of SQL statements whatever the
size of the data (about ten; see `board_report`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import Integer, cast, distinct, exists, func, null, select, union_all

from tracker.attendance.models import Attendance
from tracker.booking.models import Booking
from tracker.common.errors import TrackerError
from tracker.common.time import add_months, end_of_london_day, start_of_london_day, today_london
from tracker.courses.models import Course, SessionStatus, SessionTrainer, TrainerPart, TrainingSession
from tracker.coverage import loading, queries
from tracker.coverage.board_rows import (
    FROM_REGISTERS,
    FROM_RETURN,
    BoardReport,
    ChartSeries,
    CourseChart,
    DeliveryRow,
    DepartmentRow,
    DepartmentTable,
    PeriodPoint,
    RequestRow,
    ReturnRow,
    ReturnTable,
    TrainerChoice,
)
from tracker.coverage.models import PartnerReturn
from tracker.evaluations import results as evaluation_results
from tracker.evaluations.results import EvaluationFilter
from tracker.extensions import db
from tracker.people.models import Organisation, OrganisationKind, Person
from tracker.requests.models import RequestStatus, TrainingRequest

#: The default period: this many months up to today.
DEFAULT_MONTHS = 12
DEFAULT_COURSE = "WRAP"
#: Parts that deliver a session (an observer watches; it is not their delivery).
DELIVERING_PARTS = (TrainerPart.LEAD, TrainerPart.CO_TRAINER)


class BoardReportError(TrackerError):
    """The period or a filter cannot be answered as asked. `field` is the API's name: from, to, course, trainer_id."""

    code = "invalid_period"


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last 12 months: from the day after the same date a year ago, to today (London)."""
    today = today or today_london()
    return add_months(today, -DEFAULT_MONTHS) + timedelta(days=1), today


def check_period(date_from: date, date_to: date) -> None:
    """Raises BoardReportError when the period starts after it ends."""
    if date_from > date_to:
        raise BoardReportError("The start of the period must be on or before its end", field="from")


# --- Rows ---------------------------------------------------------------------------------------------


# --- Reads -----------------------------------------------------------------------------------------------


def list_trainers() -> list[TrainerChoice]:
    """Everyone who has led or co-delivered a session, by name (one statement): the "delivered by" choices."""
    delivered = exists().where(SessionTrainer.person_id == Person.id, SessionTrainer.part.in_(DELIVERING_PARTS))
    rows = db.session.execute(
        select(Person.id, Person.first_name, Person.last_name)
        .where(delivered)
        .order_by(func.lower(Person.last_name), func.lower(Person.first_name), Person.id)
    )
    return [TrainerChoice(person_id, f"{first} {last}".strip()) for person_id, first, last in rows]


def _trainer(trainer_id: int | None) -> TrainerChoice | None:
    if trainer_id is None:
        return None
    person = db.session.get(Person, trainer_id)
    if person is None:
        raise BoardReportError("There is no such trainer", code="unknown_trainer", field="trainer_id")
    return TrainerChoice(person.id, person.full_name)


def _organisation_kinds() -> dict[int, OrganisationKind]:
    return {
        organisation_id: kind
        for organisation_id, kind in db.session.execute(select(Organisation.id, Organisation.kind))
    }


def _name_key(name: str) -> str:
    return name.casefold()


def _return_tables(date_from: date, date_to: date) -> list[ReturnTable]:
    """Returns with a period end in the period, grouped per organisation and course (one statement)."""
    rows = db.session.execute(
        select(
            PartnerReturn.organisation_id,
            Organisation.name,
            Course.code,
            Course.name,
            Course.target_percent,
            PartnerReturn.period_end,
            PartnerReturn.compliant,
            PartnerReturn.eligible,
        )
        .join(Organisation, Organisation.id == PartnerReturn.organisation_id)
        .join(Course, Course.id == PartnerReturn.course_id)
        .where(PartnerReturn.period_end >= date_from, PartnerReturn.period_end <= date_to)
    ).all()
    tables: dict[tuple[int, str], ReturnTable] = {}
    for organisation_id, organisation, code, course_name, target, period_end, compliant, eligible in rows:
        table = tables.setdefault(
            (organisation_id, code), ReturnTable(organisation_id, organisation, code, course_name, target, [])
        )
        table.rows.append(ReturnRow(organisation_id, organisation, code, period_end, compliant, eligible, target))
    for table in tables.values():
        table.rows.sort(key=lambda r: r.period_end)
    return sorted(tables.values(), key=lambda t: (_name_key(t.organisation), t.course_code, t.organisation_id))


def _department_tables(report: queries.CoverageReport, council_ids: set[int]) -> list[DepartmentTable]:
    """Table 5 from the coverage report: each council's total and top-level departments taking part."""
    tables = []
    for organisation in report.organisations:
        if organisation.organisation_id not in council_ids:
            continue
        rows = [
            DepartmentRow(
                row.organisation_id,
                row.organisation,
                row.department_id,
                row.department,
                row.required,
                row.trained,
                row.target_percent,
                row.sessions_delivered,
                row.attendees,
            )
            for row in organisation.rows
            if row.is_total or (row.depth == 1 and (row.required or row.sessions_delivered))
        ]
        tables.append(DepartmentTable(organisation.organisation_id, organisation.organisation, rows))
    return tables


def _deliveries(
    date_from: date,
    date_to: date,
    *,
    trainer: TrainerChoice | None,
    names: dict[int, str],
    kinds: dict[int, OrganisationKind],
    courses: dict[int, Course],
) -> list[DeliveryRow]:
    """Sessions and attendees per organisation and course, per course, and overall (one statement)."""
    attendee = (
        select(
            TrainingSession.id.label("session_id"),
            TrainingSession.course_id,
            Person.organisation_id,
            Booking.person_id,
        )
        .select_from(TrainingSession)
        .join(Booking, Booking.session_id == TrainingSession.id)
        .join(Attendance, Attendance.booking_id == Booking.id)
        .join(Person, Person.id == Booking.person_id)
        .where(
            TrainingSession.status != SessionStatus.CANCELLED,
            TrainingSession.starts_at >= start_of_london_day(date_from),
            TrainingSession.starts_at < end_of_london_day(date_to),
            Attendance.outcome.in_(queries.ATTENDED_OUTCOMES),
        )
        .distinct()
    )
    if trainer is not None:
        attendee = attendee.where(
            exists().where(
                SessionTrainer.session_id == TrainingSession.id,
                SessionTrainer.person_id == trainer.person_id,
                SessionTrainer.part.in_(DELIVERING_PARTS),
            )
        )
    pairs = attendee.cte("attendee")  # a CTE, not a subquery: PostgreSQL runs it once for the three groupings
    sessions, attendees = func.count(distinct(pairs.c.session_id)), func.count()
    no_id = cast(null(), Integer)
    statement = union_all(
        select(pairs.c.organisation_id, pairs.c.course_id, sessions, attendees).group_by(
            pairs.c.organisation_id, pairs.c.course_id
        ),
        select(no_id, pairs.c.course_id, sessions, attendees).group_by(pairs.c.course_id),
        select(no_id, no_id, sessions, attendees),
    )
    by_organisation, by_course, overall = [], [], []
    for organisation_id, course_id, count, people in db.session.execute(statement):
        course = courses.get(course_id) if course_id is not None else None
        row = DeliveryRow(
            organisation_id,
            names.get(organisation_id) if organisation_id is not None else None,
            kinds.get(organisation_id) if organisation_id is not None else None,
            course.code if course else None,
            course.name if course else None,
            count,
            people,
        )
        if organisation_id is not None:
            by_organisation.append(row)
        elif course_id is not None:
            by_course.append(row)
        elif count:
            overall.append(row)
    # Local authorities first (the seed's list starts with the council's own staff), then by name.
    by_organisation.sort(
        key=lambda r: (
            r.organisation_kind != OrganisationKind.LOCAL_AUTHORITY,
            _name_key(r.organisation or ""),
            r.course_code or "",
            r.organisation_id,
        )
    )
    by_course.sort(key=lambda r: r.course_code or "")
    # The overall row only adds something when there is more than one course.
    return by_organisation + by_course + (overall if len(by_course) > 1 else [])


def _quarter_ends(date_from: date, date_to: date) -> list[date]:
    ends = []
    for year in range(date_from.year, date_to.year + 1):
        for month, day in ((3, 31), (6, 30), (9, 30), (12, 31)):
            if date_from <= date(year, month, day) <= date_to:
                ends.append(date(year, month, day))
    return ends


def _register_points(context: loading.CoverageContext, ends: list[date], council_ids: set[int]) -> list[PeriodPoint]:
    """Each council's percent trained at each of `ends`, from registers and the roster (one statement)."""
    placed_in = {d for o in council_ids for d in context.tree.of_organisation(o)}
    if not ends or not placed_in:
        return []
    counts = queries.count_required_trained(
        context, ends, placed_in=placed_in, department_rows=set(), organisation_totals=True
    )
    course = context.course
    points = []
    for organisation_id in sorted(council_ids, key=lambda o: (_name_key(context.tree.organisations[o]), o)):
        series = [
            PeriodPoint(
                organisation_id,
                context.tree.organisations[organisation_id],
                course.code,
                end,
                FROM_REGISTERS,
                counts.get((end, organisation_id, None), (0, 0))[1],
                counts.get((end, organisation_id, None), (0, 0))[0],
                course.target_percent,
            )
            for end in ends
        ]
        if any(p.denominator for p in series):
            points.extend(series)
    return points


def _charts(
    return_tables: list[ReturnTable], register_points: list[PeriodPoint], course: Course, ends: list[date]
) -> list[CourseChart]:
    """One chart per course: a line per organisation's returns, and for `course` the councils' registers."""
    charts = []
    by_course: dict[str, list[ReturnTable]] = {}
    for table in return_tables:
        by_course.setdefault(table.course_code, []).append(table)
    codes = sorted(set(by_course) | ({course.code} if register_points else set()))
    for code in codes:
        tables = by_course.get(code, [])
        if code == course.code:
            period_ends = ends
        else:
            period_ends = sorted({r.period_end for t in tables for r in t.rows})
        series = []
        for table in tables:
            at = {r.period_end: r for r in table.rows}
            points = [
                PeriodPoint(
                    r.organisation_id,
                    r.organisation,
                    r.course_code,
                    r.period_end,
                    FROM_RETURN,
                    r.compliant,
                    r.eligible,
                    r.target_percent,
                )
                if (r := at.get(end))
                else None
                for end in period_ends
            ]
            series.append(ChartSeries(f"{table.organisation} (return)", FROM_RETURN, points))
        if code == course.code:
            by_organisation: dict[int, dict[date, PeriodPoint]] = {}
            for point in register_points:
                by_organisation.setdefault(point.organisation_id, {})[point.period_end] = point
            for points_at in by_organisation.values():
                name = next(iter(points_at.values())).organisation
                series.append(
                    ChartSeries(
                        f"{name} (from registers)",
                        FROM_REGISTERS,
                        [points_at.get(end) for end in period_ends],
                    )
                )
        if tables:
            name, target = tables[0].course_name, tables[0].target_percent
        else:
            name, target = course.name, course.target_percent
        charts.append(CourseChart(code, name, target, period_ends, series))
    return charts


def _requests(date_from: date, date_to: date) -> list[RequestRow]:
    """Training requests received in the period, oldest first, with their session once scheduled (one statement)."""
    rows = db.session.execute(
        select(
            TrainingRequest.id,
            TrainingRequest.created_at,
            TrainingRequest.organisation_name,
            TrainingRequest.organisation_kind,
            TrainingRequest.contact_name,
            TrainingRequest.staff_count,
            TrainingRequest.status,
            TrainingRequest.session_id,
            TrainingSession.starts_at,
        )
        .outerjoin(TrainingSession, TrainingSession.id == TrainingRequest.session_id)
        .where(
            TrainingRequest.created_at >= start_of_london_day(date_from),
            TrainingRequest.created_at < end_of_london_day(date_to),
        )
        .order_by(TrainingRequest.created_at, TrainingRequest.id)
    ).all()
    return [RequestRow(*row) for row in rows]


def board_report(
    *,
    date_from: date,
    date_to: date,
    course: Course,
    trainer_id: int | None = None,
    courses: Sequence[Course] | None = None,
) -> BoardReport:
    """The whole board report for the period (see the module docstring).

    Statements: organisation kinds; the returns; the coverage context (equivalents, requirements, tree)
    and its two counting statements; the registers at the chart's period ends; the deliveries; the
    requests; the post-session evaluation by course; plus the course list unless `courses` is given and the trainer when `trainer_id` is.
    Raises BoardReportError for a period that starts after it ends or an unknown trainer.
    """
    check_period(date_from, date_to)
    trainer = _trainer(trainer_id)
    if courses is None:
        courses = loading.list_courses()
    kinds = _organisation_kinds()
    councils = {o for o, kind in kinds.items() if kind == OrganisationKind.LOCAL_AUTHORITY}
    return_tables = _return_tables(date_from, date_to)
    context = loading.load_context(course=course)
    coverage = queries.coverage_report(
        course=course, as_of=date_to, period_start=date_from, organisations=councils, context=context
    )
    ends = sorted({r.period_end for t in return_tables if t.course_code == course.code for r in t.rows})
    ends = ends or _quarter_ends(date_from, date_to)
    register_points = _register_points(context, ends, councils)
    deliveries = _deliveries(
        date_from,
        date_to,
        trainer=trainer,
        names=context.tree.organisations,
        kinds=kinds,
        courses={c.id: c for c in courses},
    )
    requests = _requests(date_from, date_to)
    evaluations = evaluation_results.figures_by_course(EvaluationFilter(date_from=date_from, date_to=date_to))
    evaluation_total = evaluation_results.overall_of(evaluations, "All courses") if len(evaluations) > 1 else None
    counts = dict.fromkeys(RequestStatus, 0)
    for row in requests:
        counts[row.status] += 1
    return BoardReport(
        date_from=date_from,
        date_to=date_to,
        course=course,
        trainer=trainer,
        return_tables=return_tables,
        department_tables=_department_tables(coverage, councils),
        deliveries=deliveries,
        register_points=register_points,
        charts=_charts(return_tables, register_points, course, ends),
        requests=requests,
        request_counts=counts,
        evaluations=evaluations,
        evaluation_total=evaluation_total,
    )

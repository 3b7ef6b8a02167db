"""The board report's tables and charts, as rows the page, the CSV, the workbook and the API all show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from tracker.courses.models import Course
from tracker.coverage.rag import Rag, percent, rag
from tracker.evaluations.results import GroupFigures
from tracker.people.models import OrganisationKind
from tracker.requests.models import RequestStatus

#: Sources of a percent on the chart.
FROM_RETURN = "return"
FROM_REGISTERS = "registers"


@dataclass(frozen=True)
class ReturnRow:
    """One period of a partner's return: "June 2018: 422 compliant of 480 eligible, 88%"."""

    organisation_id: int
    organisation: str
    course_code: str
    period_end: date
    compliant: int
    eligible: int
    target_percent: int

    @property
    def percent(self) -> int | None:
        return percent(self.compliant, self.eligible)

    @property
    def rag(self) -> Rag | None:
        return rag(self.percent, self.target_percent)


@dataclass(frozen=True)
class ReturnTable:
    """One organisation's returns for one course over the period: one of the seed's Tables 1–4."""

    organisation_id: int
    organisation: str
    course_code: str
    course_name: str
    target_percent: int
    rows: list[ReturnRow]

    @property
    def caption(self) -> str:
        return f"{self.organisation}: {self.course_name}"


@dataclass(frozen=True)
class DepartmentRow:
    """A council department (with everything beneath it) or the council's total: one line of Table 5."""

    organisation_id: int
    organisation: str
    #: None on the organisation's total row.
    department_id: int | None
    department: str | None
    required: int
    trained: int
    target_percent: int
    sessions_delivered: int
    attendees: int

    @property
    def is_total(self) -> bool:
        return self.department_id is None

    @property
    def percent(self) -> int | None:
        return percent(self.trained, self.required)

    @property
    def rag(self) -> Rag | None:
        return rag(self.percent, self.target_percent)


@dataclass(frozen=True)
class DepartmentTable:
    organisation_id: int
    organisation: str
    #: The total first, then top-level departments by name.
    rows: list[DepartmentRow]


@dataclass(frozen=True)
class DeliveryRow:
    """Sessions of a course delivered to an organisation's people in the period, and how many attended.

    `organisation_id` None: every organisation together (each session once); `course_code` None as well:
    every course together.
    """

    organisation_id: int | None
    organisation: str | None
    organisation_kind: OrganisationKind | None
    course_code: str | None
    course_name: str | None
    sessions: int
    attendees: int

    @property
    def is_total(self) -> bool:
        return self.organisation_id is None


@dataclass(frozen=True)
class PeriodPoint:
    """A percent at a period end: from a partner's return, or computed from registers and the roster."""

    organisation_id: int
    organisation: str
    course_code: str
    period_end: date
    source: str
    #: Compliant (return) or trained (registers).
    numerator: int
    #: Eligible (return) or required (registers).
    denominator: int
    target_percent: int

    @property
    def percent(self) -> int | None:
        return percent(self.numerator, self.denominator)

    @property
    def rag(self) -> Rag | None:
        return rag(self.percent, self.target_percent)


@dataclass(frozen=True)
class ChartSeries:
    label: str
    source: str
    #: One point per period end of the chart; None where this series has no figure.
    points: list[PeriodPoint | None]


@dataclass(frozen=True)
class CourseChart:
    """Each organisation's percent over the periods for one course, against the course's target."""

    course_code: str
    course_name: str
    target_percent: int
    period_ends: list[date]
    series: list[ChartSeries]


@dataclass(frozen=True)
class RequestRow:
    id: int
    received_at: datetime
    organisation_name: str
    organisation_kind: OrganisationKind
    contact_name: str
    staff_count: int
    status: RequestStatus
    session_id: int | None
    session_starts_at: datetime | None


@dataclass(frozen=True)
class TrainerChoice:
    person_id: int
    name: str


@dataclass(frozen=True)
class BoardReport:
    date_from: date
    date_to: date
    #: The course of the council departments' table (Table 5) and of the registers on the chart.
    course: Course
    #: When set, the sessions-delivered table counts only sessions this person led or co-delivered.
    trainer: TrainerChoice | None
    return_tables: list[ReturnTable]
    department_tables: list[DepartmentTable]
    deliveries: list[DeliveryRow]
    #: Local-authority percent from registers at each chart period end of `course`.
    register_points: list[PeriodPoint]
    charts: list[CourseChart]
    requests: list[RequestRow]
    request_counts: dict[RequestStatus, int] = field(default_factory=dict)
    #: Post-session evaluation by course, of sessions starting in the period (tracker.evaluations.results).
    evaluations: list[GroupFigures] = field(default_factory=list)
    #: Every course's answers together, when there is more than one course (else None: the course is the total).
    evaluation_total: GroupFigures | None = None

    @property
    def return_points(self) -> list[PeriodPoint]:
        return [
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
            for table in self.return_tables
            for r in table.rows
        ]

    @property
    def period_points(self) -> list[PeriodPoint]:
        """Every percent on the charts: the returns', then the registers'."""
        return self.return_points + self.register_points

    @property
    def department_rows(self) -> list[DepartmentRow]:
        return [row for table in self.department_tables for row in table.rows]

    @property
    def requests_total(self) -> int:
        return len(self.requests)

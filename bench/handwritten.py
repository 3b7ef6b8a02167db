"""The coverage numbers in ONE hand-written aggregate SQL statement per database: the yardstick.

It computes, for every department (rolled up over the tree) and every organisation, required, trained,
sessions delivered and attendees, straight from the tables: requirements are matched in SQL (job titles
through the JSON functions of each database), so it shares nothing with tracker.coverage.queries but
the rules. `make bench` times it beside the report and checks that the numbers agree; the scale tests
check the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.types import Date, Integer

from tracker.common.time import end_of_london_day, start_of_london_day
from tracker.common.types import UTCDateTime

#: London date of a stored UTC time on each database (SQLite spells out the UK rule; see tracker.coverage.sql).
_LONDON_DATE = {
    "postgresql": "CAST(s.starts_at AT TIME ZONE 'Europe/London' AS DATE)",
    "sqlite": (
        "date(s.starts_at, CASE WHEN s.starts_at >= datetime(strftime('%Y', s.starts_at) || '-04-01', "
        "'weekday 0', '-7 days', '+1 hour') AND s.starts_at < datetime(strftime('%Y', s.starts_at) || '-11-01', "
        "'weekday 0', '-7 days', '+1 hour') THEN '+1 hour' ELSE '+0 hours' END)"
    ),
}
#: "The requirement names no job titles, or names this person's" on each database.
_JOB_TITLE_MATCHES = {
    "postgresql": (
        "(json_array_length(r.job_titles) = 0 OR EXISTS (SELECT 1 FROM json_array_elements_text(r.job_titles) "
        "AS j(title) WHERE lower(trim(j.title)) = lower(trim(p.job_title))))"
    ),
    "sqlite": (
        "(json_array_length(r.job_titles) = 0 OR EXISTS (SELECT 1 FROM json_each(r.job_titles) AS j "
        "WHERE lower(trim(j.value)) = lower(trim(p.job_title))))"
    ),
}
_SAME_DEPARTMENT = {"postgresql": "IS NOT DISTINCT FROM", "sqlite": "IS"}

_STATEMENT = """
WITH RECURSIVE
closure (department_id, ancestor_id) AS (
    SELECT id, id FROM department
    UNION ALL
    SELECT c.department_id, d.parent_id
    FROM closure c JOIN department d ON d.id = c.ancestor_id
    WHERE d.parent_id IS NOT NULL
),
satisfying (course_id) AS (
    SELECT :course_id
    UNION SELECT equivalent_course_id FROM course_equivalence WHERE course_id = :course_id
),
covered AS (
    -- (requirement, department it covers): a department subtree, or every department of the organisation
    SELECT r.id AS requirement_id, c.department_id
    FROM requirement r JOIN closure c ON c.ancestor_id = r.department_id
    WHERE r.course_id = :course_id AND r.from_date <= :as_of
    UNION ALL
    SELECT r.id, d.id
    FROM requirement r JOIN department d ON d.organisation_id = r.organisation_id
    WHERE r.course_id = :course_id AND r.from_date <= :as_of AND r.department_id IS NULL
),
required AS (
    SELECT DISTINCT pl.department_id, p.id AS person_id,
        CASE WHEN EXISTS (
            SELECT 1 FROM training_record tr
            WHERE tr.person_id = p.id AND tr.course_id IN (SELECT course_id FROM satisfying)
              AND tr.completed_on <= :as_of AND (tr.expires_on IS NULL OR tr.expires_on > :as_of)
        ) THEN 1 ELSE 0 END AS trained
    FROM placement pl
    JOIN person p ON p.id = pl.person_id
    JOIN covered cv ON cv.department_id = pl.department_id
    JOIN requirement r ON r.id = cv.requirement_id AND r.organisation_id = p.organisation_id
    WHERE pl.from_date <= :as_of AND (pl.to_date IS NULL OR pl.to_date > :as_of)
      AND (p.end_date IS NULL OR p.end_date > :as_of)
      AND {job_title_matches}
),
attendee AS (
    SELECT DISTINCT s.id AS session_id, b.person_id, pl.department_id
    FROM training_session s
    JOIN booking b ON b.session_id = s.id
    JOIN attendance a ON a.booking_id = b.id
    JOIN placement pl ON pl.person_id = b.person_id
        AND pl.from_date <= {london_date} AND (pl.to_date IS NULL OR pl.to_date > {london_date})
    WHERE s.course_id = :course_id AND s.status <> 'cancelled'
      AND s.starts_at >= :period_from AND s.starts_at < :period_to
      AND a.outcome IN ('attended', 'partial')
),
people_rows AS (
    SELECT d.organisation_id, c.ancestor_id AS department_id,
        COUNT(DISTINCT r.person_id) AS required,
        COUNT(DISTINCT CASE WHEN r.trained = 1 THEN r.person_id END) AS trained
    FROM required r
    JOIN closure c ON c.department_id = r.department_id
    JOIN department d ON d.id = c.ancestor_id
    GROUP BY d.organisation_id, c.ancestor_id
    UNION ALL
    SELECT d.organisation_id, NULL,
        COUNT(DISTINCT r.person_id), COUNT(DISTINCT CASE WHEN r.trained = 1 THEN r.person_id END)
    FROM required r JOIN department d ON d.id = r.department_id
    GROUP BY d.organisation_id
),
session_rows AS (
    SELECT organisation_id, department_id, COUNT(DISTINCT session_id) AS sessions, COUNT(*) AS attendees
    FROM (
        SELECT DISTINCT d.organisation_id, c.ancestor_id AS department_id, a.session_id, a.person_id
        FROM attendee a
        JOIN closure c ON c.department_id = a.department_id
        JOIN department d ON d.id = c.ancestor_id
    ) per_department
    GROUP BY organisation_id, department_id
    UNION ALL
    SELECT organisation_id, NULL, COUNT(DISTINCT session_id), COUNT(*)
    FROM (
        SELECT DISTINCT d.organisation_id, a.session_id, a.person_id
        FROM attendee a JOIN department d ON d.id = a.department_id
    ) per_organisation
    GROUP BY organisation_id
),
report_row AS (
    SELECT organisation_id, id AS department_id FROM department
    UNION ALL
    SELECT id, NULL FROM organisation
)
SELECT rr.organisation_id, rr.department_id,
    COALESCE(pr.required, 0), COALESCE(pr.trained, 0), COALESCE(sr.sessions, 0), COALESCE(sr.attendees, 0)
FROM report_row rr
LEFT JOIN people_rows pr
    ON pr.organisation_id = rr.organisation_id AND pr.department_id {same} rr.department_id
LEFT JOIN session_rows sr
    ON sr.organisation_id = rr.organisation_id AND sr.department_id {same} rr.department_id
"""


def statement(dialect: str):
    """The hand-written statement for "sqlite" or "postgresql", with typed parameters."""
    sql = _STATEMENT.format(
        london_date=_LONDON_DATE[dialect],
        job_title_matches=_JOB_TITLE_MATCHES[dialect],
        same=_SAME_DEPARTMENT[dialect],
    )
    return text(sql).bindparams(
        bindparam("course_id", type_=Integer()),
        bindparam("as_of", type_=Date()),
        bindparam("period_from", type_=UTCDateTime()),
        bindparam("period_to", type_=UTCDateTime()),
    )


@dataclass(frozen=True)
class Numbers:
    required: int
    trained: int
    sessions_delivered: int
    attendees: int


def coverage_numbers(
    connection: Connection, *, course_id: int, as_of: date, period_start: date
) -> dict[tuple[int, int | None], Numbers]:
    """{(organisation_id, department_id or None for the total): Numbers} for every organisation and department."""
    result = connection.execute(
        statement(connection.dialect.name),
        {
            "course_id": course_id,
            "as_of": as_of,
            "period_from": start_of_london_day(period_start),
            "period_to": end_of_london_day(as_of),
        },
    )
    return {(o, d): Numbers(*map(int, counts)) for o, d, *counts in result}

"""Historic training records from CSV: all or nothing, every bad line named, a fixed number of queries.

Format (UTF-8, with or without a byte-order mark, header row first):
`organisation,employee_ref,course_code,completed_on,source` — `completed_on` as YYYY-MM-DD, `source`
one of `import` or `equivalent_evidence` (blank means `import`).

Every row is checked before anything is written; one bad row refuses the whole file and every bad
line is reported with its number and reason. Lookups are done in bulk (organisations, courses, the
people of the organisations named, and their existing records of the courses named), so the number
of SQL statements does not depend on the number of rows. A row repeating an existing record (same
person, course and completion date) is skipped and counted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert, select

from tracker.accounts.models import UserAccount
from tracker.attendance.models import RecordSource, TrainingRecord
from tracker.attendance.services import expiry_for
from tracker.attendance.trained import NewRecord, leave_waiting_lists
from tracker.common.audit import record_event
from tracker.common.errors import TrackerError
from tracker.common.time import parse_iso_date, today_london, utc_now
from tracker.courses.models import Course
from tracker.extensions import db
from tracker.people.models import Organisation, Person

COLUMNS = ("organisation", "employee_ref", "course_code", "completed_on", "source")
#: Sources a file may give; attendance records come only from signed-off registers.
IMPORTABLE_SOURCES = {
    "": RecordSource.IMPORT,
    "import": RecordSource.IMPORT,
    "equivalent_evidence": RecordSource.EQUIVALENT_EVIDENCE,
}
#: How often (in rows) the progress callback is called.
PROGRESS_EVERY = 500


@dataclass(frozen=True)
class ImportProblem:
    """One bad line (or the whole file, when `line` is None) and why."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line is not None else self.message


class TrainingImportError(TrackerError):
    """The file was refused; nothing was written. `problems` names every bad line."""

    code = "import_refused"

    def __init__(self, problems: list[ImportProblem]) -> None:
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"The file has {count} {noun}, so nothing was imported", field="file")
        self.problems = problems


@dataclass
class ImportSummary:
    #: Data rows read (blank lines aside).
    rows: int
    #: Records written (or, on a dry run, that would be written).
    created: int
    #: Rows repeating a record already held (same person, course, completion date), left out.
    skipped: int
    dry_run: bool


@dataclass
class ParsedRow:
    line: int
    organisation: str
    employee_ref: str
    course_code: str
    completed_on: str
    source: str


@dataclass
class ParsedFile:
    rows: list[ParsedRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


def decode(content: bytes) -> str:
    """The file's text; UTF-8 with or without a byte-order mark. Raises TrainingImportError otherwise."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise TrainingImportError(
            [ImportProblem(line, "this line is not UTF-8 text: save the file as CSV UTF-8 and try again")]
        ) from error


def parse(text: str) -> ParsedFile:
    """Split the CSV into rows with their line numbers; shape problems (header, column count) only."""
    parsed = ParsedFile()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            parsed.problems.append(ImportProblem(None, "The file is empty: it needs a header row and a row per record"))
            return parsed
        names = [cell.strip().lower() for cell in header]
        header_problem = check_header(names)
        if header_problem:
            parsed.problems.append(ImportProblem(1, header_problem))
            return parsed
        position = {name: names.index(name) for name in COLUMNS}
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                parsed.problems.append(
                    ImportProblem(
                        reader.line_num, f"expected {len(names)} values separated by commas, found {len(row)}"
                    )
                )
                continue
            if any("\x00" in cell for cell in row):
                parsed.problems.append(
                    ImportProblem(reader.line_num, "contains a NUL character (0x00): save the file again as CSV UTF-8")
                )
                continue
            values = {name: row[index].strip() for name, index in position.items()}
            parsed.rows.append(ParsedRow(line=reader.line_num, **values))
    except csv.Error as error:
        parsed.problems.append(ImportProblem(reader.line_num, f"this line is not valid CSV ({error})"))
    return parsed


def check_header(names: list[str]) -> str | None:
    """What is wrong with the header row, or None."""
    expected = ", ".join(COLUMNS)
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        return f"the header is missing {', '.join(missing)}: the first row must be {expected}"
    extra = [n or "(blank)" for n in names if n not in COLUMNS]
    if extra:
        return f"the header has unexpected columns ({', '.join(extra)}): the first row must be {expected}"
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        return f"the header repeats {', '.join(repeated)}: the first row must be {expected}"
    return None


def import_training_records(
    *,
    content: bytes,
    actor: UserAccount | None,
    actor_label: str | None = None,
    dry_run: bool = False,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Check every row of a training-records CSV and, unless `dry_run`, add the records.

    Returns an ImportSummary. Raises TrainingImportError (nothing written) naming every bad line:
    bad header, wrong number of values, unknown organisation, unknown employee reference in that
    organisation, unknown course code, a bad or future date, an unknown source, a row repeated in the file.
    `progress(n)` is told every few hundred rows how many more have been checked.
    """
    today = today or today_london()
    parsed = parse(decode(content))
    problems = list(parsed.problems)
    if parsed.problems and parsed.problems[0].line in (None, 1) and not parsed.rows:
        raise TrainingImportError(problems)

    # Bulk lookups: a fixed number of queries whatever the number of rows.
    organisations = {
        name.lower(): org_id for org_id, name in db.session.execute(select(Organisation.id, Organisation.name))
    }
    courses_by_code: dict[str, Course] = {}
    for course in db.session.scalars(select(Course)):
        courses_by_code.setdefault(course.code.lower(), course)
        courses_by_code[course.code] = course
    org_ids = sorted(
        {organisations[r.organisation.lower()] for r in parsed.rows if r.organisation.lower() in organisations}
    )
    people: dict[tuple[int, str], tuple[int, bool]] = {
        (org_id, ref): (person_id, erased_at is not None)
        for person_id, org_id, ref, erased_at in db.session.execute(
            select(Person.id, Person.organisation_id, Person.employee_ref, Person.erased_at).where(
                Person.organisation_id.in_(org_ids), Person.employee_ref.is_not(None)
            )
        )
    }
    course_ids = sorted({c.id for c in courses_by_code.values()})
    existing: set[tuple[int, int, date]] = {
        (person_id, course_id, completed_on)
        for person_id, course_id, completed_on in db.session.execute(
            select(TrainingRecord.person_id, TrainingRecord.course_id, TrainingRecord.completed_on)
            .join(Person, Person.id == TrainingRecord.person_id)
            .where(Person.organisation_id.in_(org_ids), TrainingRecord.course_id.in_(course_ids))
        )
    }

    seen: dict[tuple[int, int, date], int] = {}
    to_add: list[dict] = []
    skipped = 0
    now = utc_now()
    created_by_id = actor.person_id if actor is not None else None
    for count, row in enumerate(parsed.rows, start=1):
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
        reasons: list[str] = []
        org_id = organisations.get(row.organisation.lower())
        person_id = None
        if not row.organisation:
            reasons.append("enter the organisation")
        elif org_id is None:
            reasons.append(f'unknown organisation "{row.organisation}"')
        if not row.employee_ref:
            reasons.append("enter the employee_ref")
        elif org_id is not None:
            found = people.get((org_id, row.employee_ref))
            if found is None:
                reasons.append(f'no person with employee_ref "{row.employee_ref}" in {row.organisation}')
            elif found[1]:
                reasons.append(f'the person with employee_ref "{row.employee_ref}" has been erased')
            else:
                person_id = found[0]
        course = courses_by_code.get(row.course_code) or courses_by_code.get(row.course_code.lower())
        if not row.course_code:
            reasons.append("enter the course_code")
        elif course is None:
            reasons.append(f'unknown course_code "{row.course_code}"')
        completed_on = None
        if not row.completed_on:
            reasons.append("enter completed_on as YYYY-MM-DD")
        else:
            try:
                completed_on = parse_iso_date(row.completed_on)
            except ValueError:
                reasons.append(f'completed_on "{row.completed_on}" is not a real date as YYYY-MM-DD')
            else:
                if completed_on > today:
                    reasons.append(f"completed_on {completed_on.isoformat()} is in the future")
                    completed_on = None
        source = IMPORTABLE_SOURCES.get(row.source.lower())
        if source is None:
            reasons.append(f'source "{row.source}" must be import or equivalent_evidence (or blank for import)')
        if not reasons and person_id is not None and course is not None and completed_on is not None:
            key = (person_id, course.id, completed_on)
            if key in seen:
                reasons.append(f"repeats line {seen[key]} (same person, course and completion date)")
            else:
                seen[key] = row.line
                if key in existing:
                    skipped += 1
                else:
                    to_add.append(
                        {
                            "person_id": person_id,
                            "course_id": course.id,
                            "completed_on": completed_on,
                            "expires_on": expiry_for(course, completed_on),
                            "source": source,
                            "created_by_id": created_by_id,
                            "created_at": now,
                        }
                    )
        if reasons:
            problems.append(ImportProblem(row.line, "; ".join(reasons)))
    if progress is not None:
        progress(len(parsed.rows) % PROGRESS_EVERY)

    if problems:
        problems.sort(key=lambda p: p.line or 0)
        raise TrainingImportError(problems)
    if not parsed.rows:
        raise TrainingImportError([ImportProblem(None, "The file has a header but no records")])

    summary = ImportSummary(rows=len(parsed.rows), created=len(to_add), skipped=skipped, dry_run=dry_run)
    if dry_run:
        return summary
    if to_add:
        db.session.execute(insert(TrainingRecord), to_add)
        leave_waiting_lists([NewRecord(r["person_id"], r["course_id"], r["expires_on"]) for r in to_add], now=now)
    record_event(
        "training_records.imported",
        actor=actor,
        actor_label=actor_label,
        object_type="training_record",
        after={"rows": summary.rows, "created": summary.created, "skipped": summary.skipped},
    )
    db.session.flush()
    return summary

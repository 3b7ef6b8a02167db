"""A roster file's lines: reading the CSV, what each line says, the problems found in it, and the result of an import."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

from tracker.common.errors import ConflictError, TrackerError
from tracker.common.time import parse_iso_date
from tracker.people.models import Organisation
from tracker.people.services import (
    DEPARTMENT_NAME_MAX,
    DEPARTMENT_PATH_MAX,
    NAME_MAX,
    clean_text,
    email_problem,
    normalise_email,
)

HEADER = (
    "organisation",
    "employee_ref",
    "first_name",
    "last_name",
    "email",
    "department",
    "job_title",
    "line_manager_ref",
    "start_date",
    "end_date",
)


AUDIT_ACTION = "roster.imported"


#: RosterSummary counter for each outcome of a row.
OUTCOME_COUNTERS = {
    "created": "created",
    "leaver": "leavers",
    "moved": "moved",
    "updated": "updated",
    "unchanged": "unchanged",
}


@dataclass(frozen=True)
class LineProblem:
    """One reason a line of the file was refused."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


class RosterRefusedError(TrackerError):
    """The file was refused; `problems` names every bad line. Nothing was written."""

    code = "roster_refused"

    def __init__(self, problems: list[LineProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line)
        lines = len({p.line for p in self.problems})
        super().__init__(
            f"The file was not imported: {lines} {'line has' if lines == 1 else 'lines have'} a problem. "
            "Nothing was changed.",
            field="file",
        )


class RosterConflictError(ConflictError):
    """Someone changed the same people while the file was being imported. Nothing was written."""

    code = "roster_conflict"


@dataclass
class RosterSummary:
    """What an import did (or, checked only, would do). Each person is counted once: created, leaver,
    moved, updated (other details) or unchanged, in that order of precedence."""

    effective: date
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    moved: int = 0
    leavers: int = 0
    unchanged: int = 0
    departments_created: int = 0
    #: The audit event that records the import (None for a dry run).
    event_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["effective"] = self.effective.isoformat()
        del values["event_id"]
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, event_id: int | None = None) -> RosterSummary:
        known = {f.name for f in fields(cls)} - {"effective", "event_id"}
        return cls(
            effective=date.fromisoformat(values["effective"]),
            event_id=event_id,
            **{key: value for key, value in values.items() if key in known},
        )

    def lines(self) -> list[tuple[str, int]]:
        """(label, count) in the order pages and the command line show them."""
        return [
            ("Rows", self.rows),
            ("Created", self.created),
            ("Updated", self.updated),
            ("Moved to another department", self.moved),
            ("Leavers", self.leavers),
            ("Unchanged", self.unchanged),
            ("Departments created", self.departments_created),
        ]


@dataclass(frozen=True)
class RawLine:
    """A non-blank line of the file, split into its cells."""

    line: int
    cells: list[str]


def read_roster(data: bytes) -> list[RawLine]:
    """The data lines of a roster file. Raises RosterRefusedError if it is not UTF-8 CSV with the header."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RosterRefusedError(
            [LineProblem(line, "is not UTF-8 text: save the file as “CSV UTF-8” and try again")]
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    lines: list[RawLine] = []
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise RosterRefusedError([LineProblem(1, "the file is empty: the first line must be the header")])
        found = [cell.strip().lower() for cell in header]
        if found != list(HEADER):
            raise RosterRefusedError(
                [LineProblem(1, f"the header must be exactly {','.join(HEADER)} (found {','.join(found)})")]
            )
        previous = reader.line_num
        for cells in reader:
            line, previous = previous + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                lines.append(RawLine(line, cells))
    except csv.Error as error:
        raise RosterRefusedError([LineProblem(reader.line_num, f"cannot be read as CSV ({error})")]) from error
    if not lines:
        raise RosterRefusedError([LineProblem(2, "the file has a header but no people")])
    return lines


@dataclass
class RosterLine:
    line: int
    organisation_id: int
    employee_ref: str
    first_name: str
    last_name: str
    email: str | None
    department_path: str | None
    job_title: str | None
    line_manager_ref: str | None
    start_date: date | None
    end_date: date | None

    @property
    def key(self) -> tuple[int, str]:
        return (self.organisation_id, self.employee_ref)


def _date(value: str, name: str, problems: list[LineProblem], line: int) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return parse_iso_date(value)
    except ValueError:
        problems.append(LineProblem(line, f'{name} "{value}" is not a date like 2026-01-31 (YYYY-MM-DD)'))
        return None


def _department_path(value: str, problems: list[LineProblem], line: int) -> str | None:
    if not value.strip():
        return None
    parts = [clean_text(part) for part in value.split("/")]
    if any(part is None for part in parts):
        problems.append(LineProblem(line, f'department "{value.strip()}" has an empty name between slashes'))
        return None
    if any(len(part) > DEPARTMENT_NAME_MAX for part in parts):  # type: ignore[arg-type]
        problems.append(LineProblem(line, f"a department name is longer than {DEPARTMENT_NAME_MAX} characters"))
        return None
    path = "/".join(parts)  # type: ignore[arg-type]
    if len(path) > DEPARTMENT_PATH_MAX:
        problems.append(
            LineProblem(
                line, f"department is {len(path)} characters long with its slashes: {DEPARTMENT_PATH_MAX} at most"
            )
        )
        return None
    return path


def parse_line(raw: RawLine, organisations: dict[str, Organisation], problems: list[LineProblem]) -> RosterLine | None:
    line, cells = raw.line, raw.cells
    if len(cells) != len(HEADER):
        problems.append(LineProblem(line, f"has {len(cells)} columns; every line needs {len(HEADER)}"))
        return None
    if any("\x00" in cell for cell in cells):  # never in a name; and PostgreSQL cannot store it
        problems.append(LineProblem(line, "contains a NUL character (0x00): save the file again as CSV UTF-8"))
        return None
    values = dict(zip(HEADER, cells, strict=True))
    before = len(problems)
    organisation = None
    organisation_name = clean_text(values["organisation"])
    if not organisation_name:
        problems.append(LineProblem(line, "organisation is blank"))
    else:
        organisation = organisations.get(organisation_name.lower())
        if organisation is None:
            problems.append(LineProblem(line, f'there is no organisation called "{organisation_name}"'))
    employee_ref = values["employee_ref"].strip()
    if not employee_ref:
        problems.append(LineProblem(line, "employee_ref is blank"))
    elif len(employee_ref) > 64:
        problems.append(LineProblem(line, "employee_ref is longer than 64 characters"))
    names = {}
    for name in ("first_name", "last_name"):
        names[name] = clean_text(values[name])
        if not names[name]:
            problems.append(LineProblem(line, f"{name} is blank"))
        elif len(names[name]) > NAME_MAX:
            problems.append(LineProblem(line, f"{name} is longer than {NAME_MAX} characters"))
    email = normalise_email(values["email"])
    if email_problem(email):
        problems.append(LineProblem(line, f'email "{values["email"].strip()}" is not a valid email address'))
    department_path = _department_path(values["department"], problems, line)
    job_title = clean_text(values["job_title"])
    if job_title and len(job_title) > 200:
        problems.append(LineProblem(line, "job_title is longer than 200 characters"))
    line_manager_ref = values["line_manager_ref"].strip() or None
    if line_manager_ref and line_manager_ref == employee_ref:
        problems.append(LineProblem(line, "line_manager_ref is the person's own employee_ref"))
    start_date = _date(values["start_date"], "start_date", problems, line)
    end_date = _date(values["end_date"], "end_date", problems, line)
    if start_date and end_date and end_date < start_date:
        problems.append(LineProblem(line, f"end_date {end_date} is before start_date {start_date}"))
    if len(problems) > before or organisation is None:
        return None
    return RosterLine(
        line=line,
        organisation_id=organisation.id,
        employee_ref=employee_ref,
        first_name=names["first_name"],  # type: ignore[arg-type]
        last_name=names["last_name"],  # type: ignore[arg-type]
        email=email,
        department_path=department_path,
        job_title=job_title,
        line_manager_ref=line_manager_ref,
        start_date=start_date,
        end_date=end_date,
    )

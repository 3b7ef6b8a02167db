"""Roster import: an HR export of people (CSV) brought in as one all-or-nothing change.

The format (DESIGN.md), UTF-8 with or without a byte-order mark, one person a row:

    organisation,employee_ref,first_name,last_name,email,department,job_title,line_manager_ref,start_date,end_date

How it works, in two phases:

1. **Check** every line against the file and the database, naming every bad line with its number and
   reason. The database is read in a fixed number of bulk queries (organisations, the people of the
   organisations in the file, every other email address, their placements, their departments),
   never once per row. If any line is bad, nothing is written.
2. **Write** in a fixed number of bulk statements (executemany), whatever the number of rows:
   missing departments, updated people, new people, line managers, closed and new placements, and
   one audit event with the summary. The caller commits once; any failure rolls all of it back.

Rules, for a person already known by organisation and `employee_ref` (or, for someone added by hand
without an HR reference, by their email address in that organisation):

- names are replaced; a blank `email`, `job_title`, `line_manager_ref`, `start_date`, `department` or
  `end_date` keeps what is stored (an import never erases; use the person's page to clear a value);
- a different department moves them from the *effective date* (default today): the current placement
  ends that day and a new one starts (placements are [from, to)); `department` may be a path
  ("Children and Family Services/Fostering") and missing departments are created;
- an `end_date` marks a leaver: their placement ends on that date, and from it they count nowhere. A
  department change that would take effect on or after their leave date is ignored.

New people are placed from their `start_date` (else the effective date), so reports as of past dates
count them in their department from the day they started.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from tracker.common.audit import AuditEvent, record_event
from tracker.common.time import today_london, utc_now
from tracker.extensions import db
from tracker.people import placements as rules
from tracker.people.models import Department, Organisation, Person, Placement
from tracker.people.roster_lines import (
    AUDIT_ACTION,
    OUTCOME_COUNTERS,
    LineProblem,
    RawLine,
    RosterConflictError,
    RosterLine,
    RosterRefusedError,
    RosterSummary,
    parse_line,
    read_roster,
)

if TYPE_CHECKING:
    from tracker.accounts.models import UserAccount


# --- Reading the file ----------------------------------------------------------------------------------


# --- Checking ------------------------------------------------------------------------------------------

DepartmentKey = tuple[int, str]  # (organisation id, path lower-cased)


@dataclass
class _Known:
    """A stored person, as plain values."""

    id: int
    organisation_id: int | None
    employee_ref: str | None
    first_name: str
    last_name: str
    email: str | None
    job_title: str | None
    line_manager_id: int | None
    start_date: date | None
    end_date: date | None
    spans: list[rules.Span] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class _Plan:
    """One row's outcome: what to store for the person and their placements."""

    row: RosterLine
    known: _Known | None
    values: dict[str, Any]
    spans_before: list[rules.Span]
    spans_after: list[rules.Span]
    outcome: str  # created | leaver | moved | updated | unchanged


class _Import:
    """One import: the bulk reads, the checks, and the bulk writes."""

    def __init__(self, effective: date, progress: Callable[[int], None] | None) -> None:
        self.effective = effective
        self.progress = progress or (lambda _n: None)
        self.problems: list[LineProblem] = []
        self.organisations: dict[int, Organisation] = {}
        #: (organisation id, path lower-cased) -> (department id or None if new, path as written)
        self.departments: dict[DepartmentKey, tuple[int | None, str]] = {}
        self.department_keys: dict[int, DepartmentKey] = {}

    # Reads: a fixed number of queries whatever the size of the file.

    def load_organisations(self) -> dict[str, Organisation]:
        organisations = list(db.session.scalars(select(Organisation)))
        self.organisations = {o.id: o for o in organisations}
        return {o.name.lower(): o for o in organisations}

    def load_people(self, organisation_ids: set[int]) -> None:
        self.known: dict[tuple[int, str], _Known] = {}
        self.known_by_id: dict[int, _Known] = {}
        #: People of these organisations without an HR reference, by (organisation, email): adoptable.
        self.unreferenced: dict[tuple[int, str], _Known] = {}
        columns = (
            Person.id,
            Person.organisation_id,
            Person.employee_ref,
            Person.first_name,
            Person.last_name,
            Person.email,
            Person.job_title,
            Person.line_manager_id,
            Person.start_date,
            Person.end_date,
        )
        # People outside every organisation (the first coordinator, made before any organisation) are
        # adopted by the first roster line with their email address.
        in_these = or_(Person.organisation_id.in_(organisation_ids), Person.organisation_id.is_(None))
        for row in db.session.execute(select(*columns).where(in_these)):
            known = _Known(*row)
            self.known_by_id[known.id] = known
            if known.organisation_id is None:
                if known.email:
                    self.unreferenced.update({(oid, known.email): known for oid in organisation_ids})
            elif known.employee_ref:
                self.known[(known.organisation_id, known.employee_ref)] = known
            elif known.email:
                self.unreferenced[(known.organisation_id, known.email)] = known
        #: Every stored email address -> (person id, who, where): a new address must not be someone else's.
        self.email_owners: dict[str, tuple[int, str]] = {
            k.email: (k.id, self._who(k)) for k in self.known_by_id.values() if k.email
        }
        others = db.session.execute(
            select(Person.id, Person.email, Person.first_name, Person.last_name, Organisation.name)
            .join(Organisation, Organisation.id == Person.organisation_id)
            .where(Person.email.is_not(None), Person.organisation_id.not_in(organisation_ids))
        )
        for person_id, email, first_name, last_name, organisation_name in others:
            self.email_owners[email] = (person_id, f"{first_name} {last_name} at {organisation_name}")
        for department_id, organisation_id, path in db.session.execute(
            select(Department.id, Department.organisation_id, Department.path).where(
                Department.organisation_id.in_(organisation_ids)
            )
        ):
            key = (organisation_id, path.lower())
            self.departments[key] = (department_id, path)
            self.department_keys[department_id] = key
        for placement in db.session.execute(
            select(Placement.id, Placement.person_id, Placement.department_id, Placement.from_date, Placement.to_date)
            .join(Person, Person.id == Placement.person_id)
            .where(Person.organisation_id.in_(organisation_ids))
        ):
            placement_id, person_id, department_id, from_date, to_date = placement
            if department_id not in self.department_keys:  # placed in another organisation's department
                self.department_keys[department_id] = (0, f"#{department_id}")
                self.departments[(0, f"#{department_id}")] = (department_id, "a department of another organisation")
            key = self.department_keys[department_id]
            self.known_by_id[person_id].spans.append(
                rules.Span(id=placement_id, department=key, from_date=from_date, to_date=to_date)
            )

    def _who(self, known: _Known) -> str:
        ref = f", employee_ref {known.employee_ref}" if known.employee_ref else ""
        where = self.organisations[known.organisation_id].name if known.organisation_id else "no organisation"
        return f"{known.full_name} ({where}{ref})"

    def describe(self, key: Hashable) -> str:
        return self.departments.get(key, (None, str(key)))[1]  # type: ignore[arg-type]

    def department_key(self, organisation_id: int, path: str) -> DepartmentKey:
        """The key of a department path, adding it (and its missing parents) as to be created."""
        key = (organisation_id, path.lower())
        if key not in self.departments:
            parts = path.split("/")
            for depth in range(1, len(parts) + 1):
                prefix = "/".join(parts[:depth])
                self.departments.setdefault((organisation_id, prefix.lower()), (None, prefix))
        return key

    # Checks

    def check(self, raw_lines: list[RawLine]) -> list[_Plan]:
        by_name = self.load_organisations()
        rows: list[RosterLine] = []
        for raw in raw_lines:
            row = parse_line(raw, by_name, self.problems)
            if row is not None:
                rows.append(row)
        self.load_people({row.organisation_id for row in rows})

        first_line_of_key: dict[tuple[int, str], int] = {}
        first_line_of_email: dict[str, int] = {}
        matched: dict[int, RosterLine] = {}  # stored person id -> the row that updates them
        targets: dict[int, _Known | None] = {}  # line -> stored person, None for a new one
        for row in rows:
            organisation = self.organisations[row.organisation_id]
            if row.key in first_line_of_key:
                self.problems.append(
                    LineProblem(
                        row.line,
                        f"employee_ref {row.employee_ref} at {organisation.name} is also on line "
                        f"{first_line_of_key[row.key]}",
                    )
                )
                continue
            first_line_of_key[row.key] = row.line
            if row.email is not None:
                if row.email in first_line_of_email:
                    self.problems.append(
                        LineProblem(row.line, f"email {row.email} is also on line {first_line_of_email[row.email]}")
                    )
                    continue
                first_line_of_email[row.email] = row.line
            known = self.known.get(row.key)
            if known is None and row.email is not None:
                known = self.unreferenced.get((row.organisation_id, row.email))
            targets[row.line] = known
            if known is not None:
                matched[known.id] = row

        in_file = set(first_line_of_key)
        plans: list[_Plan] = []
        for row in rows:
            if row.line not in targets:
                continue
            known = targets[row.line]
            organisation = self.organisations[row.organisation_id]
            before = len(self.problems)
            if row.email is not None and row.email in self.email_owners:
                owner_id, who = self.email_owners[row.email]
                owner_row = matched.get(owner_id)
                owner_keeps_it = owner_row is None or owner_row.email in (None, row.email)
                if (known is None or owner_id != known.id) and owner_keeps_it:
                    self.problems.append(LineProblem(row.line, f"email {row.email} already belongs to {who}"))
            if row.line_manager_ref is not None:
                manager_key = (row.organisation_id, row.line_manager_ref)
                if manager_key not in in_file and manager_key not in self.known:
                    self.problems.append(
                        LineProblem(
                            row.line,
                            f"line_manager_ref {row.line_manager_ref} is not an employee_ref in this file "
                            f"or at {organisation.name}",
                        )
                    )
            plan = self.plan(row, known)
            if plan is not None and len(self.problems) == before:
                plans.append(plan)
            self.progress(1)
        self.progress(len(raw_lines) - len(targets))
        if self.problems:
            raise RosterRefusedError(self.problems)
        return plans

    def plan(self, row: RosterLine, known: _Known | None) -> _Plan | None:
        target = self.department_key(row.organisation_id, row.department_path) if row.department_path else None
        if known is None:
            spans: list[rules.Span] = []
            placed_from = row.start_date or self.effective
            if target is not None and (row.end_date is None or placed_from < row.end_date):
                spans = [rules.Span(department=target, from_date=placed_from, to_date=row.end_date)]
            values = {
                "organisation_id": row.organisation_id,
                "employee_ref": row.employee_ref,
                "first_name": row.first_name,
                "last_name": row.last_name,
                "email": row.email,
                "job_title": row.job_title,
                "start_date": row.start_date,
                "end_date": row.end_date,
            }
            return _Plan(row, None, values, [], spans, "created")

        values = {
            "organisation_id": row.organisation_id,
            "employee_ref": row.employee_ref,
            "first_name": row.first_name,
            "last_name": row.last_name,
            "email": row.email if row.email is not None else known.email,
            "job_title": row.job_title if row.job_title is not None else known.job_title,
            "start_date": row.start_date or known.start_date,
            "end_date": row.end_date or known.end_date,
        }
        if values["start_date"] and values["end_date"] and values["end_date"] < values["start_date"]:
            self.problems.append(
                LineProblem(
                    row.line, f"end_date {values['end_date']} is before their start date {values['start_date']}"
                )
            )
            return None
        spans = known.spans
        leaving = row.end_date is not None and row.end_date != known.end_date
        moving = False
        if known.organisation_id is None and not spans and target is not None:
            # Adopted from outside every organisation (the first coordinator): placed as a new person is.
            placed_from = values["start_date"] or self.effective
            if values["end_date"] is None or placed_from < values["end_date"]:
                spans = [rules.Span(department=target, from_date=placed_from, to_date=values["end_date"])]
            return _Plan(row, known, values, known.spans, spans, "updated")
        try:
            if leaving:
                spans = rules.leave(
                    spans, old_leave_date=known.end_date, new_leave_date=row.end_date, describe=self.describe
                )
            last = rules.latest(spans)
            final_end = values["end_date"]
            changes_department = target is not None and (last is None or last.department != target)
            # A department change that would take effect on or after their leave date is ignored.
            if changes_department and (final_end is None or self.effective < final_end):
                spans = rules.move(
                    spans, department=target, on=self.effective, leave_date=final_end, describe=self.describe
                )
                moving = True
        except rules.PlacementDateError as error:
            what = (
                f"cannot move them to {row.department_path} from {self.effective}"
                if error.field != "end_date"
                else f"cannot mark them as leaving on {row.end_date}"
            )
            self.problems.append(LineProblem(row.line, f"{what}: {error.message[0].lower()}{error.message[1:]}"))
            return None
        stored = {key: getattr(known, key) for key in values}
        if leaving:
            outcome = "leaver"
        elif moving:
            outcome = "moved"
        elif stored != values or self.manager_changes(row, known):
            outcome = "updated"
        else:
            outcome = "unchanged"
        return _Plan(row, known, values, known.spans, spans, outcome)

    def manager_changes(self, row: RosterLine, known: _Known) -> bool:
        if row.line_manager_ref is None:
            return False
        manager = self.known.get((row.organisation_id, row.line_manager_ref))
        return manager is None or manager.id != known.line_manager_id

    # Writes: a fixed number of bulk statements whatever the size of the file.

    def write(self, plans: list[_Plan]) -> tuple[list[str], dict[str, list[int]]]:
        """Store the plans with Core executemany statements (one per kind of change, however many rows);
        returns the paths of the departments created and the ids of the people changed, by outcome."""
        department_ids, created_paths = self.create_departments()
        now = utc_now()
        updates = [p for p in plans if p.known is not None and p.outcome != "unchanged"]
        changing_email = [p.known.id for p in updates if p.values["email"] != p.known.email]  # type: ignore[union-attr]
        if changing_email:
            # Clear changing addresses first, so two people may swap theirs in one file.
            _update_by_id(PERSON, [{"id": person_id, "email": None} for person_id in changing_email])
        _update_by_id(PERSON, [{"id": p.known.id, **p.values, "updated_at": now} for p in updates])  # type: ignore[union-attr]
        _insert(PERSON, [{**p.values, "created_at": now, "updated_at": now} for p in plans if p.known is None])
        organisation_ids = {p.row.organisation_id for p in plans}
        person_ids: dict[tuple[int, str], int] = {
            (organisation_id, ref): person_id
            for person_id, organisation_id, ref in db.session.execute(
                select(Person.id, Person.organisation_id, Person.employee_ref).where(
                    Person.organisation_id.in_(organisation_ids), Person.employee_ref.is_not(None)
                )
            )
        }
        managers = []
        for plan in plans:
            if plan.row.line_manager_ref is None:
                continue
            manager_id = person_ids[(plan.row.organisation_id, plan.row.line_manager_ref)]
            if plan.known is None or plan.known.line_manager_id != manager_id:
                managers.append({"id": person_ids[plan.row.key], "line_manager_id": manager_id})
        _update_by_id(PERSON, managers)
        changed_placements, new_placements = [], []
        for plan in plans:
            updated, added = rules.changes(plan.spans_before, plan.spans_after)
            for span in updated:
                changed_placements.append(
                    {
                        "id": span.id,
                        "department_id": department_ids[span.department],
                        "from_date": span.from_date,
                        "to_date": span.to_date,
                    }
                )
            person_id = person_ids[plan.row.key]
            for span in added:
                new_placements.append(
                    {
                        "person_id": person_id,
                        "department_id": department_ids[span.department],
                        "from_date": span.from_date,
                        "to_date": span.to_date,
                    }
                )
        _update_by_id(PLACEMENT, changed_placements)
        _insert(PLACEMENT, new_placements)
        changed: dict[str, list[int]] = {}
        for plan in plans:
            if plan.outcome != "unchanged":
                changed.setdefault(OUTCOME_COUNTERS[plan.outcome], []).append(person_ids[plan.row.key])
        return created_paths, changed

    def create_departments(self) -> tuple[dict[Hashable, int], list[str]]:
        """Create the departments the file names that do not exist yet, one level of nesting at a time
        (two statements a level); returns every department key -> id, and the paths created."""
        ids: dict[Hashable, int] = {
            key: department_id for key, (department_id, _) in self.departments.items() if department_id
        }
        pending = [(key, path) for key, (department_id, path) in self.departments.items() if department_id is None]
        created: list[str] = []
        now = utc_now()
        for depth in sorted({path.count("/") for _, path in pending}):
            level = [(key, path) for key, path in pending if path.count("/") == depth]
            rows = []
            for (organisation_id, _), path in level:
                parent_path, _, name = path.rpartition("/")
                parent_id = ids[(organisation_id, parent_path.lower())] if parent_path else None
                rows.append(
                    {
                        "organisation_id": organisation_id,
                        "parent_id": parent_id,
                        "name": name,
                        "path": path,
                        "created_at": now,
                    }
                )
            _insert(DEPARTMENT, rows)
            organisation_ids = {key[0] for key, _ in level}
            stored = db.session.execute(
                select(Department.id, Department.organisation_id, Department.path).where(
                    Department.organisation_id.in_(organisation_ids)
                )
            )
            for department_id, organisation_id, path in stored:
                ids.setdefault((organisation_id, path.lower()), department_id)
            created.extend(path for _, path in level)
        return ids, created


PERSON = Person.__table__
PLACEMENT = Placement.__table__
DEPARTMENT = Department.__table__


def _insert(table, rows: list[dict[str, Any]]) -> None:
    """One executemany INSERT (no RETURNING), however many rows."""
    if rows:
        db.session.execute(insert(table), rows)


def _update_by_id(table, rows: list[dict[str, Any]]) -> None:
    """One executemany UPDATE ... WHERE id = :row_id; every row must have the same keys."""
    if not rows:
        return
    statement = update(table).where(table.c.id == bindparam("row_id"))
    db.session.execute(
        statement, [{"row_id": row["id"], **{k: v for k, v in row.items() if k != "id"}} for row in rows]
    )


def import_roster(
    lines: list[RawLine],
    *,
    effective: date | None = None,
    dry_run: bool = False,
    actor: UserAccount | None = None,
    actor_label: str | None = None,
    filename: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> RosterSummary:
    """Check every line of a roster and, unless `dry_run`, store it all (the caller commits once).

    `progress` is called with the number of lines checked as the check goes. Raises
    RosterRefusedError naming every bad line (nothing written), or RosterConflictError if someone
    changed the same people meanwhile (the caller must roll back).
    """
    effective = effective or today_london()
    job = _Import(effective, progress)
    plans = job.check(lines)
    summary = RosterSummary(effective=effective, dry_run=dry_run, rows=len(lines))
    for plan in plans:
        counter = OUTCOME_COUNTERS[plan.outcome]
        setattr(summary, counter, getattr(summary, counter) + 1)
    summary.departments_created = sum(1 for department_id, _ in job.departments.values() if department_id is None)
    if dry_run:
        return summary
    try:
        created_departments, changed_people = job.write(plans)
    except IntegrityError as error:
        raise RosterConflictError(
            "Someone changed some of these people while the file was being imported, so nothing was "
            "imported. Try again."
        ) from error
    audit = record_event(
        AUDIT_ACTION,
        actor=actor,
        actor_label=actor_label,
        object_type="roster",
        # Which people changed, so the log can answer "who did this import touch?".
        after={**summary.as_dict(), "file": filename, "departments": created_departments, "people": changed_people},
    )
    db.session.flush()
    summary.event_id = audit.id
    return summary


def import_roster_file(data: bytes, **options: Any) -> RosterSummary:
    """read_roster then import_roster: see both."""
    return import_roster(read_roster(data), **options)


def get_import_summary(event_id: int) -> RosterSummary | None:
    """What an import did, from its audit event (so a page can show it after a redirect)."""
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.id == event_id, AuditEvent.action == AUDIT_ACTION))
    return RosterSummary.from_dict(event.after, event_id=event.id) if event is not None and event.after else None

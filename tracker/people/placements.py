"""The date rules of placements, as pure functions shared by the person pages, the API and the roster import.

A placement covers the half-open range [from_date, to_date): on `to_date` the person is no longer
there. A move on day D closes the current placement at D (its `to_date = D`) and opens the new one
from D, so on D-1 the person counts in the old department and on D in the new one — never both,
never neither. A leave date E closes the open placement at E, so from E they count nowhere.

These functions work on `Span`s (plain values, no database), so the same rules apply to one person
edited on a page and to twenty thousand people in a roster import, and are unit-tested without a
database. `department` is whatever key the caller uses (a department id, or an (organisation, path)
pair for departments a roster import is about to create).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import date

from tracker.common.errors import TrackerError
from tracker.common.time import format_date


class PlacementDateError(TrackerError):
    """A move or leave date that would break the placement history (overlap, or ends before it starts)."""

    code = "placement_dates"


@dataclass
class Span:
    """One placement: `id` None for one not yet stored."""

    department: Hashable
    from_date: date
    to_date: date | None = None
    id: int | None = None

    def covers(self, day: date) -> bool:
        return self.from_date <= day and (self.to_date is None or day < self.to_date)


def _copy(spans: list[Span]) -> list[Span]:
    return sorted((replace(s) for s in spans), key=lambda s: (s.from_date, s.id or 0))


def _name(describe: Callable[[Hashable], str] | None, department: Hashable) -> str:
    return describe(department) if describe else str(department)


def latest(spans: list[Span]) -> Span | None:
    """The most recent placement (the open one, or for a leaver the one that ended when they left)."""
    ordered = _copy(spans)
    return ordered[-1] if ordered else None


def current_department(spans: list[Span], day: date) -> Hashable | None:
    for span in spans:
        if span.covers(day):
            return span.department
    return None


def move(
    spans: list[Span],
    *,
    department: Hashable,
    on: date,
    leave_date: date | None = None,
    describe: Callable[[Hashable], str] | None = None,
) -> list[Span]:
    """The placements after moving to `department` from `on` (the person's first day there).

    The latest placement is closed at `on` and a new one opens from `on` (up to the leave date, if
    any). A move on the day the latest placement began corrects that placement's department instead.
    Raises PlacementDateError if `on` is on or after the leave date, before the latest placement
    began, or if the person is already in `department` on that day.
    """
    result = _copy(spans)
    if leave_date is not None and on >= leave_date:
        raise PlacementDateError(
            f"The move date must be before their leave date, {format_date(leave_date)}", field="from_date"
        )
    last = result[-1] if result else None
    if last is not None and last.from_date > on:
        raise PlacementDateError(
            f"The move date must be on or after {format_date(last.from_date)}, "
            f"when they joined {_name(describe, last.department)}",
            field="from_date",
        )
    if last is not None and last.covers(on) and last.department == department:
        raise PlacementDateError(
            f"They are already in {_name(describe, department)} on {format_date(on)}", field="department"
        )
    if last is not None and last.from_date == on:
        last.department = department
    elif last is not None and last.covers(on):
        result.append(Span(department=department, from_date=on, to_date=last.to_date))
        last.to_date = on
    else:
        result.append(Span(department=department, from_date=on, to_date=leave_date))
    return result


def leave(
    spans: list[Span],
    *,
    old_leave_date: date | None,
    new_leave_date: date | None,
    describe: Callable[[Hashable], str] | None = None,
) -> list[Span]:
    """The placements after the leave date changes from `old_leave_date` to `new_leave_date`.

    Setting a leave date closes the open placement at it. Changing it moves the end of the placement
    that closed at the old date. Clearing it (None) reopens that placement. Raises PlacementDateError
    if a placement would begin on or after the leave date.
    """
    result = _copy(spans)
    last = result[-1] if result else None
    if old_leave_date is not None and last is not None and last.to_date == old_leave_date:
        last.to_date = None
    if new_leave_date is None:
        return result
    for span in result:
        if span.from_date >= new_leave_date:
            raise PlacementDateError(
                f"The leave date must be after {format_date(span.from_date)}, "
                f"when they joined {_name(describe, span.department)}",
                field="end_date",
            )
    for span in result:
        if span.to_date is None or span.to_date > new_leave_date:
            span.to_date = new_leave_date
    return result


def changes(before: list[Span], after: list[Span]) -> tuple[list[Span], list[Span]]:
    """(stored spans whose department or dates changed, new spans) between two versions of a history."""
    old = {s.id: s for s in before if s.id is not None}
    updated = [
        s
        for s in after
        if s.id is not None
        and (s.department, s.from_date, s.to_date) != (old[s.id].department, old[s.id].from_date, old[s.id].to_date)
    ]
    created = [s for s in after if s.id is None]
    return updated, created

"""The placement date rules (half-open [from, to)), without a database."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.people.placements import PlacementDateError, Span, changes, current_department, latest, leave, move

D = date


def history(spans):
    return [(s.department, s.from_date, s.to_date) for s in spans]


def test_a_move_closes_the_current_placement_on_the_move_date():
    before = [Span("Housing", D(2020, 1, 1), id=1)]
    after = move(before, department="Safety", on=D(2026, 4, 1))
    assert history(after) == [("Housing", D(2020, 1, 1), D(2026, 4, 1)), ("Safety", D(2026, 4, 1), None)]
    # The day before the move they count in the old department; on the day, in the new one.
    assert current_department(after, D(2026, 3, 31)) == "Housing"
    assert current_department(after, D(2026, 4, 1)) == "Safety"
    assert history(before) == [("Housing", D(2020, 1, 1), None)]  # the input is not changed


def test_a_move_on_the_day_the_placement_began_corrects_it():
    after = move([Span("Housing", D(2026, 4, 1), id=1)], department="Safety", on=D(2026, 4, 1))
    assert history(after) == [("Safety", D(2026, 4, 1), None)]


def test_a_move_before_the_latest_placement_began_is_refused():
    with pytest.raises(PlacementDateError, match="on or after 1 May 2026, when they joined Housing") as error:
        move([Span("Housing", D(2026, 5, 1), id=1)], department="Safety", on=D(2026, 4, 1))
    assert error.value.field == "from_date"


def test_moving_to_where_they_already_are_is_refused():
    with pytest.raises(PlacementDateError, match="already in Housing") as error:
        move([Span("Housing", D(2020, 1, 1), id=1)], department="Housing", on=D(2026, 4, 1))
    assert error.value.field == "department"


def test_a_move_keeps_the_leave_date():
    before = [Span("Housing", D(2020, 1, 1), D(2026, 9, 1), id=1)]
    after = move(before, department="Safety", on=D(2026, 4, 1), leave_date=D(2026, 9, 1))
    assert history(after)[-1] == ("Safety", D(2026, 4, 1), D(2026, 9, 1))


@pytest.mark.parametrize("on", [D(2026, 9, 1), D(2026, 10, 1)])
def test_a_move_on_or_after_the_leave_date_is_refused(on):
    with pytest.raises(PlacementDateError, match="before their leave date"):
        move(
            [Span("Housing", D(2020, 1, 1), D(2026, 9, 1), id=1)], department="Safety", on=on, leave_date=D(2026, 9, 1)
        )


def test_a_first_placement():
    assert history(move([], department="Housing", on=D(2026, 4, 1))) == [("Housing", D(2026, 4, 1), None)]


def test_leaving_closes_the_open_placement_at_the_leave_date():
    after = leave([Span("Housing", D(2020, 1, 1), id=1)], old_leave_date=None, new_leave_date=D(2026, 3, 15))
    assert history(after) == [("Housing", D(2020, 1, 1), D(2026, 3, 15))]
    assert current_department(after, D(2026, 3, 14)) == "Housing"
    assert current_department(after, D(2026, 3, 15)) is None


def test_changing_the_leave_date_moves_the_end_of_the_last_placement():
    before = [Span("A", D(2019, 1, 1), D(2020, 1, 1), id=1), Span("B", D(2020, 1, 1), D(2026, 3, 15), id=2)]
    later = leave(before, old_leave_date=D(2026, 3, 15), new_leave_date=D(2026, 6, 30))
    assert history(later)[-1] == ("B", D(2020, 1, 1), D(2026, 6, 30))
    earlier = leave(before, old_leave_date=D(2026, 3, 15), new_leave_date=D(2025, 1, 1))
    assert history(earlier) == [("A", D(2019, 1, 1), D(2020, 1, 1)), ("B", D(2020, 1, 1), D(2025, 1, 1))]


def test_cancelling_a_leave_date_reopens_the_last_placement():
    before = [Span("B", D(2020, 1, 1), D(2026, 3, 15), id=2)]
    assert history(leave(before, old_leave_date=D(2026, 3, 15), new_leave_date=None)) == [("B", D(2020, 1, 1), None)]


def test_a_leave_date_on_or_before_a_placement_began_is_refused():
    with pytest.raises(PlacementDateError, match="after 1 April 2026, when they joined Safety") as error:
        leave(
            [Span("Housing", D(2020, 1, 1), D(2026, 4, 1), id=1), Span("Safety", D(2026, 4, 1), id=2)],
            old_leave_date=None,
            new_leave_date=D(2026, 4, 1),
            describe=str,
        )
    assert error.value.field == "end_date"


def test_changes_lists_stored_spans_changed_and_new_spans():
    before = [Span("Housing", D(2020, 1, 1), id=1), Span("Old", D(2010, 1, 1), D(2020, 1, 1), id=7)]
    after = move(before, department="Safety", on=D(2026, 4, 1))
    updated, created = changes(before, after)
    assert [(s.id, s.to_date) for s in updated] == [(1, D(2026, 4, 1))]
    assert [(s.id, s.department) for s in created] == [(None, "Safety")]
    assert latest(after).department == "Safety"

"""Register and import rules that need no database: expiry, what earns a record, CSV shape."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.attendance import imports
from tracker.attendance.models import AttendanceOutcome
from tracker.attendance.services import UnmarkedAttendeesError, earns_record, expiry_for
from tracker.courses.models import Course


@pytest.mark.parametrize(
    ("validity", "completed_on", "expires_on"),
    [
        (36, date(2018, 3, 14), date(2021, 3, 14)),
        (36, date(2016, 2, 29), date(2019, 2, 28)),  # clamped to the month's last day
        (12, date(2018, 12, 31), date(2019, 12, 31)),
        (None, date(2018, 3, 14), None),  # a briefing never expires
    ],
)
def test_expiry_comes_from_the_courses_validity(validity, completed_on, expires_on):
    assert expiry_for(Course(validity_months=validity), completed_on) == expires_on


@pytest.mark.parametrize(
    ("outcome", "partial_counts", "earns"),
    [
        (AttendanceOutcome.ATTENDED, False, True),
        (AttendanceOutcome.ATTENDED, True, True),
        (AttendanceOutcome.PARTIAL, False, False),
        (AttendanceOutcome.PARTIAL, True, True),
        (AttendanceOutcome.ABSENT, True, False),
        (AttendanceOutcome.EXCUSED, True, False),
        (None, True, False),
    ],
)
def test_what_earns_a_record_at_sign_off(outcome, partial_counts, earns):
    assert earns_record(outcome, Course(partial_counts=partial_counts)) is earns


def test_unmarked_message_names_the_first_ten_and_counts_the_rest():
    error = UnmarkedAttendeesError([f"Person {n}" for n in range(12)])
    assert error.message.startswith("Mark everyone before signing off: 12 people are not marked (Person 0, ")
    assert "Person 9 and 2 more)" in error.message
    assert "1 person is not marked (Ann Lee)" in UnmarkedAttendeesError(["Ann Lee"]).message


def test_header_is_checked_by_name_in_any_order():
    assert imports.check_header(list(reversed(imports.COLUMNS))) is None
    assert "missing source" in imports.check_header(list(imports.COLUMNS[:-1]))
    assert "unexpected columns (notes)" in imports.check_header([*imports.COLUMNS, "notes"])
    assert "repeats source" in imports.check_header([*imports.COLUMNS, "source"])


def test_parse_keeps_physical_line_numbers_and_skips_blank_lines():
    text = 'organisation,employee_ref,course_code,completed_on,source\r\nA,1,WRAP,2018-01-01,\r\n\r\n"B, Ltd",2,WRAP,2018-01-02,import\r\nC,3\r\n'
    parsed = imports.parse(text)
    assert [(row.line, row.organisation) for row in parsed.rows] == [(2, "A"), (4, "B, Ltd")]
    assert [str(p) for p in parsed.problems] == ["Line 5: expected 5 values separated by commas, found 2"]


def test_a_byte_order_mark_is_ignored_and_other_encodings_are_refused():
    assert imports.decode("\ufefforganisation".encode()) == "organisation"
    with pytest.raises(imports.TrainingImportError) as refused:
        imports.decode(b"organisation\nBarnet,caf\xe9\n")
    assert str(refused.value.problems[0]).startswith("Line 2: this line is not UTF-8")

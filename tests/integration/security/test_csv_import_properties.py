"""hypothesis on the CSV imports: any junk gives line-numbered errors or a valid import, never an exception,
and a refused file writes nothing.

Two importers take files from people's spreadsheets: the roster (tracker/people/roster.py) and historic
training records (tracker/attendance/imports.py). Files are generated from: random bytes; text in the
wrong encoding (Latin-1, UTF-16, cp1252); and CSV built from headers (right, reordered, missing or extra
columns, in capitals, after a byte-order mark) and rows whose cells are real values (so some files are
valid), blanks, markup, formula-looking cells, quotes, line breaks, NUL and other control characters,
huge fields, with missing or extra cells, blank lines, and any line ending.

Each file is imported for real (not a dry run). The importer either imports it, or refuses it with a
domain error whose every problem names a line of the file; a refused file has written nothing: every
table has the same number of rows as before. Each example is rolled back, so all start from one world.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.factories import make_course, make_department, make_organisation, make_person, wrap_course
from tracker.attendance import imports as training
from tracker.common.errors import TrackerError
from tracker.extensions import db
from tracker.people import roster, roster_lines

pytestmark = pytest.mark.slow

EXAMPLES = {"sqlite": 300, "postgresql": 100}
ORGANISATIONS = ["Barnet Council", "Ëalthwood NHS Trust"]
REFS = ["E001", "E002", "E003", "N100", "e001"]
#: Bigger than the csv module's field limit (131,072 characters).
HUGE = "x" * 140_000

nasty_text = st.sampled_from(
    [
        "",
        " ",
        '<script>alert("x")</script>',
        '"><img src=x onerror=alert(1)>',
        "{{7*7}}",
        '=HYPERLINK("http://evil.example","click")',
        "+1+1",
        "-2",
        "@SUM(A1:A9)",
        "\tTabbed",
        "O'Brien",
        'He said "hi"',
        "line\nbreak",
        "carriage\rreturn",
        "nul\x00byte",
        "bell\x07",
        "ünïcödé ñame",
        "名前",
        "😀",
        "a" * 101,
        "a" * 300,
        "Children and Family Services/Fostering",
        "Team//Empty",
        "/",
        "9999-12-31",
        "0001-01-01",
        "2024-02-30",
        "31/12/2024",
        "2019-04-01",
        "2030-01-01",
    ]
)


def cell_for(column: str):
    """Mostly a plausible value for the column, sometimes anything."""
    real = {
        "organisation": st.sampled_from([*ORGANISATIONS, "barnet council", "Nowhere Ltd"]),
        "employee_ref": st.sampled_from(REFS),
        "first_name": st.sampled_from(["Ann", "Bob", "Zoë"]),
        "last_name": st.sampled_from(["Lee", "Ng", "O'Neil"]),
        "email": st.sampled_from(["", "ann@example.org", "bob@example.org", "ANN@example.org", "not-an-email"]),
        "department": st.sampled_from(["", "Fostering", "Children and Family Services/Fostering", "New Team"]),
        "job_title": st.sampled_from(["", "Social Worker"]),
        "line_manager_ref": st.sampled_from(["", *REFS]),
        "start_date": st.sampled_from(["", "2016-01-01", "2020-05-01"]),
        "end_date": st.sampled_from(["", "2021-01-01", "2015-01-01"]),
        "course_code": st.sampled_from(["WRAP", "wrap", "HO-ELEARN", "NOPE"]),
        "completed_on": st.sampled_from(["2019-04-01", "2024-02-29", "2023-02-29", "1899-12-31"]),
        "source": st.sampled_from(["", "import", "equivalent_evidence", "attendance", "IMPORT"]),
    }.get(column, st.just(""))
    return st.one_of(real, real, nasty_text, st.text(max_size=20))


@st.composite
def csv_files(draw, columns: tuple[str, ...]) -> bytes:
    header = list(columns)
    shape = draw(st.sampled_from(["right", "right", "right", "reordered", "missing", "extra", "capitals"]))
    if shape == "reordered":
        header = draw(st.permutations(header))
    elif shape == "missing":
        del header[draw(st.integers(0, len(header) - 1))]
    elif shape == "extra":
        header.insert(draw(st.integers(0, len(header))), draw(st.sampled_from(["notes", "", "organisation"])))
    elif shape == "capitals":
        header = [name.upper() for name in header]
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.integers(0, 9)) == 0:
            rows.append([])  # a blank line
            continue
        row = [draw(cell_for(name)) for name in header]
        if draw(st.integers(0, 7)) == 0:
            row = row[: draw(st.integers(0, len(row)))] if draw(st.booleans()) else [*row, "surplus"]
        rows.append(row)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\r\n", "\n", "\r"])))
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.integers(0, 5)) == 0:  # hand-made damage: a stray quote, a cut-off end
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(['"', "", "\n\n", ",,,"])) + text[cut:]
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-8-sig", "latin-1", "utf-16", "cp1252"]))
    return text.encode(encoding, errors="replace")


def files(columns: tuple[str, ...]):
    return st.one_of(st.binary(max_size=600), csv_files(columns))


def table_counts() -> dict[str, int]:
    db.session.flush()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


def line_count(content: bytes) -> int:
    return max(content.count(b"\n"), content.count(b"\r"), content.count(b"\n\x00")) + 2


@pytest.fixture
def world(app):
    barnet = make_organisation(name=ORGANISATIONS[0])
    trust = make_organisation(name=ORGANISATIONS[1])
    fostering = make_department(organisation=barnet, name="Children and Family Services")
    make_department(parent=fostering, name="Fostering")
    for ref, organisation in (("E001", barnet), ("E002", barnet), ("N100", trust)):
        make_person(
            organisation=organisation, employee_ref=ref, department=fostering if organisation == barnet else None
        )
    wrap_course()
    make_course(code="HO-ELEARN", name="Home Office Prevent e-learning", validity_months=None)
    db.session.commit()


def check_import(do_import, content: bytes, baseline: dict[str, int]) -> None:
    try:
        do_import(content)
    except TrackerError as error:
        problems = getattr(error, "problems", None)
        if problems is not None:  # refused: every problem is on a line of the file, and nothing was written
            assert problems, "refused without a reason"
            for problem in problems:
                assert problem.line is None or 1 <= problem.line <= line_count(content), problem
                assert str(problem).strip()
            assert table_counts() == baseline
    finally:
        db.session.rollback()


def _settings(backend: str):
    return settings(
        max_examples=EXAMPLES[backend],
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )


def test_roster_files(app, backend, world):
    baseline = table_counts()
    db.session.rollback()

    def do_import(content: bytes) -> None:
        roster.import_roster_file(content, effective=date(2024, 4, 1), actor_label="test", filename="junk.csv")

    @_settings(backend)
    @given(content=files(roster_lines.HEADER))
    @example(content=b"")
    @example(content=b"\xef\xbb\xbf")
    @example(content=b"organisation\x00,employee_ref\n")
    @example(content=(",".join(roster_lines.HEADER) + f"\r\nBarnet Council,E9,{HUGE},B,,,,,,\r\n").encode())
    @example(content=(",".join(roster_lines.HEADER) + "\r\nBarnet Council,E9,Nul\x00Name,B,,,,,,\r\n").encode())
    @example(
        content=(",".join(roster_lines.HEADER) + "\r\nBarnet Council,E9,A,B,,,,,0001-01-01,9999-12-31\r\n").encode()
    )
    def run(content: bytes) -> None:
        check_import(do_import, content, baseline)

    run()


def test_training_record_files(app, backend, world):
    baseline = table_counts()
    db.session.rollback()

    def do_import(content: bytes) -> None:
        training.import_training_records(content=content, actor=None, actor_label="test", today=date(2026, 1, 1))

    @_settings(backend)
    @given(content=files(training.COLUMNS))
    @example(content=b"")
    @example(content=b"organisation,employee_ref,course_code,completed_on,source\n\n\n")
    @example(
        content=f"organisation,employee_ref,course_code,completed_on,source\nBarnet Council,{HUGE},WRAP,2019-01-01,\n".encode()
    )
    @example(
        content=b"organisation,employee_ref,course_code,completed_on,source\nBarnet Council,E001,WRAP,2199-12-01,\n"
    )
    @example(
        content=b"organisation,employee_ref,course_code,completed_on,source\nBarnet Council,E0\x0001,WRAP,2019-01-01,\n"
    )
    def run(content: bytes) -> None:
        check_import(do_import, content, baseline)

    run()


def test_a_valid_roster_is_imported_so_the_property_test_reaches_both_outcomes(app, world):
    """The control: the generator's real values do make importable files."""
    content = (
        ",".join(roster_lines.HEADER) + "\r\nBarnet Council,E003,Ann,Lee,ann@example.org,Fostering,,,,\r\n"
    ).encode()
    summary = roster.import_roster_file(content, effective=date(2024, 4, 1), actor_label="test")
    assert summary.created == 1
    records = b"organisation,employee_ref,course_code,completed_on,source\r\nBarnet Council,E001,wrap,2019-04-01,\r\n"
    assert training.import_training_records(content=records, actor=None, today=date(2026, 1, 1)).created == 1

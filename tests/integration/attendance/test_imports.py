"""Historic training records import: all or nothing, every bad line named, bulk lookups, duplicates skipped."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_course, make_organisation, make_person, make_user
from tracker.accounts.models import Role
from tracker.attendance import imports
from tracker.attendance.models import RecordSource, TrainingRecord
from tracker.common.audit import AuditEvent
from tracker.common.time import today_london

HEADER = "organisation,employee_ref,course_code,completed_on,source\n"


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    text = HEADER + "".join(line + "\n" for line in lines)
    return ("\ufeff" + text).encode() if bom else text.encode()


def count_records(db) -> int:
    return db.session.scalar(select(func.count(TrainingRecord.id)))


@pytest.fixture
def world(app):
    """Barnet with two staff, WRAP (36 months) and a briefing that never expires."""
    barnet = make_organisation(name="London Borough of Barnet")
    homes = make_organisation(name="Barnet Homes")
    make_course(code="WRAP", name="WRAP", validity_months=36)
    make_course(code="CTLP-BRIEFING", name="CTLP briefing", validity_months=None)
    make_course(code="HO-ELEARN", name="Home Office Prevent e-learning", validity_months=36)
    alice = make_person(organisation=barnet, employee_ref="B001")
    bob = make_person(organisation=barnet, employee_ref="B002")
    carol = make_person(organisation=homes, employee_ref="B001")  # same ref, another organisation
    return {"barnet": barnet, "homes": homes, "alice": alice, "bob": bob, "carol": carol}


def test_imports_rows_with_expiry_from_the_course(app, db, world):
    content = csv_bytes(
        "London Borough of Barnet,B001,WRAP,2018-03-14,",
        "london borough of barnet,B002,CTLP-BRIEFING,2018-05-01,import",
        "Barnet Homes,B001,HO-ELEARN,2017-12-31,equivalent_evidence",
        bom=True,
    )
    summary = imports.import_training_records(content=content, actor=None, actor_label="test")
    assert (summary.rows, summary.created, summary.skipped) == (3, 3, 0)
    records = {r.person_id: r for r in db.session.scalars(select(TrainingRecord))}
    assert (records[world["alice"].id].completed_on, records[world["alice"].id].expires_on) == (
        date(2018, 3, 14),
        date(2021, 3, 14),
    )
    assert records[world["bob"].id].expires_on is None
    assert records[world["alice"].id].source == RecordSource.IMPORT
    assert records[world["carol"].id].source == RecordSource.EQUIVALENT_EVIDENCE
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "training_records.imported"))


def test_any_bad_line_refuses_the_file_naming_every_bad_line_and_writing_nothing(app, db, world):
    future = (today_london() + timedelta(days=1)).isoformat()
    content = csv_bytes(
        "London Borough of Barnet,B001,WRAP,2018-03-14,",  # line 2: fine
        "Barnet Rovers,B001,WRAP,2018-03-14,",  # 3: unknown organisation
        "London Borough of Barnet,Z999,WRAP,2018-03-14,",  # 4: unknown ref there
        "London Borough of Barnet,B002,NOPE,2018-03-14,",  # 5: unknown course
        "London Borough of Barnet,B002,WRAP,2018-02-30,",  # 6: not a real date
        f"London Borough of Barnet,B002,WRAP,{future},",  # 7: future
        "London Borough of Barnet,B002,WRAP,14/03/2018,",  # 8: not ISO
        "London Borough of Barnet,B001,WRAP,2018-03-14,",  # 9: repeats line 2
        "London Borough of Barnet,B002,WRAP,2018-03-14,attendance",  # 10: not an importable source
        "London Borough of Barnet,B002,WRAP",  # 11: too few values
        "",  # blank lines are ignored
        ",,,,",
        "Barnet Homes,B001,WRAP,2018-03-14,",  # 14: fine
    )
    with pytest.raises(imports.TrainingImportError) as refused:
        imports.import_training_records(content=content, actor=None)
    problems = {p.line: p.message for p in refused.value.problems}
    assert sorted(problems) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert 'unknown organisation "Barnet Rovers"' in problems[3]
    assert 'no person with employee_ref "Z999" in London Borough of Barnet' in problems[4]
    assert 'unknown course_code "NOPE"' in problems[5]
    assert "not a real date" in problems[6] and "in the future" in problems[7] and "not a real date" in problems[8]
    assert "repeats line 2" in problems[9]
    assert "must be import or equivalent_evidence" in problems[10]
    assert "expected 5 values" in problems[11]
    assert "9 problems" in refused.value.message
    assert count_records(db) == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"organisation,employee_ref,course,completed_on,source\n", "missing course_code"),
        (HEADER.rstrip("\n").encode() + b",notes\nx,y,z,2018-01-01,,n\n", "unexpected columns (notes)"),
        (HEADER.encode(), "no records"),
        (HEADER.encode() + "Barnet,\xe9\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_bad_files_are_refused_with_a_reason(app, db, world, content, expected):
    with pytest.raises(imports.TrainingImportError) as refused:
        imports.import_training_records(content=content, actor=None)
    assert expected in " ".join(str(p) for p in refused.value.problems)


def test_columns_may_come_in_any_order(app, db, world):
    content = (
        b"source,completed_on,course_code,employee_ref,organisation\n,2018-01-02,WRAP,B002,London Borough of Barnet\n"
    )
    assert imports.import_training_records(content=content, actor=None).created == 1


def test_exact_duplicates_of_existing_records_are_skipped_and_counted(app, db, world):
    content = csv_bytes(
        "London Borough of Barnet,B001,WRAP,2018-03-14,", "London Borough of Barnet,B002,WRAP,2018-03-14,"
    )
    imports.import_training_records(content=content, actor=None)
    again = csv_bytes(
        "London Borough of Barnet,B001,WRAP,2018-03-14,",  # same person, course, date: skipped
        "London Borough of Barnet,B001,WRAP,2021-03-10,",  # a later completion: added
    )
    summary = imports.import_training_records(content=again, actor=None)
    assert (summary.created, summary.skipped) == (1, 1)
    assert count_records(db) == 3


def test_dry_run_checks_and_writes_nothing(app, db, world):
    content = csv_bytes("London Borough of Barnet,B001,WRAP,2018-03-14,")
    summary = imports.import_training_records(content=content, actor=None, dry_run=True)
    assert (summary.dry_run, summary.created) == (True, 1)
    assert count_records(db) == 0


def _roster(size: int):
    organisation = make_organisation()
    course = make_course(code=f"WRAP{size}", validity_months=36)
    lines = []
    for n in range(size):
        person = make_person(organisation=organisation, employee_ref=f"R{n:06d}", email=None)
        lines.append(f"{organisation.name},{person.employee_ref},{course.code},2018-{n % 12 + 1:02d}-{n % 28 + 1:02d},")
    # one existing record, so the duplicate check has something to find
    return csv_bytes(*lines)


@pytest.mark.slow
def test_2000_rows_use_the_same_number_of_statements_as_100(app, db, queries):
    counts = []
    for size in (100, 2000):
        content = _roster(size)
        db.session.commit()
        with queries() as counter:
            summary = imports.import_training_records(content=content, actor=None)
        assert summary.created == size
        db.session.commit()
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


# --- The command ----------------------------------------------------------------------------------------


def test_cli_imports_and_reports(app, db, world, runner, tmp_path):
    path = tmp_path / "records.csv"
    path.write_bytes(csv_bytes("London Borough of Barnet,B001,WRAP,2018-03-14,", bom=True))
    db.session.commit()  # the command runs in its own transaction, as from a shell
    dry = runner.invoke(args=["training", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 records would be added" in dry.output and count_records(db) == 0
    result = runner.invoke(args=["training", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 1 training records" in result.output and count_records(db) == 1
    again = runner.invoke(args=["training", "import", str(path)])
    assert "1 already held were skipped" in again.output and count_records(db) == 1


def test_cli_refuses_a_bad_file_with_a_non_zero_exit(app, db, world, runner, tmp_path):
    path = tmp_path / "records.csv"
    path.write_bytes(csv_bytes("London Borough of Barnet,B001,WRAP,2018-03-14,", "Nowhere,B001,WRAP,2018-03-14,"))
    db.session.commit()
    result = runner.invoke(args=["training", "import", str(path)])
    assert result.exit_code != 0
    assert 'Line 3: unknown organisation "Nowhere"' in result.output
    assert count_records(db) == 0


# --- The page -------------------------------------------------------------------------------------------


def upload(client, content: bytes, **fields):
    return client.post(
        "/imports/training-records",
        data={"file": (io.BytesIO(content), "records.csv"), **fields},
        content_type="multipart/form-data",
    )


def test_page_checks_then_imports(app, db, world, signed_in):
    client = signed_in(make_user(Role.COORDINATOR))
    assert client.get("/imports/training-records").status_code == 200
    content = csv_bytes("London Borough of Barnet,B001,WRAP,2018-03-14,")
    checked = upload(client, content, check_only="y")
    assert checked.status_code == 200 and "1 records would be added" in checked.get_data(as_text=True)
    assert count_records(db) == 0
    response = upload(client, content)
    assert response.status_code == 302
    assert count_records(db) == 1


def test_page_lists_every_bad_line_and_imports_nothing(app, db, world, signed_in):
    client = signed_in(make_user(Role.COORDINATOR))
    content = csv_bytes("Nowhere,B001,WRAP,2018-03-14,", "London Borough of Barnet,B001,NOPE,2018-03-14,")
    page = upload(client, content).get_data(as_text=True)
    assert "<title>Error:" in page and "2 problems" in page
    assert "unknown organisation" in page and "unknown course_code" in page
    assert count_records(db) == 0
    assert "Select a CSV file" in client.post("/imports/training-records", data={}).get_data(as_text=True)


def test_only_the_coordinator_imports(app, world, signed_in):
    assert signed_in(make_user(Role.TRAINER)).get("/imports/training-records").status_code == 403

"""`flask people import FILE.csv [--dry-run] [--effective YYYY-MM-DD]`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tests.factories import make_organisation
from tests.integration.people.roster_files import roster_csv, roster_row
from tracker.people.models import Person, Placement

LBB = "London Borough of Barnet"


def write(tmp_path, rows, **kw):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv(rows, **kw))
    return str(path)


def people(db) -> int:
    return db.session.scalar(select(func.count(Person.id)))


def test_import_writes_and_prints_the_summary(app, db, runner, tmp_path):
    make_organisation(name=LBB)
    db.session.commit()
    path = write(tmp_path, [roster_row(LBB, "E1", department="Housing"), roster_row(LBB, "E2", line_manager_ref="E1")])
    result = runner.invoke(args=["people", "import", path, "--effective", "2026-04-01"])
    assert result.exit_code == 0, result.output
    assert "Imported. Department changes take effect from 2026-04-01" in result.output
    assert "Created:" in result.output and "2" in result.output.split("Created:")[1].splitlines()[0]
    assert "Checking 2 rows" in result.output  # the progress bar's label
    assert people(db) == 2
    assert db.session.scalar(select(Placement.from_date)) == date(2026, 4, 1)


def test_a_dry_run_writes_nothing(app, db, runner, tmp_path):
    make_organisation(name=LBB)
    db.session.commit()
    result = runner.invoke(args=["people", "import", write(tmp_path, [roster_row(LBB, "E1")]), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Nothing was written (--dry-run)" in result.output
    assert people(db) == 0


def test_a_refused_file_names_every_bad_line_and_exits_non_zero(app, db, runner, tmp_path):
    make_organisation(name=LBB)
    db.session.commit()
    path = write(tmp_path, [roster_row(LBB, "E1"), roster_row("Nowhere", "E2"), roster_row(LBB, "E3", email="bad")])
    result = runner.invoke(args=["people", "import", path])
    assert result.exit_code == 1
    assert 'Line 3: there is no organisation called "Nowhere"' in result.stderr
    assert 'Line 4: email "bad" is not a valid email address' in result.stderr
    assert "2 lines have a problem. Nothing was changed." in result.stderr
    assert people(db) == 0


def test_a_bad_effective_date_is_a_usage_error(app, runner, tmp_path):
    result = runner.invoke(args=["people", "import", write(tmp_path, []), "--effective", "1/4/2026"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_an_empty_file_is_refused(app, runner, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = runner.invoke(args=["people", "import", str(path)])
    assert result.exit_code == 1 and "Line 1: the file is empty" in result.stderr

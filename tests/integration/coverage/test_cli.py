"""`flask coverage report`: the same CSV as the page's export, or a table."""

from __future__ import annotations

from tests.factories import make_user
from tests.integration.coverage.conftest import AS_OF, PERIOD_START
from tracker.accounts.models import Role
from tracker.extensions import db

ARGS = ["coverage", "report", "--course", "WRAP", "--as-of", str(AS_OF), "--period-start", str(PERIOD_START)]


def test_csv_is_the_same_file_as_the_export(council, runner, signed_in):
    result = runner.invoke(args=[*ARGS, "--format", "csv"])
    assert result.exit_code == 0, result.output
    page = signed_in(make_user(Role.COORDINATOR)).get(
        f"/coverage/export.csv?course=WRAP&as_of={AS_OF}&period_start={PERIOD_START}"
    )
    assert result.stdout_bytes == page.get_data()
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")


def test_table_for_one_organisation(council, runner):
    result = runner.invoke(args=[*ARGS, "--organisation", "barnet homes"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Workshop to Raise Awareness of Prevent (WRAP) (WRAP) as of 2019-01-01")
    assert lines[2].split() == ["Barnet", "Homes", "5", "1", "20", "4", "red", "1", "1"]
    assert lines[3].split() == ["Housing", "Management", "5", "1", "20", "4", "red", "1", "1"]
    assert "London Borough of Barnet" not in result.output


def test_errors_are_plain_messages(council, runner):
    db.session.commit()  # each command is a unit of work: a refused one rolls back what is not committed
    assert "No organisation called" in runner.invoke(args=[*ARGS, "--organisation", "Nowhere"]).output
    assert (
        "There is no course with the code NOPE" in runner.invoke(args=["coverage", "report", "--course", "NOPE"]).output
    )
    result = runner.invoke(args=["coverage", "report", "--as-of", "2019-13-01"])
    assert result.exit_code == 2 and "is not a date like 2019-01-01" in result.output
    result = runner.invoke(args=[*ARGS[:4], "--as-of", "2019-01-01", "--period-start", "2019-06-01"])
    assert result.exit_code == 1 and "period start must be on or before" in result.output

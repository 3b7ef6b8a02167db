"""Roster import: all or nothing, every bad line named, dated placements, bulk reads and writes."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import event, func, select

from tests.factories import make_department, make_organisation, make_person
from tests.integration.people.roster_files import HEADER, roster_csv, roster_row
from tracker.common.audit import AuditEvent
from tracker.people import organisations, roster, roster_lines
from tracker.people import services as people
from tracker.people.models import Department, Person, Placement

LBB = "London Borough of Barnet"


def counts(db) -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Person, Placement, Department, AuditEvent)
    }


def person(db, ref: str) -> Person:
    return db.session.scalar(select(Person).where(Person.employee_ref == ref))


def placements(db, ref: str) -> list[tuple[str, date, date | None]]:
    rows = db.session.execute(
        select(Department.path, Placement.from_date, Placement.to_date)
        .join(Placement, Placement.department_id == Department.id)
        .join(Person, Person.id == Placement.person_id)
        .where(Person.employee_ref == ref)
        .order_by(Placement.from_date)
    )
    return [tuple(row) for row in rows]


def do_import(data: bytes, **options) -> roster_lines.RosterSummary:
    return roster.import_roster_file(data, **options)


@pytest.fixture
def barnet(app):
    return make_organisation(name=LBB)


def test_a_good_file_creates_people_departments_and_placements(app, db, barnet):
    data = roster_csv(
        [
            roster_row(
                LBB,
                "E2",
                first_name="Jo",
                last_name="Bloggs",
                email="Jo.Bloggs@Barnet.gov.uk",
                department="Children and Family Services/Fostering",
                job_title="Social worker",
                line_manager_ref="E1",
                start_date="2019-04-01",
            ),
            roster_row(LBB, "E1", first_name="Sam", department="Children and Family Services", start_date="2010-01-04"),
            roster_row(LBB, "E3", department="Adults and Communities"),
        ]
    )
    summary = do_import(data, effective=date(2026, 5, 1))
    db.session.commit()
    assert (summary.rows, summary.created, summary.updated, summary.unchanged) == (3, 3, 0, 0)
    assert summary.departments_created == 3

    jo = person(db, "E2")
    assert jo.email == "jo.bloggs@barnet.gov.uk"  # stored lower-cased
    assert jo.job_title == "Social worker" and jo.start_date == date(2019, 4, 1)
    assert jo.line_manager.employee_ref == "E1"  # a manager later in the file is found
    # New people are placed from their start date (else the effective date), so past reports count them.
    assert placements(db, "E2") == [("Children and Family Services/Fostering", date(2019, 4, 1), None)]
    assert placements(db, "E3") == [("Adults and Communities", date(2026, 5, 1), None)]
    fostering = db.session.scalar(select(Department).where(Department.path.endswith("Fostering")))
    assert fostering.name == "Fostering" and fostering.parent.path == "Children and Family Services"
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roster.imported"))
    assert audit.after["created"] == 3
    assert sorted(audit.after["people"]["created"]) == sorted(person(db, ref).id for ref in ("E1", "E2", "E3"))
    assert sorted(audit.after["departments"]) == [
        "Adults and Communities",
        "Children and Family Services",
        "Children and Family Services/Fostering",
    ]


def test_existing_people_are_updated_by_organisation_and_ref_and_unchanged_ones_counted(app, db, barnet):
    first = roster_csv(
        [roster_row(LBB, "E1", job_title="Officer", department="Housing"), roster_row(LBB, "E2", department="Housing")]
    )
    do_import(first, effective=date(2026, 1, 5))
    db.session.commit()
    second = roster_csv(
        [
            roster_row(LBB, "E1", job_title="Senior officer", department="housing"),  # same department, any case
            roster_row(LBB, "E2", department="Housing"),
        ]
    )
    summary = do_import(second, effective=date(2026, 5, 1))
    db.session.commit()
    assert (summary.created, summary.updated, summary.moved, summary.unchanged) == (0, 1, 0, 1)
    assert person(db, "E1").job_title == "Senior officer"
    assert db.session.scalar(select(func.count(Person.id))) == 2
    assert placements(db, "E1") == [("Housing", date(2026, 1, 5), None)]


def test_blank_optional_cells_keep_what_is_stored(app, db, barnet):
    department = make_department(organisation=barnet, name="Housing")
    make_person(
        organisation=barnet,
        department=department,
        employee_ref="E1",
        email="kept@example.org",
        job_title="Officer",
        start_date=date(2012, 3, 1),
    )
    summary = do_import(roster_csv([roster_row(LBB, "E1", email="", first_name="Pat", last_name="Kept")]))
    db.session.commit()
    kept = person(db, "E1")
    assert (kept.email, kept.job_title, kept.start_date) == ("kept@example.org", "Officer", date(2012, 3, 1))
    assert summary.updated == 1  # the names changed
    assert placements(db, "E1") == [("Housing", date(2015, 1, 1), None)]


def test_a_department_change_closes_the_old_placement_and_opens_a_new_one(app, db, barnet):
    housing = make_department(organisation=barnet, name="Housing")
    make_person(organisation=barnet, department=housing, employee_ref="E1", placed_from=date(2020, 1, 1))
    summary = do_import(roster_csv([roster_row(LBB, "E1", department="Community Safety")]), effective=date(2026, 4, 1))
    db.session.commit()
    assert summary.moved == 1 and summary.departments_created == 1
    # [from, to): in Housing up to and including 31 March, in Community Safety from 1 April.
    assert placements(db, "E1") == [
        ("Housing", date(2020, 1, 1), date(2026, 4, 1)),
        ("Community Safety", date(2026, 4, 1), None),
    ]
    moved = person(db, "E1")
    assert people.current_department(moved, day=date(2026, 3, 31)).path == "Housing"
    assert people.current_department(moved, day=date(2026, 4, 1)).path == "Community Safety"


def test_a_leaver_drops_out_of_their_department_from_the_leave_date(app, db, barnet):
    housing = make_department(organisation=barnet, name="Housing")
    make_person(organisation=barnet, department=housing, employee_ref="E1", placed_from=date(2020, 1, 1))
    summary = do_import(roster_csv([roster_row(LBB, "E1", department="Housing", end_date="2026-03-15")]))
    db.session.commit()
    assert summary.leavers == 1
    leaver = person(db, "E1")
    assert leaver.end_date == date(2026, 3, 15)
    assert placements(db, "E1") == [("Housing", date(2020, 1, 1), date(2026, 3, 15))]
    assert people.current_department(leaver, day=date(2026, 3, 14)).path == "Housing"
    assert people.current_department(leaver, day=date(2026, 3, 15)) is None
    in_housing = select(func.count()).select_from(
        organisations.department_people_query(housing, day=date(2026, 3, 15)).subquery()
    )
    assert db.session.scalar(in_housing) == 0


def test_a_department_change_after_the_leave_date_is_ignored(app, db, barnet):
    housing = make_department(organisation=barnet, name="Housing")
    make_person(organisation=barnet, department=housing, employee_ref="E1", placed_from=date(2020, 1, 1))
    summary = do_import(
        roster_csv([roster_row(LBB, "E1", department="Elsewhere", end_date="2026-03-01")]), effective=date(2026, 4, 1)
    )
    db.session.commit()
    assert summary.leavers == 1
    assert placements(db, "E1") == [("Housing", date(2020, 1, 1), date(2026, 3, 1))]


def test_a_mover_who_also_leaves_has_both_placements_closed_right(app, db, barnet):
    housing = make_department(organisation=barnet, name="Housing")
    make_person(organisation=barnet, department=housing, employee_ref="E1", placed_from=date(2020, 1, 1))
    do_import(
        roster_csv([roster_row(LBB, "E1", department="Safety", end_date="2026-06-30")]), effective=date(2026, 4, 1)
    )
    db.session.commit()
    assert placements(db, "E1") == [
        ("Housing", date(2020, 1, 1), date(2026, 4, 1)),
        ("Safety", date(2026, 4, 1), date(2026, 6, 30)),
    ]


def test_line_managers_are_resolved_whatever_the_order_and_from_the_database(app, db, barnet):
    make_person(organisation=barnet, employee_ref="BOSS")
    data = roster_csv(
        [
            roster_row(LBB, "A", line_manager_ref="C"),
            roster_row(LBB, "B", line_manager_ref="BOSS"),
            roster_row(LBB, "C", line_manager_ref="B"),
        ]
    )
    do_import(data)
    db.session.commit()
    assert person(db, "A").line_manager.employee_ref == "C"
    assert person(db, "C").line_manager.employee_ref == "B"
    assert person(db, "B").line_manager.employee_ref == "BOSS"


@pytest.mark.parametrize("bom", [True, False], ids=["with BOM", "without BOM"])
def test_utf8_with_or_without_a_byte_order_mark(app, db, barnet, bom):
    data = roster_csv([roster_row(LBB, "E1", first_name="Zoë", last_name="Ó Briain")], bom=bom)
    do_import(data)
    db.session.commit()
    assert person(db, "E1").full_name == "Zoë Ó Briain"


def test_several_bad_lines_are_each_named_and_nothing_is_written(app, db, barnet):
    other = make_organisation(name="Barnet Homes")
    make_person(organisation=other, email="taken@example.org", first_name="Tay", last_name="Ken")
    db.session.commit()
    before = counts(db)
    data = roster_csv(
        [
            roster_row(LBB, "E1", department="Good/Department"),  # line 2: good
            roster_row("Nowhere Council", "E2"),  # 3
            roster_row(LBB, "E3", first_name="", last_name=" "),  # 4
            roster_row(LBB, "E4", email="not-an-email"),  # 5
            roster_row(LBB, "E1", email="other@example.org"),  # 6: ref again
            roster_row(LBB, "E6", email="e1@example.org"),  # 7: email again
            roster_row(LBB, "E7", email="TAKEN@example.org"),  # 8: someone else's
            roster_row(LBB, "E8", start_date="01/02/2020"),  # 9
            roster_row(LBB, "E9", start_date="2020-02-01", end_date="2019-01-01"),  # 10
            roster_row(LBB, "E10", line_manager_ref="NOBODY"),  # 11
            roster_row(LBB, "E11", line_manager_ref="E11"),  # 12
            roster_row(LBB, "E12", department="A//B"),  # 13
            roster_row(LBB, "", first_name="No ref"),  # 14
            roster_row(LBB, "E14", start_date="2026-02-30"),  # 15: not a real day
        ]
    )
    with pytest.raises(roster_lines.RosterRefusedError) as refused:
        do_import(data)
    db.session.rollback()
    problems = [str(p) for p in refused.value.problems]
    expected = {
        3: 'there is no organisation called "Nowhere Council"',
        4: "first_name is blank",
        5: 'email "not-an-email" is not a valid email address',
        6: "employee_ref E1 at London Borough of Barnet is also on line 2",
        7: "email e1@example.org is also on line 2",
        8: "email taken@example.org already belongs to Tay Ken at Barnet Homes",
        9: 'start_date "01/02/2020" is not a date like 2026-01-31 (YYYY-MM-DD)',
        10: "end_date 2019-01-01 is before start_date 2020-02-01",
        11: "line_manager_ref NOBODY is not an employee_ref in this file or at London Borough of Barnet",
        12: "line_manager_ref is the person's own employee_ref",
        13: 'department "A//B" has an empty name between slashes',
        14: "employee_ref is blank",
        15: 'start_date "2026-02-30" is not a date like 2026-01-31 (YYYY-MM-DD)',
    }
    for line, message in expected.items():
        assert f"Line {line}: {message}" in problems
    assert "Line 4: last_name is blank" in problems
    assert not any(p.startswith("Line 2:") for p in problems)
    assert "13 lines have a problem" in refused.value.message
    assert counts(db) == before


def test_a_wrong_header_is_refused_at_line_1(app, db, barnet):
    data = roster_csv([roster_row(LBB, "E1")], header=[*HEADER[:-1], "leave_date"])
    with pytest.raises(roster_lines.RosterRefusedError) as refused:
        do_import(data)
    [problem] = refused.value.problems
    assert problem.line == 1 and "the header must be exactly organisation,employee_ref" in problem.message


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(app, barnet):
    data = roster_csv([roster_row(LBB, "E1"), roster_row(LBB, "E2")]).replace(b"Alex", "Zoë".encode("latin-1"))
    with pytest.raises(roster_lines.RosterRefusedError) as refused:
        do_import(data)
    assert refused.value.problems[0].line == 2
    assert "UTF-8" in refused.value.problems[0].message


def test_lines_with_the_wrong_number_of_columns_are_named(app, barnet):
    data = roster_csv([roster_row(LBB, "E1")]) + b"London Borough of Barnet,E2,Only,Four\r\n"
    with pytest.raises(roster_lines.RosterRefusedError) as refused:
        do_import(data)
    assert [str(p) for p in refused.value.problems] == ["Line 3: has 4 columns; every line needs 10"]


def test_a_quoted_cell_across_lines_keeps_line_numbers_right(app, barnet):
    data = (
        ",".join(HEADER).encode()
        + b'\r\nLondon Borough of Barnet,E1,Alex,Smith,,"Housing",,,,\r\n'
        + b'London Borough of Barnet,E2,"Two\r\nlines",Smith,,,,,,\r\n'
        + b"London Borough of Barnet,E3,,Smith,,,,,,\r\n"
    )
    with pytest.raises(roster_lines.RosterRefusedError) as refused:
        do_import(data)
    assert [str(p) for p in refused.value.problems] == ["Line 5: first_name is blank"]


def test_an_email_can_pass_between_two_people_in_one_file(app, db, barnet):
    make_person(organisation=barnet, employee_ref="E1", email="shared@example.org")
    make_person(organisation=barnet, employee_ref="E2", email="old@example.org")
    db.session.commit()
    do_import(
        roster_csv([roster_row(LBB, "E1", email="new@example.org"), roster_row(LBB, "E2", email="shared@example.org")])
    )
    db.session.commit()
    assert person(db, "E1").email == "new@example.org"
    assert person(db, "E2").email == "shared@example.org"


def test_someone_added_by_hand_without_a_ref_is_matched_by_email(app, db, barnet):
    added = make_person(organisation=barnet, employee_ref=None, email="walkin@example.org")
    summary = do_import(roster_csv([roster_row(LBB, "E9", email="WalkIn@example.org", department="Housing")]))
    db.session.commit()
    assert summary.created == 0 and summary.moved == 1
    assert person(db, "E9").id == added.id


def test_a_move_before_the_current_placement_began_is_refused(app, db, barnet):
    housing = make_department(organisation=barnet, name="Housing")
    make_person(organisation=barnet, department=housing, employee_ref="E1", placed_from=date(2026, 6, 1))
    with pytest.raises(roster_lines.RosterRefusedError) as refused:
        do_import(roster_csv([roster_row(LBB, "E1", department="Safety")]), effective=date(2026, 5, 1))
    [problem] = refused.value.problems
    assert problem.line == 2
    assert problem.message == (
        "cannot move them to Safety from 2026-05-01: the move date must be on or after 1 June 2026, "
        "when they joined Housing"
    )


def test_a_dry_run_reports_what_would_change_and_writes_nothing(app, db, barnet):
    db.session.commit()
    before = counts(db)
    summary = do_import(roster_csv([roster_row(LBB, "E1", department="New/Team")]), dry_run=True)
    db.session.commit()
    assert summary.created == 1 and summary.departments_created == 2 and summary.dry_run
    assert counts(db) == before


def test_a_failure_half_way_through_writing_rolls_everything_back(app, db, barnet, runner, tmp_path):
    """All or nothing: the placements insert fails after people were written; none of it stays."""
    housing = make_department(organisation=barnet, name="Housing")
    make_person(organisation=barnet, department=housing, employee_ref="E1", job_title="Before")
    db.session.commit()
    before = counts(db)
    path = tmp_path / "roster.csv"
    path.write_bytes(
        roster_csv([roster_row(LBB, "E1", job_title="After"), roster_row(LBB, "E2", department="New department")])
    )

    def fail_on_placements(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO PLACEMENT"):
            raise RuntimeError("the disk is full")

    event.listen(db.engine, "before_cursor_execute", fail_on_placements)
    try:
        result = runner.invoke(args=["people", "import", str(path)])
    finally:
        event.remove(db.engine, "before_cursor_execute", fail_on_placements)
    assert result.exit_code != 0
    db.session.rollback()
    assert counts(db) == before
    assert person(db, "E1").job_title == "Before"


def _numbered_rows(n: int, *, offset: int = 0, directorate: str = "Directorate") -> list[dict[str, str]]:
    """A realistic shape: nested departments, line managers (some later in the file), some leavers."""
    rows = []
    for i in range(offset, offset + n):
        rows.append(
            roster_row(
                LBB,
                f"R{i:06d}",
                first_name=f"First{i}",
                last_name=f"Last{i}",
                department=f"{directorate} {i % 7}/Team {i % 13}",
                job_title=f"Job {i % 11}",
                line_manager_ref=f"R{offset + (i + 1) % n:06d}" if i % 5 else "",
                start_date="2018-04-01",
                end_date="2026-03-31" if i % 17 == 0 else "",
            )
        )
    return rows


def _import_counting(db, queries, data: bytes, **options) -> int:
    with queries() as counter:
        roster.import_roster_file(data, **options)
        db.session.flush()
    db.session.commit()
    return counter.count


def test_statements_do_not_grow_with_rows(app, db, queries):
    """100 or 2,000 rows: the same number of SQL statements, for a first import (people, nested departments,
    placements, line managers) and for a second one that updates, moves and marks leavers."""
    make_organisation(name=LBB)
    db.session.commit()
    small_new = _import_counting(db, queries, roster_csv(_numbered_rows(100, directorate="Small")))
    large_new = _import_counting(db, queries, roster_csv(_numbered_rows(2000, offset=100_000, directorate="Large")))
    assert small_new == large_new

    def changed(rows):
        for row in rows:
            row["job_title"] += " (senior)"
            row["department"] = row["department"].replace("Team", "Unit")
        return rows

    small_update = _import_counting(
        db, queries, roster_csv(changed(_numbered_rows(100, directorate="Small"))), effective=date(2026, 6, 1)
    )
    large_update = _import_counting(
        db,
        queries,
        roster_csv(changed(_numbered_rows(2000, offset=100_000, directorate="Large"))),
        effective=date(2026, 6, 1),
    )
    assert small_update == large_update
    assert large_update < 40


@pytest.mark.slow
def test_twenty_thousand_rows_import_in_seconds(app, db):
    make_organisation(name=LBB)
    db.session.commit()
    data = roster_csv(_numbered_rows(20_000))
    started = time.perf_counter()
    summary = roster.import_roster_file(data, effective=date(2026, 4, 1))
    db.session.commit()
    first = time.perf_counter() - started
    assert summary.created == 20_000
    for row in (rows := _numbered_rows(20_000))[::2]:
        row["department"] = "Directorate 0/Moved"
    started = time.perf_counter()
    summary = roster.import_roster_file(roster_csv(rows), effective=date(2026, 6, 1))
    db.session.commit()
    second = time.perf_counter() - started
    assert summary.moved + summary.leavers >= 9_000
    assert db.session.scalar(select(func.count(Person.id))) == 20_000
    # Generous bounds for a shared 2-core machine; typically a few seconds each.
    assert first < 60 and second < 60, (first, second)

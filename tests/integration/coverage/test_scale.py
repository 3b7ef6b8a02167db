"""At council scale (20,000 people, 300 departments of 15 organisations, 3,000 sessions over five years,
100,000 bookings with attendance) the coverage report is the same fixed number of SQL statements as on a
handful of rows, and its numbers equal one hand-written aggregate statement's.

One database per backend is built for the whole module (bench.dataset, bulk inserts) and only read.
"""

from __future__ import annotations

import time

import pytest

from bench import dataset, handwritten
from tests.conftest import make_config
from tests.support.databases import BACKENDS, create_postgres_database, drop_postgres_database, migrate, sqlite_url
from tests.support.queries import count_queries
from tracker import create_app
from tracker.coverage import loading, queries, trend

pytestmark = pytest.mark.slow

#: Statements for a whole report: the course's equivalents, its requirements, the department tree, then
#: required/trained for every row, then sessions/attendees for every row.
REPORT_STATEMENTS = 5
#: The chart: the same three loads and one statement for every quarter end.
QUARTERLY_STATEMENTS = 4


def measure(course, built):
    from tracker.extensions import db

    with count_queries(db.engine) as report_counter:
        report = queries.coverage_report(course=course, as_of=built.as_of, period_start=built.period_start)
    with count_queries(db.engine) as quarterly_counter:
        quarterly = trend.quarterly_coverage(course=course, as_of=built.as_of)
    return report, quarterly, report_counter.count, quarterly_counter.count


@pytest.fixture(scope="module", params=BACKENDS)
def council_scale(request, tmp_path_factory):
    """(app, dataset) with the full data set, built once per backend for this module."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path_factory.mktemp("scale"), "scale.db")
    else:
        url = create_postgres_database("tracker_scale")
    try:
        app = create_app(make_config(url))
        migrate(app)
        with app.app_context():
            from tracker.extensions import db

            with db.engine.begin() as connection:
                built = dataset.build(connection, dataset.FULL)
            yield app, built
            db.session.rollback()
            db.session.remove()
            db.engine.dispose()
    finally:
        if request.param != "sqlite":
            drop_postgres_database(url)


def test_the_data_set_is_council_sized(council_scale):
    _, built = council_scale
    rows = built.rows
    assert (rows["person"], rows["department"], rows["organisation"]) == (20_000, 300, 15)
    assert (rows["training_session"], rows["booking"]) == (3_000, 100_000)
    assert rows["attendance"] > 80_000


def test_a_fixed_number_of_statements_at_scale(council_scale):
    _, built = council_scale
    course = loading.get_course(built.course_code)
    started = time.perf_counter()
    report, quarterly, report_count, quarterly_count = measure(course, built)
    elapsed = time.perf_counter() - started
    # Every organisation takes part: the one without a requirement still has sessions delivered.
    assert len(report.rows) == 15 + 300
    assert len(quarterly.series) == 15 and len(quarterly.quarter_ends) == 8
    assert (report_count, quarterly_count) == (REPORT_STATEMENTS, QUARTERLY_STATEMENTS)
    assert elapsed < 20, f"report and chart took {elapsed:.1f}s"


def test_numbers_equal_the_hand_written_aggregate(council_scale):
    _, built = council_scale
    from tracker.extensions import db

    course = loading.get_course(built.course_code)
    report = queries.coverage_report(course=course, as_of=built.as_of, period_start=built.period_start)
    expected = handwritten.coverage_numbers(
        db.session.connection(), course_id=course.id, as_of=built.as_of, period_start=built.period_start
    )
    shown = {(row.organisation_id, row.department_id) for row in report.rows}
    for row in report.rows:
        numbers = expected[(row.organisation_id, row.department_id)]
        assert (row.required, row.trained, row.sessions_delivered, row.attendees) == (
            numbers.required,
            numbers.trained,
            numbers.sessions_delivered,
            numbers.attendees,
        ), row
    assert set(expected) == shown
    assert sum(row.required for row in report.rows if row.is_total) > 5_000  # not an empty yardstick
    db.session.rollback()


def test_the_same_number_of_statements_on_a_small_data_set(app, db):
    built = dataset.build(db.session.connection(), dataset.SMALL)
    course = loading.get_course(built.course_code)
    report, quarterly, report_count, quarterly_count = measure(course, built)
    assert len(report.rows) > 5 and quarterly.series
    assert (report_count, quarterly_count) == (REPORT_STATEMENTS, QUARTERLY_STATEMENTS)

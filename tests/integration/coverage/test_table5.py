"""The seed report's Table 5 reproduced from raw registers: WRAP delivery to two Barnet departments
between 1 November 2017 and 1 January 2019.

| Responsible department        | requiring training | trained | WRAP sessions delivered |
| Children and Family Services  | 462                | 228     | 27                      |
| Adults and Communities        | 290                | 251     | 28                      |
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.seed_report import build_table5
from tracker.coverage import queries

AS_OF = date(2019, 1, 1)
PERIOD_START = date(2017, 11, 1)


@pytest.fixture
def barnet(app):
    """Barnet's two departments with their registers, plus things that must not count."""
    return build_table5()


def rows_by_name(report):
    return {(row.organisation, row.department): row for row in report.rows}


def test_table_5_from_raw_registers(barnet):
    report = queries.coverage_report(course=barnet["wrap"], as_of=AS_OF, period_start=PERIOD_START)
    rows = rows_by_name(report)
    children = rows[("London Borough of Barnet", "Children and Family Services")]
    adults = rows[("London Borough of Barnet", "Adults and Communities")]

    assert (children.required, children.trained, children.sessions_delivered) == (462, 228, 27)
    assert (adults.required, adults.trained, adults.sessions_delivered) == (290, 251, 28)
    assert (children.percent, children.rag) == (49, "red")
    assert (adults.percent, adults.rag) == (87, "green")
    assert (children.attendees, adults.attendees) == (228, 252)  # the leaver attended while placed
    assert children.gap == 163  # 390 of 462 is 84.4% (84), 391 is 84.6% (85)


def test_rolls_up_teams_and_totals_the_organisation(barnet):
    report = queries.coverage_report(course=barnet["wrap"], as_of=AS_OF, period_start=PERIOD_START)
    rows = rows_by_name(report)
    fostering = rows[("London Borough of Barnet", "Fostering")]
    total = rows[("London Borough of Barnet", None)]
    assert (fostering.required, fostering.trained, fostering.depth) == (62, 28, 2)
    assert (total.required, total.trained, total.sessions_delivered, total.attendees) == (752, 479, 45, 480)
    assert total.percent == 64 and total.rag == "red"
    assert [row.department for row in report.organisations[1].rows] == [
        None,
        "Adults and Communities",
        "Children and Family Services",
        "Fostering",
    ]


def test_an_organisation_without_a_requirement_still_shows_sessions_delivered(barnet):
    report = queries.coverage_report(course=barnet["wrap"], as_of=AS_OF, period_start=PERIOD_START)
    mencap = rows_by_name(report)[("Barnet MENCAP", None)]
    assert (mencap.required, mencap.percent, mencap.rag, mencap.sessions_delivered, mencap.attendees) == (
        0,
        None,
        None,
        1,
        1,
    )


def test_some_organisations_rows_count_only_their_people_and_equal_the_whole_reports(barnet):
    """The board report asks only for its councils' rows: counted from their people alone, they are the same."""
    whole = queries.coverage_report(course=barnet["wrap"], as_of=AS_OF, period_start=PERIOD_START)
    assert len(whole.organisations) > 1
    for organisation in whole.organisations:
        part = queries.coverage_report(
            course=barnet["wrap"],
            as_of=AS_OF,
            period_start=PERIOD_START,
            organisations={organisation.organisation_id},
        )
        assert part.organisations == [organisation]
    both = {o.organisation_id for o in whole.organisations[:2]}
    part = queries.coverage_report(course=barnet["wrap"], as_of=AS_OF, period_start=PERIOD_START, organisations=both)
    assert part.organisations == whole.organisations[:2]

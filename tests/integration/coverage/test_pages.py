"""The coverage page, the department drill-down and the CSV export: wiring, permissions, query counts."""

from __future__ import annotations

import csv
import io
import json
import re

from tests.factories import make_department, make_manager_of, make_user
from tests.integration.coverage.conftest import AS_OF, PERIOD_START
from tracker.accounts.models import Role

ARGS = f"course=WRAP&as_of={AS_OF}&period_start={PERIOD_START}"


def table_rows(html: str) -> list[list[str]]:
    """Text of each body row of the page's tables (tags stripped, whitespace collapsed)."""
    rows = []
    for body in re.findall(r"<tbody.*?</tbody>", html, re.S):
        for row in re.findall(r"<tr.*?</tr>", body, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            rows.append([" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells])
    return rows


def test_coordinator_sees_every_organisation_with_totals_and_rag_words(council, signed_in):
    client = signed_in(make_user(Role.COORDINATOR))
    response = client.get(f"/coverage?{ARGS}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = table_rows(html)
    assert ["Total for Barnet Homes", "5", "1", "20%", "4", "Red", "1", "1"] in rows
    assert ["Total for London Borough of Barnet", "14", "9", "64%", "3", "Red", "2", "8"] in rows
    assert ["Children and Family Services", "10", "6", "60%", "3", "Red", "2", "5"] in rows
    assert ["Fostering", "2", "1", "50%", "1", "Red", "1", "1"] in rows
    assert ["Adults and Communities", "4", "3", "75%", "1", "Amber", "1", "3"] in rows
    assert "app-coverage-table__name app-indent-2" in html  # Fostering sits under its department


def test_the_chart_loads_chart_js_and_its_data_without_inline_script(council, signed_in):
    html = signed_in(make_user(Role.COORDINATOR)).get(f"/coverage?{ARGS}").get_data(as_text=True)
    assert '<script src="/vendor/chart.umd.min.js?v=' in html
    assert 'src="/static/js/coverage-chart.js?v=' in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    data = json.loads(
        re.search(r'<script type="application/json" id="coverage-chart-data">(.*?)</script>', html).group(1)
    )
    assert data["target"] == 85
    assert data["labels"][0] == "2017-03-31" and data["labels"][-1] == "2018-12-31"
    assert [s["label"] for s in data["series"]] == ["Barnet Homes", "London Borough of Barnet"]
    assert data["series"][1]["data"][-1] == 64
    assert 'role="img"' in html and "aria-label=" in html  # a text alternative for the canvas
    assert "Percent trained at each quarter end" in html  # and the same figures in a table


def test_defaults_to_wrap_today_and_a_year_before(council, signed_in):
    html = signed_in(make_user(Role.COORDINATOR)).get("/coverage").get_data(as_text=True)
    assert re.search(r'<option value="WRAP" selected', html)
    assert "Sessions delivered from" in html


def test_a_bad_date_is_shown_next_to_the_field(council, signed_in):
    response = signed_in(make_user(Role.COORDINATOR)).get("/coverage?course=WRAP&as_of=2019-02-30")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "As of must be a real date" in html
    assert "govuk-error-summary" in html


def test_period_start_after_as_of_is_a_field_error(council, signed_in):
    html = (
        signed_in(make_user(Role.COORDINATOR))
        .get("/coverage?course=WRAP&as_of=2019-01-01&period_start=2019-02-01")
        .get_data(as_text=True)
    )
    assert "The period start must be on or before the as-of date" in html and "<title>Error: " in html


def test_one_organisation_drills_down_to_its_departments(council, signed_in):
    client = signed_in(make_user(Role.COORDINATOR))
    html = client.get(f"/coverage?{ARGS}&organisation_id={council['homes'].id}").get_data(as_text=True)
    names = [row[0] for row in table_rows(html)]
    assert "Total for Barnet Homes" in names and "Housing Management" in names
    assert "Total for London Borough of Barnet" not in names


def test_a_manager_sees_only_the_departments_they_manage(council, signed_in):
    manager = make_manager_of(council["children"])
    client = signed_in(manager)
    html = client.get(f"/coverage?{ARGS}").get_data(as_text=True)
    names = [row[0] for row in table_rows(html) if row]
    assert "Children and Family Services" in names and "Fostering" in names
    assert "Adults and Communities" not in names and "Housing Management" not in names
    assert not any(name.startswith("Total for") for name in names)
    assert 'name="organisation_id"' not in html
    assert client.get(f"/coverage/departments/{council['adults'].id}?{ARGS}").status_code == 403
    assert client.get(f"/coverage/departments/{council['fostering'].id}?{ARGS}").status_code == 200
    csv_text = client.get(f"/coverage/export.csv?{ARGS}").get_data().decode("utf-8-sig")
    assert "Adults and Communities" not in csv_text and "Children and Family Services" in csv_text
    chart = json.loads(re.search(r'id="coverage-chart-data">(.*?)</script>', html).group(1))
    assert [s["label"] for s in chart["series"]] == ["Children and Family Services"]


def test_a_manager_of_a_team_gets_no_breadcrumb_to_the_department_above(council, signed_in):
    client = signed_in(make_manager_of(council["fostering"]))
    html = client.get(f"/coverage/departments/{council['fostering'].id}?{ARGS}").get_data(as_text=True)
    assert f"/coverage/departments/{council['children'].id}?" not in html
    assert client.get(f"/coverage/departments/{council['children'].id}?{ARGS}").status_code == 403


def test_a_manager_of_nothing_sees_no_rows(council, signed_in):
    html = signed_in(make_user(Role.MANAGER)).get(f"/coverage?{ARGS}").get_data(as_text=True)
    assert "You do not manage any departments" in html


def test_staff_cannot_see_coverage(council, signed_in):
    assert signed_in(make_user(Role.STAFF)).get("/coverage").status_code == 403


def test_department_detail_lists_people_to_train_most_urgent_first(council, signed_in):
    client = signed_in(make_user(Role.COORDINATOR))
    response = client.get(f"/coverage/departments/{council['children'].id}?{ARGS}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = table_rows(html)
    assert ["Children and Family Services", "10", "6", "60%", "3", "Red", "2", "5"] in rows
    people = [row for row in rows if len(row) == 5]
    statuses = [row[3] for row in people]
    # 4 never trained, then the one whose training expires on 20 February 2019 (valid until the 19th).
    assert statuses == ["Never trained"] * 4 + ["Expiring soon"]
    assert people[-1][4] == "19 February 2019"
    # The sentence counts what the table says: 10 required, 4 of them untrained (10 - 6), 1 expiring, 5 listed.
    summary = re.sub(r"\s+", " ", re.search(r'id="people-summary">(.*?)</p>', html, re.S).group(1))
    assert summary == (
        "Of the 10 people required in Children and Family Services (and the teams beneath it) on 1 January 2019,"
        " 4 are not trained and 1 has training that expires within 90 days. These 5 people are listed below."
    )
    assert 'class="govuk-breadcrumbs' in html and ">London Borough of Barnet</a>" in html


def test_department_detail_pages_long_lists(council, signed_in, grow):
    from tests.support.coverage_builders import add_people

    add_people(council["children"], 60)
    client = signed_in(make_user(Role.COORDINATOR))
    first = client.get(f"/coverage/departments/{council['children'].id}?{ARGS}").get_data(as_text=True)
    second = client.get(f"/coverage/departments/{council['children'].id}?{ARGS}&page=2").get_data(as_text=True)
    assert len([r for r in table_rows(first) if len(r) == 5]) == 50
    assert len([r for r in table_rows(second) if len(r) == 5]) == 15
    assert "govuk-pagination" in first


def test_unknown_department_is_404(council, signed_in):
    assert signed_in(make_user(Role.COORDINATOR)).get("/coverage/departments/999999").status_code == 404


def test_csv_opens_cleanly_in_excel(council, signed_in):
    make_department(organisation=council["homes"], name='=HYPERLINK("http://evil")')
    response = signed_in(make_user(Role.COORDINATOR)).get(f"/coverage/export.csv?{ARGS}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="coverage-wrap-2019-01-01.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.count("\r\n") == text.count("\n") and text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "course",
        "as_of",
        "period_start",
        "organisation",
        "department",
        "required",
        "trained",
        "percent",
        "target_percent",
        "gap_to_target",
        "rag",
        "sessions_delivered",
        "attendees",
    ]
    assert [
        "WRAP",
        "2019-01-01",
        "2017-11-01",
        "London Borough of Barnet",
        "Children and Family Services/Fostering",
        "2",
        "1",
        "50",
        "85",
        "1",
        "red",
        "1",
        "1",
    ] in rows
    assert ["WRAP", "2019-01-01", "2017-11-01", "Barnet Homes", "", "5", "1", "20", "85", "4", "red", "1", "1"] in rows
    evil = next(r for r in rows if "HYPERLINK" in r[4])
    assert evil[4] == '\'=HYPERLINK("http://evil")'


def test_csv_with_a_bad_date_goes_back_to_the_page(council, signed_in):
    response = signed_in(make_user(Role.COORDINATOR)).get("/coverage/export.csv?as_of=nonsense")
    assert response.status_code == 302 and "/coverage?" in response.headers["Location"]


def test_page_export_and_drill_down_issue_a_fixed_number_of_queries(council, grow, signed_in, queries):
    client = signed_in(make_user(Role.COORDINATOR))
    department = council["children"].id
    urls = [f"/coverage?{ARGS}", f"/coverage/export.csv?{ARGS}", f"/coverage/departments/{department}?{ARGS}"]

    def counts():
        found = []
        for url in urls:
            with queries() as counter:
                assert client.get(url).status_code == 200
            found.append(counter.count)
        return found

    grow(2, people=2)
    small = counts()
    grow(60, people=4)
    large = counts()
    assert small == large, (small, large)
    # Page: 1 for the signed-in user (with their person and roles), then tree, courses, equivalents,
    # requirements, the two counting statements and the quarterly one. Export: no chart, but its audit
    # event. Drill-down: the department, and the people to train (a count and a page).
    assert large == [8, 8, 10]

"""The board report page, its downloads and its API: wiring, errors next to fields, printing, permissions,
formula-safe downloads and a fixed number of queries."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html import unescape as html_unescape
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.factories import make_organisation, make_user
from tests.integration.board.conftest import table_rows
from tests.support.coverage_builders import add_people, add_register, add_session
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token
from tracker.common.audit import AuditEvent
from tracker.common.time import add_months, today_london
from tracker.courses.models import Course
from tracker.coverage import board
from tracker.extensions import db as database
from tracker.people.models import OrganisationKind

ARGS = {"from": "2018-01-01", "to": "2018-12-31", "course": "WRAP"}
QUERY = "from=2018-01-01&to=2018-12-31&course=WRAP"
CSS = Path(__file__).resolve().parents[3] / "static" / "css" / "app.css"


def test_defaults_to_the_last_12_months_and_wrap(small_world, signed_in):
    html = signed_in(small_world["coordinator"]).get("/board-report").get_data(as_text=True)
    today = today_london()
    start = board.default_period(today)[0]
    assert start == add_months(today, -12) + timedelta(days=1)
    assert f'value="{today.isoformat()}"' in html and f'value="{start.isoformat()}"' in html
    assert re.search(r'<option value="WRAP" selected', html)
    assert 'name="from"' in html and 'name="to"' in html


@pytest.mark.parametrize(
    ("query", "message", "typed"),
    [
        ("from-day=30&from-month=2&from-year=2018&to=2018-12-31", "From must be a real date", 'value="30"'),
        ("from=2018-01-01&to-day=31&to-month=12&to-year=", "To must include a year", 'value="31"'),
        ("from=2018-02-30&to=2018-12-31", "From must be a real date", 'value="30"'),
        ("from=2019-01-01&to=2018-12-31", "The start of the period must be on or before its end", 'value="2019"'),
        ("from=2018-01-01&to=2018-12-31&course=NOPE", "Select course for the council's departments from the list", ""),
    ],
)
def test_bad_dates_are_shown_next_to_the_field(small_world, signed_in, query, message, typed):
    response = signed_in(small_world["coordinator"]).get(f"/board-report?{query}")
    html = html_unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "<title>Error: " in html and "govuk-error-summary" in html
    assert message in html
    assert re.search(
        r'govuk-error-message">\s*<span class="govuk-visually-hidden">Error:</span> ' + re.escape(message),
        html,
    )
    assert "1. Partner organisations" not in html  # no report for a wrong question
    assert typed in html  # what was typed is kept


def test_the_page_is_printable(small_world, signed_in):
    html = signed_in(small_world["coordinator"]).get(f"/board-report?{QUERY}").get_data(as_text=True)
    # Sections flowing on as in a committee paper; the form and buttons hidden from print.
    assert html.count('class="app-print-section app-board-section"') == 6  # 6: what attendees said (evaluations)
    assert '<div data-app-print="hide">' in html and 'data-app-print="hide">\n  <button type="button"' in html
    assert "data-app-print-button hidden>Print this report</button>" in html
    assert 'src="/static/js/print-button.js?v=' in html
    assert html.count("<h1") == 1
    assert all("<caption" in table for table in re.findall(r"<table.*?</table>", html, re.S))
    css = CSS.read_text()
    board_print = css[css.index("/* Board report") :]
    assert "@media print" in board_print and "break-before: auto" in board_print
    assert "break-before: page" not in board_print  # no section leaves half a page blank
    assert "break-inside: avoid" in board_print and "display: table-header-group" in board_print
    assert css.count("{") == css.count("}")  # every rule closed, so the print rules apply


def test_the_charts_are_svg_drawn_on_the_server_and_described(small_world, signed_in):
    html = signed_in(small_world["coordinator"]).get(f"/board-report?{QUERY}").get_data(as_text=True)
    assert "chart.umd.min.js" not in html and "board-chart.js" not in html and "<canvas" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    assert 'style="' not in html
    svgs = re.findall(r'<svg class="app-board-chart__svg".*?</svg>', html, re.S)
    assert len(svgs) == 1  # WRAP: the partners' returns and the council from registers
    svg = svgs[0]
    assert 'role="img"' in svg and 'viewBox="0 0 720 300"' in svg
    title_id = re.search(r'aria-labelledby="([^"]+)"', svg).group(1)
    desc_id = re.search(r'aria-describedby="([^"]+)"', svg).group(1)
    title = re.search(rf'<title id="{title_id}">(.*?)</title>', svg).group(1)
    description = re.search(rf'<desc id="{desc_id}">(.*?)</desc>', svg, re.S).group(1)
    assert title.startswith("Workshop to Raise Awareness of Prevent (WRAP): percent at each period end")
    assert "Partner 000 (return): 50% on 31 March 2018." in description
    assert "London Borough of Barnet (from registers): 67% on 31 March 2018, 67% on 30 June 2018." in description
    assert ">85% target</text>" in svg
    assert "Partner 000 (return)</li>" in html and "Target: 85%</li>" in html  # the legend, as text
    assert "Council staff trained in WRAP at each period end, from registers" in html  # the table beside it


def test_downloads_open_and_are_formula_safe(small_world, signed_in):
    evil = make_organisation(name='=HYPERLINK("http://evil.example")', kind=OrganisationKind.THIRD_SECTOR)
    from tests.factories import make_department

    ids = add_people(make_department(organisation=evil, name="Staff"), 2)
    add_register(add_session(database.session.query(Course).filter_by(code="WRAP").one(), date(2018, 6, 6)), ids)
    client = signed_in(small_world["coordinator"])
    text = client.post("/board-report/export.csv", data=ARGS).get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    wrap = "Workshop to Raise Awareness of Prevent (WRAP)"
    assert ['\'=HYPERLINK("http://evil.example")', "Third sector (charity or community group)", wrap, "1", "2"] in rows
    workbook = load_workbook(io.BytesIO(client.post("/board-report/export.xlsx", data=ARGS).get_data()))
    assert len(workbook.sheetnames) == 6
    cell = next(c for row in workbook["Sessions delivered"].iter_rows() for c in row if "HYPERLINK" in str(c.value))
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil.example")'


def test_downloads_speak_as_the_page_does_not_in_codes(small_world, signed_in):
    """A board officer pastes these into a committee paper: headings and words, not the API's codes."""
    client = signed_in(small_world["coordinator"])
    text = client.post("/board-report/export.csv", data=ARGS).get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if re.fullmatch(r"[a-z]+(_[a-z]+)+", cell)]  # no snake_case
    assert not {"green", "amber", "red", "nhs_trust", "third_sector", "local_authority", "new"} & set(cells)
    assert not [cell for cell in cells if re.search(r"seed|Table \d|section 1\.", cell)]
    titles = [rows[i + 1][0] for i, row in enumerate(rows) if not row]
    assert titles == [
        "1. Partner organisations' compliance: returns for periods ending 1 January 2018 to 31 December 2018",
        "2. Council departments: Workshop to Raise Awareness of Prevent (WRAP), trained on 31 December 2018, "
        "sessions delivered 1 January 2018 to 31 December 2018",
        "3. Sessions delivered by organisation, 1 January 2018 to 31 December 2018",
        "4. Coverage at each period end (the figures of the charts)",
        "5. Training requests received 1 January 2018 to 31 December 2018, by status now",
        "5. Training requests received 1 January 2018 to 31 December 2018",
    ]
    headers = {rows[i + 1][0][:2]: rows[i + 2] for i, row in enumerate(rows) if not row}
    assert headers["2."] == [
        "Organisation",
        "Department",
        "Required",
        "Trained",
        "Coverage (%)",
        "Target (%)",
        "RAG",
        "Sessions delivered",
        "Attendees",
    ]
    assert [
        "Partner 000",
        "Workshop to Raise Awareness of Prevent (WRAP)",
        "2018-03-31",
        "1",
        "2",
        "50",
        "85",
        "Red",
    ] in rows
    barnet = "London Borough of Barnet"
    assert [barnet, f"Total for {barnet}", "6", "4", "67", "85", "Red", "2", "4"] in rows
    assert [barnet, "Local authority", "Workshop to Raise Awareness of Prevent (WRAP)", "2", "4"] in rows
    assert [barnet, "Workshop to Raise Awareness of Prevent (WRAP)", "2018-03-31", "Counted from registers"] in [
        row[:4] for row in rows
    ]
    assert ["Status", "Requests"] in rows and ["New", "2"] in rows
    workbook = load_workbook(io.BytesIO(client.post("/board-report/export.xlsx", data=ARGS).get_data()))
    assert [c.value for c in workbook["Sessions delivered"][1]] == [
        "Organisation",
        "Organisation type",
        "Course",
        "Sessions",
        "Attendees",
    ]
    assert workbook["Sessions delivered"]["B2"].value == "Local authority"


def test_a_download_with_a_bad_date_goes_back_to_the_page_and_is_not_audited(small_world, signed_in, db):
    response = signed_in(small_world["coordinator"]).post("/board-report/export.csv", data={**ARGS, "to": "nonsense"})
    assert response.status_code == 302
    assert "/board-report?" in response.headers["Location"] and "to=nonsense" in response.headers["Location"]
    assert db.session.query(AuditEvent).filter_by(action="board_report.exported").count() == 0


def test_downloads_are_posts(small_world, signed_in):
    client = signed_in(small_world["coordinator"])
    assert client.get(f"/board-report/export.csv?{QUERY}").status_code == 405
    assert client.get(f"/board-report/export.xlsx?{QUERY}").status_code == 405


@pytest.mark.parametrize("role", [Role.STAFF, Role.MANAGER, Role.TRAINER, Role.PARTNER])
def test_only_the_coordinator_sees_the_report(small_world, signed_in, client, role):
    user = make_user(role)
    browser = signed_in(user)
    assert browser.get(f"/board-report?{QUERY}").status_code == 403
    assert browser.post("/board-report/export.csv", data=ARGS).status_code == 403
    assert browser.post("/board-report/export.xlsx", data=ARGS).status_code == 403
    assert browser.get("/demand-planning").status_code == 403
    headers = {"Authorization": f"Bearer {create_api_token(user=user)}"}
    assert client.get(f"/api/v1/board-report?{QUERY}", headers=headers).status_code == 403
    assert "Board report" not in browser.get("/").get_data(as_text=True)


def test_the_home_page_offers_the_coordinator_the_report_and_demand_planning(small_world, signed_in):
    html = signed_in(small_world["coordinator"]).get("/").get_data(as_text=True)
    assert 'href="/board-report"' in html and 'href="/demand-planning"' in html


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("from=2018-02-30&to=2018-12-31", 422, "from"),
        ("from=2018-01-01&to=31/12/2018", 422, "to"),
        ("to=2018-12-31", 422, "from"),
        ("from=2019-01-01&to=2018-12-31", 422, "from"),
        ("from=2018-01-01&to=2018-12-31&trainer_id=x", 422, "trainer_id"),
        ("from=2018-01-01&to=2018-12-31&trainer_id=999999", 422, "trainer_id"),
        ("from=2018-01-01&to=2018-12-31&course=NOPE", 404, "course"),
    ],
)
def test_api_bad_input_is_a_4xx_naming_the_field(small_world, client, query, status, field):
    headers = {"Authorization": f"Bearer {create_api_token(user=small_world['coordinator'])}"}
    response = client.get(f"/api/v1/board-report?{query}", headers=headers)
    assert response.status_code == status
    assert field in response.get_json()["error"]["fields"]


def test_the_api_is_documented(small_world, client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/board-report"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to", "course", "trainer_id"}
    schema = document["components"]["schemas"]["BoardReport"]
    assert {"from", "to", "partner_returns", "departments", "sessions_delivered", "percent_by_period"} <= set(
        schema["properties"]
    )


def test_the_page_and_downloads_issue_a_fixed_number_of_queries(small_world, signed_in, queries):
    client = signed_in(small_world["coordinator"])

    def counts():
        found = []
        for method, url in [("get", f"/board-report?{QUERY}"), ("post", "/board-report/export.csv")]:
            with queries() as counter:
                response = client.get(url) if method == "get" else client.post(url, data=ARGS)
                assert response.status_code == 200
            found.append(counter.count)
        return found

    small = counts()
    assert len(table_rows(client.get(f"/board-report?{QUERY}").get_data(as_text=True))) > 3
    small_world["grow"](40)
    large = counts()
    assert small == large, (small, large)
    # Page: 1 for the signed-in user (person and roles), the courses and the trainers to choose from, then the
    # report: organisation kinds, returns, the coverage context (3) and counts (2), the registers at the
    # chart's period ends, the deliveries, the requests, the post-session evaluation by course. Download: the same,
    # and the audit event.
    assert large == [14, 15]

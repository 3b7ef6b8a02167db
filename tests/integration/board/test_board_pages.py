"""The board report page, its downloads and its API: wiring, errors next to fields, printing, permissions,
formula-safe downloads and a fixed number of queries."""

from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import date, timedelta
from decimal import Decimal
from html import unescape as html_unescape
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.factories import make_course, make_organisation, make_user
from tests.integration.board.conftest import table_rows
from tests.support.coverage_builders import add_people, add_register, add_session
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token
from tracker.common.audit import AuditEvent
from tracker.common.time import add_months, today_london
from tracker.courses.models import Course, TrainingSession
from tracker.coverage import board
from tracker.evaluations import results
from tracker.evaluations.models import EvaluationResponse
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
    assert len(workbook.sheetnames) == 7
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
        "6. What attendees said: anonymous feedback on sessions from 1 January 2018 to 31 December 2018",
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
    assert headers["6."] == [
        "Course",
        "Responses",
        "Average confidence before (1 to 5)",
        "Average confidence after (1 to 5)",
        "Found it useful (%)",
    ]
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


def _answer(training_session: TrainingSession, *answers: tuple[int, int, int, int]) -> None:
    """Answers (confidence before, after, usefulness, trainer) as the feedback form stores them: no names."""
    for before, after, usefulness, trainer in answers:
        database.session.add(
            EvaluationResponse(
                session_id=training_session.id,
                receipt=secrets.token_hex(32),
                confidence_before=before,
                confidence_after=after,
                usefulness=usefulness,
                trainer_rating=trainer,
            )
        )
    database.session.flush()


def _feedback_rows(client) -> tuple[list[list[str]], list[list[str]], list[list]]:
    """Section 6 as the page's table, the CSV's rows and the workbook's rows (without the headers)."""
    page = table_rows(client.get(f"/board-report?{QUERY}").get_data(as_text=True))["Feedback by course"]
    rows = list(
        csv.reader(io.StringIO(client.post("/board-report/export.csv", data=ARGS).get_data().decode("utf-8-sig")))
    )
    start = next(i for i, row in enumerate(rows) if row and row[0].startswith("6. What attendees said")) + 2
    end = next((i for i in range(start, len(rows)) if not rows[i]), len(rows))
    workbook = load_workbook(io.BytesIO(client.post("/board-report/export.xlsx", data=ARGS).get_data()))
    sheet = [[cell.value for cell in row] for row in workbook["What attendees said"].iter_rows(min_row=2)]
    return page, rows[start:end], sheet


def test_downloads_have_the_feedback_the_page_shows_small_courses_in_words(small_world, signed_in):
    """Section 6 in both downloads: per course and all courses, the same figures as the page and the service;
    a course of fewer than 3 responses, and a total that would give it away by subtraction, only in words."""
    wrap = database.session.query(Course).filter_by(code="WRAP").one()
    briefing = make_course(code="BRIEF", name="Prevent briefing")
    _answer(add_session(wrap, date(2018, 5, 10)), (2, 4, 5, 4), (2, 4, 5, 4), (1, 5, 3, 5))
    _answer(add_session(briefing, date(2018, 7, 2)), (3, 4, 4, 4), (3, 5, 5, 5))
    _answer(add_session(briefing, date(2019, 1, 2)), (5, 5, 5, 5))  # after the period
    database.session.commit()
    client = signed_in(small_world["coordinator"])
    wrap_name = "Workshop to Raise Awareness of Prevent (WRAP)"
    withheld = "Not shown, as it would reveal a course with fewer than 3 responses"

    page, rows, sheet = _feedback_rows(client)
    # WRAP: before 2, 2, 1 = 1.7; after 4, 4, 5 = 4.3; useful 2 of 3 = 67%. The briefing's 2 answers are not
    # shown, nor is the total of 5 (less WRAP's 3, it would give the briefing's).
    assert page == [  # by course code
        ["Prevent briefing (BRIEF)", "Fewer than 3 responses"],
        [wrap_name, "3", "1.7 → 4.3", "67%"],
        ["All courses", withheld],
    ]
    assert rows == [
        ["Prevent briefing (BRIEF)", "Fewer than 3 responses", "", "", ""],
        [wrap_name, "3", "1.7", "4.3", "67"],
        ["All courses", withheld, "", "", ""],
    ]
    assert sheet == [
        ["Prevent briefing (BRIEF)", "Fewer than 3 responses", None, None, None],
        [wrap_name, 3, 1.7, 4.3, 67],
        ["All courses", withheld, None, None, None],
    ]
    workbook = load_workbook(io.BytesIO(client.post("/board-report/export.xlsx", data=ARGS).get_data()))
    assert workbook["What attendees said"]["C3"].number_format == "0.0"
    assert workbook["What attendees said"]["B2"].data_type == "s"

    # A third course with one answer: the small courses together have 3, so the total is shown, and it is
    # the service's total for the period (6 answers: before 13/6 = 2.2, after 27/6 = 4.5, useful 5 of 6 = 83%).
    _answer(add_session(make_course(code="CT", name="Channel training"), date(2018, 9, 9)), (2, 5, 5, 3))
    database.session.commit()
    page, rows, sheet = _feedback_rows(client)
    period = results.EvaluationFilter(date_from=date(2018, 1, 1), date_to=date(2018, 12, 31))
    total = results.overall_of(results.figures_by_course(period), "All courses")
    assert (total.responses, total.confidence_before, total.confidence_after, total.useful_percent) == (
        6,
        Decimal("2.2"),
        Decimal("4.5"),
        83,
    )
    assert page == [
        ["Prevent briefing (BRIEF)", "Fewer than 3 responses"],
        ["Channel training (CT)", "Fewer than 3 responses"],
        [wrap_name, "3", "1.7 → 4.3", "67%"],
        ["All courses", "6", "2.2 → 4.5", "83%"],
    ]
    assert rows[-1] == ["All courses", "6", "2.2", "4.5", "83"]
    assert sheet[-1] == ["All courses", 6, 2.2, 4.5, 83]
    by_course = results.figures_by_course(
        results.EvaluationFilter(date_from=date(2018, 1, 1), date_to=date(2018, 12, 31))
    )
    assert [row[0] for row in rows[:-1]] == [group.display_label for group in by_course]
    for row, group in zip(sheet, by_course, strict=False):
        if group.suppressed:
            assert row[1:] == ["Fewer than 3 responses", None, None, None]  # words, never the count
        else:
            assert row[1:] == [
                group.responses,
                float(group.confidence_before),
                float(group.confidence_after),
                group.useful_percent,
            ]


def test_one_course_of_feedback_has_no_all_courses_row(small_world, signed_in):
    """As in section 3, a total adds something only when there is more than one course."""
    wrap = database.session.query(Course).filter_by(code="WRAP").one()
    _answer(add_session(wrap, date(2018, 5, 10)), (2, 4, 5, 4), (2, 4, 5, 4), (2, 4, 5, 4))
    database.session.commit()
    page, rows, sheet = _feedback_rows(signed_in(small_world["coordinator"]))
    assert page == [["Workshop to Raise Awareness of Prevent (WRAP)", "3", "2.0 → 4.0", "100%"]]
    assert rows == [["Workshop to Raise Awareness of Prevent (WRAP)", "3", "2.0", "4.0", "100"]]
    assert sheet == [["Workshop to Raise Awareness of Prevent (WRAP)", 3, 2.0, 4.0, 100]]

"""The seed report's Tables 1–5 and the list in section 1.18 come out of the board report — the service,
the page, the CSV, the workbook and the API — from raw returns, registers and the roster.

Two reports of one database: 1 November 2017 to 1 January 2019 (Table 5's period, which holds every
return period end of Tables 1–4), and 2018 for the sessions the Prevent Coordinator delivered (1.18).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.integration.board.conftest import table_rows
from tests.support.seed_report import (
    BARNET,
    BEH,
    CTLP_ATTENDEES,
    SECTION_1_18,
    SEED_TABLES,
    TABLE_5,
    TABLE_5_FROM,
    TABLE_5_TO,
    YEAR_2018,
)
from tracker.accounts.services import create_api_token
from tracker.common.audit import AuditEvent
from tracker.common.time import format_date
from tracker.courses.models import Course
from tracker.coverage import board, board_rows
from tracker.coverage.rag import rag

#: {(organisation, course, period end): (compliant, eligible, percent, rag)}: Tables 1–4.
RETURNS = {
    (name, code, end): (compliant, eligible, expected, rag(expected, 85).value)
    for name, code, end, compliant, eligible, expected in SEED_TABLES
}
#: {department: (required, trained, sessions delivered)}: Table 5.
DEPARTMENTS = {name: (required, trained, sessions) for name, required, trained, sessions in TABLE_5}
#: {(organisation, course): (sessions, attendees)}: section 1.18, with the CTLP briefing per organisation.
DELIVERIES = {(name, code): (sessions, attendees) for name, _, code, sessions, attendees in SECTION_1_18} | {
    (name, "CTLP-BRIEFING"): (1, attendees) for name, attendees in CTLP_ATTENDEES.items()
}
#: Each course once, however many organisations were in the room; then everything.
DELIVERY_TOTALS = {"WRAP": (19, 206), "CTLP-BRIEFING": (1, 10), None: (20, 216)}
TABLE_5_ARGS = f"from={TABLE_5_FROM}&to={TABLE_5_TO}&course=WRAP"


def args_2018(seed) -> str:
    return f"from={YEAR_2018[0]}&to={YEAR_2018[1]}&course=WRAP&trainer_id={seed.coordinator.person_id}"


def wrap() -> Course:
    from tracker.extensions import db

    return db.session.query(Course).filter_by(code="WRAP").one()


# --- What each format says, in one shape ------------------------------------------------------------------


def figures_from_report(report: board_rows.BoardReport) -> dict:
    return {
        "returns": {
            (t.organisation, t.course_code, r.period_end): (r.compliant, r.eligible, r.percent, r.rag.value)
            for t in report.return_tables
            for r in t.rows
        },
        "departments": {
            row.department: (row.required, row.trained, row.sessions_delivered)
            for row in report.department_rows
            if row.organisation == BARNET and not row.is_total
        },
        "deliveries": {
            (row.organisation, row.course_code): (row.sessions, row.attendees)
            for row in report.deliveries
            if not row.is_total
        },
        "delivery_totals": {
            row.course_code: (row.sessions, row.attendees) for row in report.deliveries if row.is_total
        },
    }


def _int(text: str) -> int:
    return int(text.replace(",", "").rstrip("%"))


def figures_from_page(html: str, course_names: dict[str, str]) -> dict:
    tables = table_rows(html)
    codes = {name: code for code, name in course_names.items()}
    returns = {}
    for caption, rows in tables.items():
        organisation, _, course_name = caption.partition(": ")
        if course_name in codes and rows and len(rows[0]) == 5 and organisation != BARNET:
            for period_end, compliant, eligible, percent, rag_word in rows:
                end = next(e for (o, c, e) in RETURNS if format_date(e) == period_end) if RETURNS else None
                returns[(organisation, codes[course_name], end)] = (
                    _int(compliant),
                    _int(eligible),
                    _int(percent),
                    rag_word.lower(),
                )
    departments = {
        row[0]: (_int(row[1]), _int(row[2]), _int(row[5]))
        for row in tables.get(f"{BARNET}: {course_names['WRAP']}", [])
        if not row[0].startswith("Total for")
    }
    deliveries, totals = {}, {}
    for organisation, _kind, course, sessions, attendees in tables.get(
        "Sessions and attendees by organisation and course", []
    ):
        code = re.search(r"\(([A-Z-]+)\)$", course)
        key = code.group(1) if code else None
        if organisation == "All organisations":
            totals[key] = (_int(sessions), _int(attendees))
        else:
            deliveries[(organisation, key)] = (_int(sessions), _int(attendees))
    return {"returns": returns, "departments": departments, "deliveries": deliveries, "delivery_totals": totals}


def csv_sections(body: bytes) -> dict[str, list[dict[str, str]]]:
    """{section heading: rows as dicts by the section's header}."""
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.count("\r\n") == text.count("\n")
    lines = list(csv.reader(io.StringIO(text)))
    sections: dict[str, list[dict[str, str]]] = {}
    index = 1
    while index < len(lines):
        if not lines[index]:
            title, header = lines[index + 1][0], lines[index + 2]
            rows = []
            index += 3
            while index < len(lines) and lines[index]:
                rows.append(dict(zip(header, lines[index], strict=True)))
                index += 1
            sections[title] = rows
        else:
            index += 1
    return sections


def _section(sections: dict, starts: str) -> list[dict]:
    return next(rows for title, rows in sections.items() if title.startswith(starts))


def course_code(course: str) -> str | None:
    """The code at the end of a course as the downloads name it: "… Prevent (WRAP)" is WRAP."""
    if course == "All courses":
        return None
    return re.search(r"\(([A-Z-]+)\)$", course).group(1)


def figures_from_tables(returns_rows, department_rows, delivery_rows, parse_date) -> dict:
    def number(value):
        return int(value) if value not in (None, "") else None

    return {
        "returns": {
            (r["Organisation"], course_code(r["Course"]), parse_date(r["Period ending"])): (
                number(r["Compliant"]),
                number(r["Eligible"]),
                number(r["Compliant (%)"]),
                r["RAG"].lower(),
            )
            for r in returns_rows
        },
        "departments": {
            r["Department"]: (
                number(r["Required"]),
                number(r["Trained"]),
                number(r["Sessions delivered"]),
            )
            for r in department_rows
            if r["Organisation"] == BARNET and not r["Department"].startswith("Total for")
        },
        "deliveries": {
            (r["Organisation"], course_code(r["Course"])): (number(r["Sessions"]), number(r["Attendees"]))
            for r in delivery_rows
            if r["Organisation"] != "All organisations"
        },
        "delivery_totals": {
            course_code(r["Course"]): (number(r["Sessions"]), number(r["Attendees"]))
            for r in delivery_rows
            if r["Organisation"] == "All organisations"
        },
    }


def figures_from_csv(body: bytes) -> dict:
    sections = csv_sections(body)
    return figures_from_tables(
        _section(sections, "1. Partner organisations' compliance"),
        _section(sections, "2. Council departments"),
        _section(sections, "3. Sessions delivered"),
        date.fromisoformat,
    )


def figures_from_workbook(body: bytes) -> dict:
    workbook = load_workbook(io.BytesIO(body))
    assert workbook.sheetnames == [
        "Partner compliance",
        "Council departments",
        "Sessions delivered",
        "Coverage over time",
        "Requests by status",
        "Training requests",
        "What attendees said",
    ]

    def rows(name):
        values = list(workbook[name].iter_rows(values_only=True))
        return [dict(zip(values[0], row, strict=True)) for row in values[1:]]

    return figures_from_tables(
        rows("Partner compliance"),
        rows("Council departments"),
        rows("Sessions delivered"),
        lambda value: value.date(),
    )


def figures_from_api(body: dict) -> dict:
    return {
        "returns": {
            (r["organisation"], r["course_code"], date.fromisoformat(r["period_end"])): (
                r["compliant"],
                r["eligible"],
                r["percent"],
                r["rag"],
            )
            for r in body["partner_returns"]
        },
        "departments": {
            r["department"]: (r["required"], r["trained"], r["sessions_delivered"])
            for r in body["departments"]
            if r["organisation"] == BARNET and r["department_id"] is not None
        },
        "deliveries": {
            (r["organisation"], r["course_code"]): (r["sessions"], r["attendees"])
            for r in body["sessions_delivered"]
            if r["organisation_id"] is not None
        },
        "delivery_totals": {
            r["course_code"]: (r["sessions"], r["attendees"])
            for r in body["sessions_delivered"]
            if r["organisation_id"] is None
        },
    }


def assert_table5_report(figures: dict) -> None:
    """Tables 1–4 exactly, and Table 5's two departments exactly."""
    assert figures["returns"] == RETURNS
    for department, expected in DEPARTMENTS.items():
        assert figures["departments"][department] == expected, department


def assert_2018_report(figures: dict) -> None:
    """Tables 1–4 again (every period end is in 2018), and exactly the 1.18 list."""
    assert figures["returns"] == RETURNS
    assert figures["deliveries"] == DELIVERIES
    assert figures["delivery_totals"] == DELIVERY_TOTALS


# --- The service --------------------------------------------------------------------------------------------------


def test_the_service_gives_tables_1_to_5(seed):
    report = board.board_report(date_from=TABLE_5_FROM, date_to=TABLE_5_TO, course=wrap())
    figures = figures_from_report(report)
    assert_table5_report(figures)
    children = next(r for r in report.department_rows if r.department == "Children and Family Services")
    adults = next(r for r in report.department_rows if r.department == "Adults and Communities")
    assert (children.percent, children.rag, adults.percent, adults.rag) == (49, "red", 87, "green")
    assert [r.department for r in report.department_tables[0].rows][:1] == [None]  # the total first
    assert "Fostering" not in {r.department for r in report.department_rows}  # top-level departments only


def test_the_service_gives_the_1_18_list_for_the_coordinators_sessions(seed):
    start, end = YEAR_2018
    report = board.board_report(date_from=start, date_to=end, course=wrap(), trainer_id=seed.coordinator.person_id)
    assert_2018_report(figures_from_report(report))
    kinds = {row.organisation: row.organisation_kind for row in report.deliveries if not row.is_total}
    assert kinds[BARNET] == "local_authority" and kinds["Barnet MENCAP"] == "third_sector"


def test_without_the_trainer_every_session_counts(seed):
    start, end = YEAR_2018
    report = board.board_report(date_from=start, date_to=end, course=wrap())
    deliveries = figures_from_report(report)["deliveries"]
    # Table 5's sessions in 2018 count for Barnet too, and the session the coordinator only observed.
    assert deliveries[(BARNET, "WRAP")][0] > 11
    assert deliveries[("Barnet MENCAP", "WRAP")] == (4, 30)
    assert deliveries[("Barnet Youth Offending Service", "WRAP")] == (1, 9)


def test_the_chart_has_each_organisations_percent_by_period_and_the_target(seed):
    report = board.board_report(date_from=TABLE_5_FROM, date_to=TABLE_5_TO, course=wrap())
    charts = {chart.course_code: chart for chart in report.charts}
    assert set(charts) == {"WRAP", "PREVENT-BASIC"}
    chart = charts["WRAP"]
    assert chart.target_percent == 85
    assert chart.period_ends == [date(2018, 3, 31), date(2018, 6, 30), date(2018, 9, 30), date(2018, 12, 31)]

    def lines(chart):
        return {s.label: [p.percent if p else None for p in s.points] for s in chart.series}

    assert lines(chart)["Royal Free London (return)"] == [76, 80, 81, 84]
    assert lines(chart)[f"{BEH} (return)"] == [None, 88, 84, 83]
    assert lines(chart)["Central London Community Healthcare (return)"] == [None, 92, 92, 93]
    assert f"{BARNET} (from registers)" in lines(chart)
    assert lines(charts["PREVENT-BASIC"]) == {"Royal Free London (return)": [85, 85, 85, 85]}


def test_requests_received_in_the_period_with_their_outcome(seed):
    start, end = YEAR_2018
    report = board.board_report(date_from=start, date_to=end, course=wrap())
    assert [r.organisation_name for r in report.requests] == [
        "Barnet MIND",
        "St Mary's School",
        "VAWG partnership forum",
        "Barnet Refugee Service",
    ]
    assert {s.value: n for s, n in report.request_counts.items()} == {
        "new": 1,
        "contacted": 1,
        "scheduled": 1,
        "closed": 1,
    }
    assert report.requests[0].session_starts_at.date() == date(2018, 11, 27)


# --- The page, the downloads and the API ------------------------------------------------------------------------------


@pytest.fixture
def course_names(seed):
    from tracker.extensions import db

    return {c.code: c.name for c in db.session.query(Course)}


def test_the_page_shows_tables_1_to_5_and_the_1_18_list(seed, signed_in, course_names):
    client = signed_in(seed.coordinator)
    response = client.get(f"/board-report?{TABLE_5_ARGS}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_table5_report(figures_from_page(html, course_names))
    rows = table_rows(html)[f"{BARNET}: {course_names['WRAP']}"]
    assert ["Children and Family Services", "462", "228", "49%", "Red", "27", "228"] in rows
    assert ["Adults and Communities", "290", "251", "87%", "Green", "28", "252"] in rows
    assert ["30 June 2018", "422", "480", "88%", "Green"] in table_rows(html)[f"{BEH}: {course_names['WRAP']}"]

    html = client.get(f"/board-report?{args_2018(seed)}").get_data(as_text=True)
    assert_2018_report(figures_from_page(html, course_names))
    deliveries = table_rows(html)["Sessions and attendees by organisation and course"]
    assert deliveries[:2] == [
        [BARNET, "Local authority", f"{course_names['CTLP-BRIEFING']} (CTLP-BRIEFING)", "1", "4"],
        [BARNET, "Local authority", course_names["WRAP"], "11", "127"],
    ]
    assert "delivered by Sam Rosengard" in html


def test_the_csv_gives_the_same_figures(seed, signed_in, db):
    client = signed_in(seed.coordinator)
    response = client.post("/board-report/export.csv", data=dict(re.findall(r"([^&=]+)=([^&]*)", TABLE_5_ARGS)))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="board-report-2017-11-01-to-2019-01-01.csv"' in response.headers["Content-Disposition"]
    assert_table5_report(figures_from_csv(response.get_data()))

    response = client.post("/board-report/export.csv", data=dict(re.findall(r"([^&=]+)=([^&]*)", args_2018(seed))))
    body = response.get_data()
    assert_2018_report(figures_from_csv(body))
    first = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert first == [
        "Board report",
        "From",
        "2018-01-01",
        "To",
        "2018-12-31",
        "Course",
        "Workshop to Raise Awareness of Prevent (WRAP)",
        "Sessions delivered by",
        "Sam Rosengard",
    ]
    events = db.session.query(AuditEvent).filter_by(action="board_report.exported").all()
    assert [e.after["format"] for e in events] == ["csv", "csv"]
    assert events[1].after["from"] == "2018-01-01" and events[1].actor_label == "Sam Rosengard"


def test_the_workbook_gives_the_same_figures_one_sheet_per_table(seed, signed_in, db):
    client = signed_in(seed.coordinator)
    response = client.post("/board-report/export.xlsx", data=dict(re.findall(r"([^&=]+)=([^&]*)", TABLE_5_ARGS)))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert_table5_report(figures_from_workbook(response.get_data()))

    response = client.post("/board-report/export.xlsx", data=dict(re.findall(r"([^&=]+)=([^&]*)", args_2018(seed))))
    body = response.get_data()
    assert_2018_report(figures_from_workbook(body))
    sheet = load_workbook(io.BytesIO(body))["Council departments"]
    assert [c.value for c in sheet[1]] == [
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
    assert sheet[1][0].font.bold and sheet.freeze_panes == "A2"
    assert isinstance(sheet["C2"].value, int)  # numbers as numbers
    assert sheet.column_dimensions["A"].width >= len(BARNET)
    assert db.session.query(AuditEvent).filter_by(action="board_report.exported").count() == 2


def test_the_api_gives_the_same_figures(seed, client):
    token = create_api_token(user=seed.coordinator)
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get(f"/api/v1/board-report?{TABLE_5_ARGS}", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["from"], body["to"], body["course"], body["target_percent"]) == (
        "2017-11-01",
        "2019-01-01",
        "WRAP",
        85,
    )
    assert_table5_report(figures_from_api(body))

    body = client.get(f"/api/v1/board-report?{args_2018(seed)}", headers=headers).get_json()
    assert_2018_report(figures_from_api(body))
    assert body["trainer_id"] == seed.coordinator.person_id
    assert body["training_requests"]["by_status"] == {"new": 1, "contacted": 1, "scheduled": 1, "closed": 1}
    assert body["training_requests"]["items"][0]["organisation"] == "Barnet MIND"
    points = [
        p for p in body["percent_by_period"] if p["organisation"] == "Royal Free London" and p["course_code"] == "WRAP"
    ]
    assert [(p["period_end"], p["percent"], p["source"]) for p in points] == [
        ("2018-03-31", 76, "return"),
        ("2018-06-30", 80, "return"),
        ("2018-09-30", 81, "return"),
        ("2018-12-31", 84, "return"),
    ]

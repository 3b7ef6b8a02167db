"""The board report and demand planning in a real browser: accessible, charts readable (SVG on a time axis,
a sensible height, labels of 14px or more), printable as a committee paper of at most four A4 pages
(navigation hidden), and the downloads arrive."""

from __future__ import annotations

import re
from datetime import datetime

#: What a reader of each chart gets: its height on screen, the size its labels are drawn at, the x of each
#: marker (in drawing units) and the period ends they stand for (from their tooltips).
CHARTS = """() => [...document.querySelectorAll('svg.app-board-chart__svg')].map(svg => {
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    const label = svg.querySelector('text');
    return {
        height: box.height,
        labelPx: parseFloat(getComputedStyle(label).fontSize) * scale,
        labelColour: getComputedStyle(label).fill,
        role: svg.getAttribute('role'),
        named: Boolean(document.getElementById(svg.getAttribute('aria-labelledby'))?.textContent),
        described: Boolean(document.getElementById(svg.getAttribute('aria-describedby'))?.textContent),
        target: svg.querySelector('.app-board-chart__target text').textContent,
        axis: [...svg.querySelectorAll('.app-board-chart__grid > line')].pop().getAttribute('x2'),
        axisStart: [...svg.querySelectorAll('.app-board-chart__grid > line')].pop().getAttribute('x1'),
        markers: [...svg.querySelectorAll('.app-board-chart__line')][0]
            ? [...[...svg.querySelectorAll('.app-board-chart__line')][0].querySelectorAll('g')].map(g => [
                parseFloat((g.querySelector('circle') || {}).getAttribute?.('cx') ?? 'NaN'),
                g.querySelector('title').textContent])
            : [],
    };
})"""


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF printed by Chromium: its page objects (Skia writes them uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def test_the_board_report_draws_prints_and_downloads(page, viewport):
    page.sign_in("sam.rosengard@barnet.example")
    page.goto("/board-report")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Board report:")
    page.check("board report")
    charts = page.evaluate(CHARTS)
    assert len(charts) == 2
    for chart in charts:
        assert chart["role"] == "img" and chart["named"] and chart["described"]
        assert 250 <= chart["height"] <= 320, chart["height"]
        assert chart["labelPx"] >= 14, chart["labelPx"]
        assert chart["labelColour"] == "rgb(11, 12, 12)"  # GOV.UK text colour
        assert chart["target"] == "85% target"
    # A time axis: each marker's x is proportional to its date within the report's period (quarter ends here,
    # the first some weeks after the period starts and the last two months before it ends).
    start, end = (
        datetime.strptime(day, "%d %B %Y").date()
        for day in re.search(r"Board report: (.+) to (.+)$", page.locator("h1").inner_text()).groups()
    )
    left, right = float(charts[0]["axisStart"]), float(charts[0]["axis"])
    markers = charts[0]["markers"]
    assert len(markers) >= 3
    for x, title in markers:
        day = datetime.strptime(re.search(r", (\d+ \w+ \d{4}): \d+%$", title).group(1), "%d %B %Y").date()
        share = (day - start).days / (end - start).days
        assert abs((x - left) / (right - left) - share) < 0.03, (title, x)
    assert page.get_by_role("button", name="Print this report").is_visible()

    page.emulate_media(media="print")
    hidden = page.evaluate(
        "['header.govuk-template__header', 'footer', 'form'].map(s => getComputedStyle(document.querySelector(s)).display)"
    )
    assert hidden == ["none", "none", "none"]
    # A committee paper: sections flow on (no blank half pages), headings stay with what follows, rows whole.
    breaks = page.evaluate(
        "[...document.querySelectorAll('.app-board-section')].map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks == ["auto"] * 6  # five of figures and the feedback from sessions
    row = page.evaluate("getComputedStyle(document.querySelector('.app-board .govuk-table__row')).breakInside")
    assert row == "avoid"
    if viewport == "desktop":
        margins = dict.fromkeys(("top", "right", "bottom", "left"), "15mm")
        pages = pdf_pages(page.pdf(format="A4", margin=margins))
        assert 1 < pages <= 4, pages
    page.emulate_media(media="screen")

    if viewport == "desktop":
        with page.expect_download() as csv_download:
            page.get_by_role("button", name="Download as CSV").click()
        assert csv_download.value.suggested_filename.startswith("board-report-")
        with page.expect_download() as xlsx_download:
            page.get_by_role("button", name="Download as Excel workbook").click()
        assert xlsx_download.value.suggested_filename.endswith(".xlsx")


def test_board_report_errors_and_demand_planning_are_accessible(page):
    page.sign_in("sam.rosengard@barnet.example")
    page.goto("/board-report?from=2019-01-01&to=2018-12-31")
    assert "The start of the period must be on or before its end" in page.content()
    page.check("board report with errors")
    page.goto("/demand-planning")
    assert "Rates used" in page.content()
    page.check("demand planning")
    page.goto("/demand-planning?target_date=2001-01-01")
    assert "The target date must be after today" in page.content()
    page.check("demand planning with errors")


def test_the_coordinator_finds_organisations_not_yet_reached(page):
    page.sign_in("sam.rosengard@barnet.example")
    page.nav("Training requests")
    page.follow("organisations not yet reached")
    assert page.get_by_role("heading", level=1).inner_text() == "Organisations not yet reached"
    listed = page.locator("main table tbody th").all_inner_texts()
    # The demo's partners that send returns (84–93% trained) are reached.
    assert "Royal Free London" not in listed and "Central London Community Healthcare" not in listed
    page.check("organisations not yet reached")

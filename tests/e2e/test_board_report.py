"""The board report and demand planning in a real browser: accessible, charts drawn without CSP errors,
printable (navigation hidden, one section a page), and the downloads arrive."""

from __future__ import annotations


def test_the_board_report_draws_prints_and_downloads(page, viewport):
    page.sign_in("sam.rosengard@barnet.example")
    page.goto("/board-report")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Board report:")
    page.check("board report")
    drawn = page.evaluate(
        "[...document.querySelectorAll('canvas[id^=board-chart-]')].map(c => Boolean(window.Chart.getChart(c)))"
    )
    assert drawn and all(drawn)
    assert page.get_by_role("button", name="Print this report").is_visible()

    page.emulate_media(media="print")
    hidden = page.evaluate(
        "['header.govuk-template__header', 'footer', 'form'].map(s => getComputedStyle(document.querySelector(s)).display)"
    )
    assert hidden == ["none", "none", "none"]
    breaks = page.evaluate(
        "[...document.querySelectorAll('.app-board-section')].map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks == ["auto", "page", "page", "page", "page"]
    row = page.evaluate("getComputedStyle(document.querySelector('.app-board .govuk-table__row')).breakInside")
    assert row == "avoid"
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

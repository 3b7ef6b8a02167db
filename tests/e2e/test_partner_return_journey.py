"""A partner contact (an NHS trust's safeguarding lead) submits a quarterly compliance return."""

from __future__ import annotations

from datetime import date, timedelta

from tests.e2e.conftest import fill_date
from tracker.common.time import today_london


def _last_month_end() -> date:
    return today_london().replace(day=1) - timedelta(days=1)


def test_partner_submits_a_compliance_return(page):
    period_end = _last_month_end()
    page.sign_in("rachel.green@beh-mht.example")
    page.nav("Compliance returns")
    page.check("compliance returns")
    page.go("Submit a return")
    assert "Barnet Enfield and Haringey Mental Health Trust" in page.locator("main form").inner_text()
    page.check("submit a return")

    page.select_option("#course_id", label="Workshop to Raise Awareness of Prevent (WRAP)")
    fill_date(page, "period_end", period_end)
    page.fill("#compliant", "500")
    page.fill("#eligible", "480")
    page.press_button("Submit return")
    assert "Compliant staff cannot be more than eligible staff" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error:")
    page.check("return with a mistake")

    page.fill("#compliant", "422")
    page.press_button("Submit return")
    assert f"Return for WRAP, period ending {period_end.isoformat()}, saved" in page.flash()
    text = page.locator("main").inner_text()
    assert "422" in text and "480" in text and "88%" in text
    page.check("return saved")

    page.nav("Compliance returns")
    assert "88%" in page.locator("main table", has_text="Workshop to Raise Awareness of Prevent").first.inner_text()
    page.check("compliance returns with the new one")

    # The coordinator opens the board report: the trust's new return is in its first table.
    page.sign_out()
    page.sign_in("sam.rosengard@barnet.example")
    page.goto("/")
    page.nav("Board report")
    trust = page.locator("main table", has_text="Barnet Enfield and Haringey Mental Health Trust").first
    row = trust.locator("tr", has_text=f"{period_end.day} {period_end:%B %Y}")
    assert "422" in row.inner_text() and "480" in row.inner_text() and "88%" in row.inner_text()
    page.check("board report with the return")


def test_partner_submits_a_return_with_the_keyboard_only(page):
    period_end = _last_month_end()
    page.sign_in("rachel.green@beh-mht.example")
    page.goto("/partner-returns/new")
    page.tab_to(page.locator("#course_id"))
    page.keyboard.type("Workshop")  # a closed select takes the option whose label starts with what is typed
    assert page.locator("#course_id option:checked").inner_text().startswith("Workshop to Raise Awareness")
    page.type_date("period_end", period_end)
    page.type_into(page.locator("#compliant"), "402")
    page.type_into(page.locator("#eligible"), "479")
    page.tab_to(page.get_by_role("button", name="Submit return"))
    page.screenshot_focus("submit return")
    page.press_key("Enter")
    assert f"period ending {period_end.isoformat()}, saved" in page.flash()
    assert "84%" in page.locator("main").inner_text()
    page.check("return sent with the keyboard")

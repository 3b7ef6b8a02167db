"""Someone reads the accessibility statement, the privacy notice and the API page from the footer: each passes
axe-core and reflows at 320 pixels (the API page's long paths wrap; its tables scroll inside their wrappers)."""

from __future__ import annotations


def _footer_link(page, name: str) -> None:
    page.click_and_wait(page.locator("footer").get_by_role("link", name=name, exact=True))


def test_the_footer_leads_to_the_statements_and_the_api_page(page):
    page.goto("/sign-in")
    _footer_link(page, "Accessibility statement")
    assert "Accessibility statement for" in page.locator("h1").inner_text()
    assert "Enforcement procedure" in page.locator("main").inner_text()
    page.check("accessibility statement")

    _footer_link(page, "Privacy")
    assert page.locator("h1").inner_text() == "Privacy notice"
    assert "Information Commissioner’s Office" in page.locator("main").inner_text()
    page.check("privacy notice")

    _footer_link(page, "API")
    assert page.locator("h1").inner_text() == "API reference"
    assert page.locator("main h3", has_text="/api/v1/sessions/{session_id}/bookings").count() == 2  # GET and POST
    page.check("API reference")

    page.follow("openapi.json")
    assert '"openapi": "3.0.3"' in page.content() or '"openapi":"3.0.3"' in page.content()


def test_the_api_page_signed_in(page):
    page.sign_in("sam.rosengard@barnet.example")
    page.goto("/api-reference#schemas")
    assert page.locator("#schema-Session").is_visible()
    page.check("API reference signed in")

"""Signing in and out in a real browser, by mouse and by keyboard only, with error states checked too."""

from __future__ import annotations

from tests.e2e.conftest import DEMO_PASSWORD


def test_sign_in_error_then_success_then_sign_out(page):
    page.goto("/sign-in")
    page.check("sign in")
    page.press_button("Sign in")
    assert "Enter your email address" in page.content()
    page.check("sign in with errors")
    page.sign_in("sam.rosengard@barnet.example")
    page.check("home as coordinator")
    page.sign_out()
    assert "You have signed out" in page.content()
    page.check("signed out")


def test_sign_in_with_the_keyboard_only(page):
    page.goto("/sign-in")
    keyboard = page.keyboard
    # Skip link first, then the header link, then the form: Tab until the email field has focus.
    for _ in range(10):
        keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    assert page.evaluate("document.activeElement.id") == "email"
    keyboard.type("helen.okafor@barnet.example")
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    keyboard.type(DEMO_PASSWORD)
    outline = page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle + ' ' + getComputedStyle(document.activeElement).boxShadow"
    )
    assert outline != "none none", "no visible focus on the password field"
    with page.expect_navigation():
        keyboard.press("Enter")
    assert "Helen Okafor" in page.content()
    page.check("home as manager")


def test_error_pages_are_accessible(page):
    page.sign_in("tom.walker@barnet.example")
    page.goto("/no-such-page")
    assert "Page not found" in page.content()
    page.check("not found")

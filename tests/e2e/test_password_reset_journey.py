"""Forgotten your password? In a real browser: ask for a link, read it from the email in the outbox, choose a
new password (an error first), and land signed in; the old password no longer works and the link only once."""

from __future__ import annotations

from tests.support.mail_links import emailed_link

EMAIL = "tom.walker@barnet.example"
NEW_PASSWORD = "a new passphrase for tom 2027"


def test_forgotten_password_to_a_new_password_and_signed_in(page, demo_data):
    page.goto("/sign-in")
    page.follow("Forgotten your password?")
    page.check("forgotten your password")
    page.press_button("Send a reset link")
    assert "Enter your email address" in page.content()
    page.check("forgotten your password with errors")
    page.fill("#email", EMAIL)
    page.press_button("Send a reset link")
    assert "Check your email" in page.content()
    page.check("check your email")

    with demo_data():
        link = emailed_link(to=EMAIL, kind="password_reset", contains="/choose-password/")
    page.goto(link)
    assert "Choose a new password" in page.content()
    page.check("choose a new password")
    page.fill("#password", "password")
    page.press_button("Save password")
    assert "Password must be 12 characters or more" in page.content()
    page.check("choose a new password with errors")
    page.fill("#password", NEW_PASSWORD)
    page.press_button("Save password")
    assert "Your password is saved and you are signed in" in page.flash()
    assert "Tom Walker" in page.content()
    page.check("signed in after reset")

    page.sign_out()
    page.goto(link)
    assert "This link has expired or has already been used" in page.content()
    page.check("link already used")
    page.sign_in(EMAIL, NEW_PASSWORD)
    assert "Tom Walker" in page.content()

"""Emailed single-use links, followed signed out as a person would: password reset, sign-in links, and
changing your own password. The links are read from the outbox message the service queued."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, sign_in
from tests.factories import make_booking, make_person, make_session, make_user
from tests.support.mail_links import emailed_link
from tracker.accounts import links
from tracker.accounts.models import AccountLink, LinkPurpose, Role, UserAccount
from tracker.accounts.passwords import verify_password
from tracker.common.audit import AuditEvent
from tracker.common.time import utc_now
from tracker.invites.models import OutboxMessage

NEW_PASSWORD = "a fresh passphrase for 2027"
REFUSED = "This link has expired or has already been used"


def text(response) -> str:
    return response.get_data(as_text=True)


def outbox_count(db) -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)))


def audited(db, action: str) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def ask_for_reset(client, email: str):
    return client.post("/forgotten-password", data={"email": email})


# --- Forgotten your password? ---------------------------------------------------------------------------


def test_the_sign_in_page_leads_to_both_kinds_of_link(app, client):
    html = text(client.get("/sign-in?next=/my-training"))
    assert 'href="/forgotten-password"' in html
    assert 'href="/sign-in-link?next=/my-training"' in html
    assert "Enter the email address you sign in with" in text(client.get("/forgotten-password"))


def test_a_reset_link_sets_a_new_password_signs_in_and_ends_every_other_session(app, db, client):
    user = make_user(Role.STAFF)
    elsewhere = sign_in(app.test_client(), user)
    response = ask_for_reset(client, user.person.email.upper())
    assert response.status_code == 302 and response.headers["Location"] == "/check-your-email?kind=password"
    link = emailed_link(to=user.person.email, kind="password_reset", contains="/choose-password/")

    visitor = app.test_client()
    html = text(visitor.get(link))
    assert "Choose a new password" in html and user.person.email in html
    stored = db.session.scalar(select(AccountLink).where(AccountLink.person_id == user.person_id))
    assert stored.used_at is None and link.rsplit("/", 1)[1] not in stored.token_hash  # a GET uses nothing

    html = text(visitor.post(link, data={"password": "short"}))
    assert "Password must be 12 characters or more" in html and "<title>Error:" in html
    html = text(visitor.post(link, data={"password": ""}))
    assert "Enter a new password" in html
    response = visitor.post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert visitor.get("/").status_code == 200  # signed in by it
    assert elsewhere.get("/").status_code == 302  # every other session ended
    assert verify_password(db.session.get(UserAccount, user.id).password_hash, NEW_PASSWORD)
    assert (
        app.test_client().post("/sign-in", data={"email": user.person.email, "password": PASSWORD}).status_code == 200
    )
    assert audited(db, "auth.password_reset_link_sent") == 1 and audited(db, "auth.password_reset_link_used") == 1
    assert audited(db, "user.password_changed") == 1


def test_expired_reused_and_superseded_links_get_the_same_clear_page(app, db, client):
    user = make_user(Role.STAFF)
    email = user.person.email
    expired_token = links.issue_link(
        person=user.person, purpose=LinkPurpose.PASSWORD_RESET, now=utc_now() - timedelta(minutes=61)
    )
    expired = f"/choose-password/{expired_token}"
    ask_for_reset(client, email)
    superseded = emailed_link(to=email, kind="password_reset", contains="/choose-password/")
    ask_for_reset(client, email)
    used = emailed_link(to=email, kind="password_reset", contains="/choose-password/")
    assert app.test_client().post(used, data={"password": NEW_PASSWORD}).status_code == 302

    pages = []
    for link in (expired, superseded, used, "/choose-password/made-up-token"):
        for response in (
            app.test_client().get(link),
            app.test_client().post(link, data={"password": "another one 1234"}),
        ):
            assert response.status_code == 410, link
            pages.append(text(response))
    assert all(REFUSED in html and 'href="/forgotten-password"' in html for html in pages)
    assert len(set(pages)) == 1  # nothing tells one refusal from another
    assert verify_password(db.session.get(UserAccount, user.id).password_hash, NEW_PASSWORD)


def test_no_enumeration_the_same_page_and_status_for_any_address(app, db, client):
    user = make_user(Role.STAFF)
    leaver = make_user(Role.STAFF, end_date=date(2020, 1, 1))
    disabled = make_user(Role.STAFF)
    disabled.is_active = False
    no_account = make_person()
    answers = set()
    for email in (
        user.person.email,
        "nobody@example.org",
        leaver.person.email,
        disabled.person.email,
        no_account.email,
    ):
        response = ask_for_reset(client, email)
        answers.add((response.status_code, response.headers["Location"], text(response)))
    assert len(answers) == 1
    page = text(client.get("/check-your-email?kind=password"))
    assert "If that email address has an account, we have sent it a link" in page
    sent = db.session.scalars(select(OutboxMessage.recipient_email)).all()
    assert sent == [user.person.email]  # only the active, current account holder got one


def test_bad_input_is_shown_next_to_the_field(app, client):
    html = text(client.post("/forgotten-password", data={"email": ""}))
    assert "Enter your email address" in html and "<title>Error:" in html and "govuk-error-summary" in html
    html = text(client.post("/forgotten-password", data={"email": "not an address"}))
    assert "Enter an email address in the correct format" in html
    html = text(client.post("/sign-in-link", data={"email": "x" * 300 + "@example.org"}))
    assert "<title>Error:" in html


def test_a_link_stops_working_when_the_account_is_disabled(app, db, client):
    user = make_user(Role.STAFF)
    ask_for_reset(client, user.person.email)
    link = emailed_link(to=user.person.email, kind="password_reset", contains="/choose-password/")
    user.is_active = False
    db.session.commit()
    assert app.test_client().post(link, data={"password": NEW_PASSWORD}).status_code == 410
    assert verify_password(db.session.get(UserAccount, user.id).password_hash, PASSWORD)


# --- Sign-in links ----------------------------------------------------------------------------------------


def test_a_sign_in_link_makes_a_staff_account_on_first_use_and_leads_to_next(app, db, client):
    person = make_person(email="booked.by.manager@example.org", organisation=None)
    response = client.post("/sign-in-link?next=/my-training", data={"email": "Booked.By.Manager@example.org"})
    assert response.status_code == 302 and response.headers["Location"] == "/check-your-email?kind=sign-in"
    link = emailed_link(to=person.email, kind="sign_in_link", contains="/sign-in-link/")
    assert "next=/my-training" in link or "next=%2Fmy-training" in link

    visitor = app.test_client()
    html = text(visitor.get(link))
    assert "Sign in to Prevent training" in html and person.email in html and 'type="submit"' in html
    assert db.session.scalar(select(UserAccount).where(UserAccount.person_id == person.id)) is None  # GET: nothing
    response = visitor.post(link)
    assert response.status_code == 302 and response.headers["Location"] == "/my-training"
    assert visitor.get("/my-training").status_code == 200
    user = db.session.scalar(select(UserAccount).where(UserAccount.person_id == person.id))
    assert user.roles == {Role.STAFF} and user.password_hash is None
    assert audited(db, "auth.account_made_by_sign_in_link") == 1 and audited(db, "auth.sign_in_link_used") == 1
    assert audited(db, "auth.signed_in") == 1
    assert app.test_client().post(link).status_code == 410  # once only
    assert REFUSED in text(app.test_client().get(link))
    # With the account made, the next link signs the same account in.
    client.post("/sign-in-link", data={"email": person.email})
    again = emailed_link(to=person.email, kind="sign_in_link", contains="/sign-in-link/")
    assert app.test_client().post(again).headers["Location"] == "/"
    assert db.session.scalar(select(func.count(UserAccount.id)).where(UserAccount.person_id == person.id)) == 1


def test_a_next_address_off_the_site_is_ignored(app, client):
    person = make_person()
    client.post("/sign-in-link?next=//evil.example/x", data={"email": person.email})
    link = emailed_link(to=person.email, kind="sign_in_link", contains="/sign-in-link/")
    assert "evil" not in link
    assert app.test_client().post(link + "?next=https://evil.example/").headers["Location"] == "/"


def test_someone_with_a_password_is_sent_a_reset_link_instead(app, db, client):
    user = make_user(Role.STAFF)
    client.post("/sign-in-link", data={"email": user.person.email})
    assert emailed_link(to=user.person.email, kind="password_reset", contains="/choose-password/")
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "sign_in_link")) == 0


@pytest.mark.parametrize("who", ["leaver", "erased", "disabled", "unknown"])
def test_leavers_erased_people_and_disabled_accounts_get_nothing(app, db, client, who):
    if who == "leaver":
        email = make_person(end_date=date(2021, 3, 31)).email
    elif who == "erased":
        person = make_person()
        person.erased_at = utc_now()
        email = person.email
    elif who == "disabled":
        user = make_user(Role.STAFF, password=None)
        user.password_hash = None
        user.is_active = False
        email = user.person.email
    else:
        email = "stranger@example.org"
    reference = make_person()
    known = client.post("/sign-in-link", data={"email": reference.email})
    response = client.post("/sign-in-link", data={"email": email})
    assert (response.status_code, response.headers["Location"]) == (known.status_code, known.headers["Location"])
    assert db.session.scalars(select(OutboxMessage.recipient_email)).all() == [reference.email]


def test_a_sign_in_link_for_someone_who_then_left_is_refused(app, db, client):
    person = make_person()
    client.post("/sign-in-link", data={"email": person.email})
    link = emailed_link(to=person.email, kind="sign_in_link", contains="/sign-in-link/")
    person.end_date = date(2022, 1, 1)
    db.session.commit()
    assert app.test_client().post(link).status_code == 410
    assert db.session.scalar(select(UserAccount).where(UserAccount.person_id == person.id)) is None


def test_a_booked_person_follows_their_booking_email_via_a_sign_in_link(app, db, client):
    """The manager booked them; they have no account. The sign-in page's link keeps where they were going."""
    person = make_person()
    booking = make_booking(training_session=make_session(), person=person)
    target = f"/bookings/{booking.id}/cancel"
    html = text(client.get(f"/sign-in?next={target}"))
    assert f'href="/sign-in-link?next={target}"' in html
    client.post(f"/sign-in-link?next={target}", data={"email": person.email})
    link = emailed_link(to=person.email, kind="sign_in_link", contains="/sign-in-link/")
    visitor = app.test_client()
    assert visitor.post(link).headers["Location"] == target
    assert "Cancel" in text(visitor.get(target))


# --- Change your own password ------------------------------------------------------------------------------


def test_changing_your_password_ends_your_other_sessions_only(app, db, signed_in):
    user = make_user(Role.STAFF)
    here, there = signed_in(user), signed_in(user)
    html = text(here.get("/"))
    assert 'href="/account/password"' in html
    assert "Change your password" in text(here.get("/account/password"))

    html = text(
        here.post("/account/password", data={"current_password": "wrong one entirely", "password": NEW_PASSWORD})
    )
    assert "Your current password is not right" in html and "<title>Error:" in html
    html = text(here.post("/account/password", data={"current_password": PASSWORD, "password": "password"}))
    assert "Password must be 12 characters or more" in html
    html = text(here.post("/account/password", data={"current_password": "", "password": ""}))
    assert "Enter your current password" in html and "Enter a new password" in html
    assert there.get("/").status_code == 200  # nothing changed yet

    response = here.post("/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert here.get("/").status_code == 200  # still signed in here
    assert there.get("/").status_code == 302  # signed out there
    assert verify_password(db.session.get(UserAccount, user.id).password_hash, NEW_PASSWORD)
    assert audited(db, "user.password_changed") == 1


def test_someone_without_a_password_is_told_how_to_get_one(app, db, client):
    person = make_person()
    client.post("/sign-in-link", data={"email": person.email})
    visitor = app.test_client()
    visitor.post(emailed_link(to=person.email, kind="sign_in_link", contains="/sign-in-link/"))
    assert 'href="/account/password"' not in text(visitor.get("/"))
    html = text(visitor.get("/account/password"))
    assert "You do not have a password" in html and 'href="/forgotten-password"' in html
    assert (
        visitor.post("/account/password", data={"current_password": "x", "password": NEW_PASSWORD}).status_code == 200
    )
    assert db.session.scalar(select(UserAccount).where(UserAccount.person_id == person.id)).password_hash is None


def test_following_a_sign_in_link_while_signed_in_as_someone_else_ends_that_session(app, db, signed_in):
    other = make_user(Role.STAFF)
    browser = signed_in(other)
    person = make_person()
    app.test_client().post("/sign-in-link", data={"email": person.email})
    link = emailed_link(to=person.email, kind="sign_in_link", contains="/sign-in-link/")
    assert f"You are signed in as {other.person.email} now" in text(browser.get(link))
    old_cookie = browser.get_cookie("tracker_session")
    assert browser.post(link).status_code == 302
    assert person.full_name in text(browser.get("/"))
    copy = app.test_client()
    copy.set_cookie("tracker_session", old_cookie.value)
    assert copy.get("/").status_code == 302  # the other person's session ended on the server


def test_no_token_or_hash_of_a_link_reaches_the_audit_log(app, db, client):
    user = make_user(Role.STAFF)
    person = make_person()
    ask_for_reset(client, user.person.email)
    client.post("/sign-in-link", data={"email": person.email})
    reset = emailed_link(to=user.person.email, kind="password_reset", contains="/choose-password/")
    sign_in_link = emailed_link(to=person.email, kind="sign_in_link", contains="/sign-in-link/")
    app.test_client().post(reset, data={"password": NEW_PASSWORD})
    app.test_client().post(sign_in_link)
    secrets = [link.rsplit("/", 1)[1].split("?")[0] for link in (reset, sign_in_link)]
    secrets += [*db.session.scalars(select(AccountLink.token_hash)).all(), NEW_PASSWORD]
    events = db.session.scalars(select(AuditEvent)).all()
    assert len(events) >= 6
    logged = " ".join(f"{e.action} {e.actor_label} {e.before} {e.after}" for e in events)
    assert not [secret for secret in secrets if secret in logged]

"""User administration pages: list, create, roles, disable and enable, set-password links."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, sign_in
from tests.factories import make_organisation, make_person, make_user
from tests.support.mail_links import emailed_link
from tracker.accounts.models import Role, UserAccount
from tracker.accounts.passwords import verify_password
from tracker.common.audit import AuditEvent
from tracker.people.models import Person


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def audited(db, action: str) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_the_list_shows_name_email_roles_status_and_last_sign_in(app, as_coordinator, coordinator):
    disabled = make_user(Role.TRAINER, Role.STAFF, first_name="Tess", last_name="Trainer", email="tess@example.org")
    disabled.is_active = False
    html = page(as_coordinator.get("/users"))
    assert "Tess Trainer" in html and "tess@example.org" in html and "Staff, Trainer" in html
    assert "Disabled" in html and "Never" in html
    assert "Sam Rosengard" in html and "Active" in html
    html = page(as_coordinator.get("/users?q=tess"))
    assert "Tess Trainer" in html and "sam.rosengard@barnet.gov.uk" not in html


def test_the_list_issues_the_same_queries_for_10_and_200_accounts(app, db, signed_in, queries):
    client = signed_in(make_user(Role.COORDINATOR, last_name="Aardvark"))
    counts = []
    for n in (10, 190):
        for _ in range(n):
            make_user(Role.STAFF, Role.MANAGER)
        db.session.commit()
        with queries() as counter:
            page(client.get("/users"))
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("url", ["/users", "/users/new"])
def test_other_roles_are_refused(app, signed_in, url):
    assert signed_in(make_user(Role.MANAGER, Role.TRAINER, Role.STAFF, Role.PARTNER)).get(url).status_code == 403


def test_an_account_for_a_known_person_is_theirs(app, db, as_coordinator):
    person = make_person(email="jo@example.org", first_name="Jo")
    html = page(as_coordinator.get(f"/users/new?person_id={person.id}"))
    assert "Create an account for Jo" in html and 'value="jo@example.org"' in html
    response = as_coordinator.post(
        f"/users/new?person_id={person.id}",
        data={"email": "JO@example.org", "roles": ["staff", "manager"]},
    )
    assert response.status_code == 302
    user = db.session.scalar(select(UserAccount).where(UserAccount.person_id == person.id))
    assert user.roles == {Role.STAFF, Role.MANAGER} and user.password_hash is None
    assert audited(db, "user.created") >= 1 and audited(db, "auth.set_password_link_sent") == 1
    # The set-your-password link, followed signed out, sets it; then they sign in with it.
    link = emailed_link(to="jo@example.org", kind="set_password", contains="/choose-password/")
    visitor = app.test_client()
    assert "Set your password" in page(visitor.get(link))
    assert visitor.post(link, data={"password": "correct horse battery staple"}).status_code == 302
    assert verify_password(db.session.get(UserAccount, user.id).password_hash, "correct horse battery staple")
    assert sign_in(app.test_client(), "jo@example.org", "correct horse battery staple")


def test_an_account_for_someone_new_makes_the_person(app, db, as_coordinator):
    organisation = make_organisation(name="Barnet MIND")
    response = as_coordinator.post(
        "/users/new",
        data={
            "email": "new@mind.org.uk",
            "first_name": "Nia",
            "last_name": "New",
            "organisation": str(organisation.id),
            "roles": ["partner"],
        },
    )
    assert response.status_code == 302
    person = db.session.scalar(select(Person).where(Person.email == "new@mind.org.uk"))
    assert person.organisation_id == organisation.id and person.account.roles == {Role.PARTNER}


def test_create_account_errors_keep_what_was_typed(app, db, as_coordinator):
    html = page(
        as_coordinator.post("/users/new", data={"email": "x@example.org", "first_name": "Xi", "roles": ["staff"]})
    )
    assert "<title>Error:" in html and "Choose an organisation for a new person" in html
    assert 'value="x@example.org"' in html and 'value="Xi"' in html
    html = page(as_coordinator.post("/users/new", data={"email": "not an email", "roles": ["staff"]}))
    assert "Enter an email address in the correct format" in html
    person = make_person(email="has@example.org")
    make_user(Role.STAFF, person=person)
    html = page(as_coordinator.post("/users/new", data={"email": "has@example.org", "roles": ["staff"]}))
    assert "has@example.org already has an account" in html
    leaver = make_person(email="gone@example.org", end_date=date(2020, 1, 31))
    html = page(as_coordinator.post("/users/new", data={"email": leaver.email, "roles": ["staff"]}))
    assert "A set-password link cannot be sent" in html and "<title>Error:" in html
    assert db.session.scalar(select(UserAccount).where(UserAccount.person_id == leaver.id)) is None


def test_editing_roles_with_checkboxes(app, db, as_coordinator):
    user = make_user(Role.STAFF)
    html = page(as_coordinator.get(f"/users/{user.id}"))
    assert 'name="roles" type="checkbox" value="staff" checked' in html
    assert as_coordinator.post(f"/users/{user.id}/roles", data={"roles": ["trainer", "staff"]}).status_code == 302
    db.session.refresh(user)
    assert user.roles == {Role.TRAINER, Role.STAFF}
    assert as_coordinator.post(f"/users/{user.id}/roles", data={}).status_code == 302
    db.session.refresh(user)
    assert user.roles == frozenset()
    assert audited(db, "user.roles_changed") == 2


def test_a_coordinator_cannot_remove_their_own_coordinator_role(app, db, as_coordinator, coordinator):
    html = page(as_coordinator.post(f"/users/{coordinator.id}/roles", data={"roles": ["staff"]}))
    assert "You cannot remove your own coordinator role" in html and "<title>Error:" in html
    db.session.refresh(coordinator)
    assert Role.COORDINATOR in coordinator.roles


def test_disabling_ends_sessions_and_enabling_lets_them_back(app, db, as_coordinator):
    user = make_user(Role.STAFF)
    theirs = sign_in(app.test_client(), user)
    assert theirs.get("/").status_code == 200
    assert as_coordinator.post(f"/users/{user.id}/disable").status_code == 302
    assert theirs.get("/").status_code == 302  # signed out
    assert (
        app.test_client().post("/sign-in", data={"email": user.person.email, "password": PASSWORD}).status_code == 200
    )
    assert "Enable account" in page(as_coordinator.get(f"/users/{user.id}"))
    assert as_coordinator.post(f"/users/{user.id}/enable").status_code == 302
    assert sign_in(app.test_client(), user)
    assert audited(db, "user.disabled") == 1 and audited(db, "user.enabled") == 1


def test_a_coordinator_cannot_disable_themselves(app, db, as_coordinator, coordinator):
    assert "You cannot disable your own account" in page(as_coordinator.get(f"/users/{coordinator.id}"))
    response = as_coordinator.post(f"/users/{coordinator.id}/disable", follow_redirects=True)
    assert "You cannot disable your own account" in page(response)
    db.session.refresh(coordinator)
    assert coordinator.is_active


def test_a_new_set_password_link_replaces_the_last_and_signs_them_out_once_used(app, db, as_coordinator):
    user = make_user(Role.STAFF)
    theirs = sign_in(app.test_client(), user)
    html = page(as_coordinator.get(f"/users/{user.id}"))
    assert "Send a new set-password link" in html and 'name="password"' not in html
    assert as_coordinator.post(f"/users/{user.id}/set-password-link").status_code == 302
    first = emailed_link(to=user.person.email, kind="set_password", contains="/choose-password/")
    assert as_coordinator.post(f"/users/{user.id}/set-password-link").status_code == 302
    second = emailed_link(to=user.person.email, kind="set_password", contains="/choose-password/")
    assert first != second
    assert theirs.get("/").status_code == 200  # sending a link changes nothing yet
    assert "has expired or has already been used" in app.test_client().get(first).get_data(as_text=True)
    visitor = app.test_client()
    html = page(visitor.post(second, data={"password": "short"}))
    assert "Password must be 12 characters or more" in html and "<title>Error:" in html
    assert visitor.post(second, data={"password": "a brand new passphrase 7"}).status_code == 302
    assert theirs.get("/").status_code == 302  # their other sessions ended
    assert sign_in(app.test_client(), user, "a brand new passphrase 7")
    assert audited(db, "auth.set_password_link_sent") == 2 and audited(db, "auth.set_password_link_used") == 1


def test_no_link_for_a_disabled_account(app, db, as_coordinator):
    user = make_user(Role.STAFF)
    user.is_active = False
    db.session.commit()
    assert "A link cannot be sent" in page(as_coordinator.get(f"/users/{user.id}"))
    response = as_coordinator.post(f"/users/{user.id}/set-password-link", follow_redirects=True)
    assert "A set-password link cannot be sent" in page(response)
    assert audited(db, "auth.set_password_link_sent") == 0


def test_unknown_account_is_404(app, as_coordinator):
    assert as_coordinator.get("/users/999999").status_code == 404
    assert as_coordinator.post("/users/999999/disable").status_code == 404

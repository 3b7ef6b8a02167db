"""The `users create` and `tokens create` commands keep the contract in DESIGN.md."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_organisation, make_person, make_user
from tests.support.mail_links import emailed_link
from tracker.accounts.models import Role
from tracker.accounts.passwords import verify_password
from tracker.accounts.services import find_user_by_email
from tracker.people.models import Person


def test_users_create_for_someone_new_in_an_organisation(app, db, runner):
    make_organisation(name="London Borough of Barnet")
    db.session.commit()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Sam.Rosengard@barnet.gov.uk",
            "--name",
            "Sam Rosengard",
            "--role",
            "coordinator",
            "--role",
            "trainer",
            "--organisation",
            "London Borough of Barnet",
            "--password-stdin",
        ],
        input="a long secret passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "sam.rosengard@barnet.gov.uk" in result.output and "coordinator, trainer" in result.output
    user = find_user_by_email("sam.rosengard@barnet.gov.uk")
    assert user.person.full_name == "Sam Rosengard" and user.roles == {Role.COORDINATOR, Role.TRAINER}
    assert verify_password(user.password_hash, "a long secret passphrase")


def test_users_create_gives_a_rostered_person_their_account(app, db, runner):
    person = make_person(email="manager@barnet.gov.uk", first_name="Mo", last_name="Rostered")
    db.session.commit()
    result = runner.invoke(
        args=["users", "create", "MANAGER@barnet.gov.uk", "--name", "Ignored Name", "--role", "manager"]
    )
    assert result.exit_code == 0, result.output
    user = find_user_by_email("manager@barnet.gov.uk")
    assert user.person_id == person.id and user.person.full_name == "Mo Rostered"
    assert db.session.scalar(select(Person).where(Person.first_name == "Ignored")) is None
    assert user.password_hash is None  # no --password-stdin: no password yet, but a link to set one
    assert "Emailed manager@barnet.gov.uk a link to set their password" in result.output
    link = emailed_link(to="manager@barnet.gov.uk", kind="set_password", contains="/choose-password/")
    assert "Set your password" in app.test_client().get(link).get_data(as_text=True)


def test_users_create_refusals_exit_non_zero(app, db, runner):
    make_user(Role.STAFF, email="has@example.org")
    db.session.commit()
    unknown_organisation = runner.invoke(
        args=["users", "create", "x@example.org", "--name", "X Y", "--role", "staff", "--organisation", "Nowhere"]
    )
    assert unknown_organisation.exit_code == 1 and 'No organisation called "Nowhere"' in unknown_organisation.output
    no_organisation = runner.invoke(args=["users", "create", "x@example.org", "--name", "X Y", "--role", "staff"])
    assert no_organisation.exit_code == 1 and "Choose an organisation for a new person" in no_organisation.output
    duplicate = runner.invoke(args=["users", "create", "has@example.org", "--name", "H", "--role", "staff"])
    assert duplicate.exit_code == 1 and "already has an account" in duplicate.output
    bad_role = runner.invoke(args=["users", "create", "y@example.org", "--name", "Y", "--role", "admin"])
    assert bad_role.exit_code == 2


def test_users_create_refuses_a_weak_password_from_stdin(app, db, runner):
    make_organisation(name="Barnet Homes")
    db.session.commit()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "w@example.org",
            "--name",
            "W",
            "--role",
            "staff",
            "--organisation",
            "Barnet Homes",
            "--password-stdin",
        ],
        input="password\n",
    )
    assert result.exit_code == 1 and "Password must be 12 characters or more" in result.output
    assert find_user_by_email("w@example.org") is None


def test_tokens_create_prints_the_token_alone_on_its_last_line_and_it_works(app, db, runner):
    make_user(Role.COORDINATOR, email="api@example.org")
    db.session.commit()
    result = runner.invoke(args=["tokens", "create", "API@example.org"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("ptt_") and " " not in token
    client = app.test_client()
    response = client.get("/api/v1/organisations", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_tokens_create_for_an_unknown_email_exits_non_zero(app, runner):
    result = runner.invoke(args=["tokens", "create", "nobody@example.org"])
    assert result.exit_code == 1 and "No account for nobody@example.org" in result.output

"""Retention: leavers' personal details are erased after the period; counts stay the same."""

from __future__ import annotations

from datetime import date

import time_machine
from sqlalchemy import func, select

from tests.factories import make_booking, make_department, make_person, make_session, make_user
from tracker.accounts.models import LoginSession, Role
from tracker.attendance.models import TrainingRecord
from tracker.audit.retention import purge_leavers
from tracker.booking.models import Booking
from tracker.people.models import Person, Placement


def _world():
    department = make_department(name="Children in Care")
    long_gone = make_person(department=department, end_date=date(2019, 3, 31), job_title="Social Worker")
    recent = make_person(department=department, end_date=date(2025, 6, 30))
    staying = make_person(department=department)
    return department, long_gone, recent, staying


def _counts(db):
    return {
        m.__name__: db.session.scalar(select(func.count()).select_from(m))
        for m in (Person, Placement, Booking, TrainingRecord)
    }


@time_machine.travel(date(2026, 11, 25))
def test_purge_erases_only_those_past_the_period_and_keeps_every_count(app, db):
    _, long_gone, recent, staying = _world()
    make_booking(make_session(), long_gone)
    db.session.add(
        TrainingRecord(
            person_id=long_gone.id,
            course_id=make_session().course_id,
            completed_on=date(2018, 5, 1),
            expires_on=date(2021, 5, 1),
            source="attendance",
        )
    )
    db.session.flush()
    before = _counts(db)
    result = purge_leavers(months=72)
    db.session.flush()
    assert result.people == 1 and result.cutoff == date(2020, 11, 25)
    assert long_gone.first_name == "Erased" and long_gone.email is None and long_gone.employee_ref is None
    assert long_gone.job_title == "Social Worker" and long_gone.end_date == date(2019, 3, 31)
    assert recent.email is not None and staying.email is not None
    assert _counts(db) == before
    assert purge_leavers(months=72).people == 0  # erased people are not erased twice


@time_machine.travel(date(2026, 11, 25))
def test_dry_run_changes_nothing(app, db, runner):
    _, long_gone, _, _ = _world()
    email = long_gone.email
    db.session.commit()
    result = runner.invoke(args=["retention", "purge", "--dry-run", "--months", "72"])
    assert result.exit_code == 0 and "1 leavers" in result.output
    db.session.expire_all()
    assert db.session.get(Person, long_gone.id).email == email
    result = runner.invoke(args=["retention", "purge", "--months", "72"])
    assert "Erased the personal details of 1" in result.output
    db.session.expire_all()
    assert db.session.get(Person, long_gone.id).email is None


@time_machine.travel(date(2026, 11, 25))
def test_an_erased_leavers_account_can_no_longer_sign_in(app, db, client):
    user = make_user(Role.STAFF, end_date=date(2018, 1, 31))
    email = user.person.email
    purge_leavers(months=72)
    db.session.commit()
    assert client.post("/sign-in", data={"email": email, "password": "a long test passphrase 42"}).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_an_erased_leavers_sign_in_identities_and_emailed_links_go(app, db):
    from datetime import timedelta

    from tracker.accounts.models import AccountLink, ExternalIdentity, LinkPurpose
    from tracker.common.time import utc_now

    user = make_user(Role.STAFF, end_date=date(2018, 1, 31))
    stayer = make_user(Role.STAFF)
    for account in (user, stayer):
        db.session.add_all(
            [
                ExternalIdentity(
                    user_id=account.id,
                    provider="entra",
                    issuer="https://login.example/tenant/v2.0",
                    subject=f"subject-{account.id}",
                    email=account.person.email,
                ),
                AccountLink(
                    person_id=account.person_id,
                    purpose=LinkPurpose.PASSWORD_RESET,
                    token_hash=f"{account.id:064d}",
                    expires_at=utc_now() + timedelta(hours=1),
                ),
            ]
        )
    db.session.flush()
    purge_leavers(months=72)
    db.session.commit()
    assert db.session.scalars(select(ExternalIdentity.user_id)).all() == [stayer.id]
    assert db.session.scalars(select(AccountLink.person_id)).all() == [stayer.person_id]

"""Records and requirements as the people doing the journey see them.

A social worker needs Basic Awareness, which is also met by WRAP: beside its own sessions, "Find a WRAP session"
leads to WRAP sessions. Once a WRAP register with them on it is signed off, My training shows one "valid
until" date for the requirement and the record, and says Basic Awareness is met by WRAP. A manager sees their
own training on My team; the coordinator sees an accredited trainer as accredited on Trainers.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

from sqlalchemy import select

from tracker.common.time import format_date, london_to_utc, today_london

STAFF = "tom.walker@barnet.example"
COORDINATOR = "sam.rosengard@barnet.example"


def _signed_off_wrap_yesterday(demo_data) -> None:
    """The coordinator records yesterday's WRAP session with Tom Walker on it, and signs its register off."""
    from tracker.accounts.models import UserAccount
    from tracker.attendance import sign_off, walk_ins
    from tracker.courses.models import Course, TrainingSession
    from tracker.people.models import Person

    with demo_data() as db:
        coordinator = db.session.scalar(select(UserAccount).join(Person).where(Person.email == COORDINATOR))
        wrap = db.session.scalar(select(Course).where(Course.code == "WRAP"))
        starts = london_to_utc(today_london() - timedelta(days=1), time(10, 0))
        training_session = TrainingSession(
            course=wrap, starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=20, venue="Barnet House"
        )
        db.session.add(training_session)
        db.session.flush()
        person = db.session.scalar(select(Person).where(Person.email == STAFF))
        walk_ins.add_walk_in(training_session=training_session, person=person, actor=coordinator)
        sign_off.sign_off_register(training_session=training_session, actor=coordinator)


def _requirement_row(page, code: str):
    return page.locator("#my-requirements + .app-table-wrapper tbody tr", has=page.locator("th", has_text=f"({code})"))


def test_a_requirement_met_by_wrap_and_one_valid_until_date(page, demo_data):
    page.sign_in(STAFF)
    page.goto("/my-training")
    basic = _requirement_row(page, "PREVENT-BASIC")
    assert "Not met" in basic.inner_text()
    page.click_and_wait(basic.get_by_role("link", name=re.compile(r"^Find a WRAP session")))
    listed = page.locator("main").inner_text()
    assert "There are no upcoming sessions" not in listed
    assert page.locator("main table tbody tr", has_text="Workshop to Raise Awareness of Prevent").count() > 0
    page.check("sessions of a course that also meets the requirement")

    _signed_off_wrap_yesterday(demo_data)
    yesterday = today_london() - timedelta(days=1)
    until = format_date(yesterday.replace(year=yesterday.year + 3) - timedelta(days=1))
    page.goto("/my-training")
    assert until in _requirement_row(page, "WRAP").inner_text()
    record = page.locator("#my-record + .app-table-wrapper tbody tr", has_text="Workshop to Raise Awareness")
    assert until in record.inner_text()
    assert format_date(yesterday.replace(year=yesterday.year + 3)) not in page.locator("main").inner_text()
    basic = _requirement_row(page, "PREVENT-BASIC")
    assert f"Met by WRAP on {format_date(yesterday)}" in basic.inner_text() and until in basic.inner_text()
    page.check("my training after sign-off")


def test_a_manager_sees_their_own_training_and_the_coordinator_an_accredited_trainer(page):
    page.sign_in("helen.okafor@barnet.example")
    page.nav("My team")
    assert "Your own WRAP training" in page.locator("main").inner_text()
    assert "The figures below count your team" in page.locator("main").inner_text()
    page.check("my team with my own training")
    page.sign_out()

    page.sign_in(COORDINATOR)
    page.goto("/trainers")
    row = page.locator("main table tbody tr", has_text="Amira Haddad").filter(has_text="WRAP").last
    text = row.inner_text()
    assert "Accredited" in text and "Can lead WRAP sessions" in text and "0 of 2" not in text
    page.check("trainers")

"""Refresher reminders: one email per record and threshold (90 and 30 days before it runs out), with the next
sessions that have places; never to leavers or to the already booked; once only, however often or however many
at once `refreshers send` runs."""

from __future__ import annotations

import threading
import time as clock
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import PASSWORD, make_config
from tests.factories import make_booking, make_course, make_organisation, make_person, make_session, make_user
from tests.integration.invites.conftest import deliver, html_of, outbox_rows, text_of
from tests.integration.refreshers.conftest import add_record, follow_signed_out, member
from tests.support.mail_links import links_in, path_of
from tracker.accounts.models import Role
from tracker.booking import services as booking_services
from tracker.common.time import format_date, london_to_utc, today_london, utc_now
from tracker.courses.models import CourseEquivalence
from tracker.extensions import db
from tracker.refreshers import reminders
from tracker.refreshers.models import RefresherReminder

KIND = "refresher_reminder"


def sent_to() -> list[str]:
    return sorted(row.recipient_email for row in outbox_rows(kind=KIND))


def test_the_reminder_arrives_with_sessions_and_its_links_lead_to_them(app, smtp, council):
    today = today_london()
    nobody = member(council, first_name="Nadia", last_name="Noaccount")  # no account: signs in by emailed link
    staff = make_user(Role.STAFF, person=member(council, first_name="Stan", last_name="Staff"))
    add_record(nobody, council["wrap"], expires_on=today + timedelta(days=90))
    add_record(staff.person, council["wrap"], expires_on=today + timedelta(days=30))

    assert reminders.send_refreshers() == 2
    deliver()

    messages = [m for m in smtp.messages if "book a refresher" in m["Subject"]]
    assert sorted(m["To"].addresses[0].addr_spec for m in messages) == sorted([nobody.email, staff.person.email])
    to_nobody = next(m for m in messages if nobody.email in m["To"])
    text = text_of(to_nobody)
    last_day = format_date(today + timedelta(days=89))
    assert f"valid until {last_day}" in text and council["wrap"].name in to_nobody["Subject"]
    for training_session in council["sessions"]:
        assert f"http://tracker.test/sessions/{training_session.id}" in text
    assert "10 places left" in text

    passwords = {nobody.email: None, staff.person.email: PASSWORD}
    for message in messages:
        email = message["To"].addresses[0].addr_spec
        found = links_in(text_of(message), html_of(message)) - {"http://tracker.test"}  # the footer's home link
        assert len(found) == 3 and all(url.startswith("http://tracker.test/") for url in found)
        for url in sorted(found):
            page = follow_signed_out(app, path_of(url), email=email, password=passwords[email])
            html = page.get_data(as_text=True)
            assert council["wrap"].name in html
            if "?" not in url:  # a session's page, with its button to book
                assert "Book" in html


def at_london_morning(day: date) -> datetime:
    return london_to_utc(day, time(7, 0))


def run_on(day: date) -> int:
    with time_machine.travel(at_london_morning(day), tick=False):
        count = reminders.send_refreshers()
        db.session.commit()
    return count


def test_one_email_at_each_threshold_on_the_day_it_is_reached(app, council):
    expires = date(2027, 6, 1)
    person = member(council)
    record = add_record(person, council["wrap"], expires_on=expires)
    db.session.commit()
    counts = {days: run_on(expires - timedelta(days=days)) for days in (91, 90, 89, 31, 30, 29)}
    assert counts == {91: 0, 90: 1, 89: 0, 31: 0, 30: 1, 29: 0}
    rows = db.session.scalars(select(RefresherReminder).order_by(RefresherReminder.id)).all()
    assert [(r.training_record_id, r.threshold_days) for r in rows] == [(record.id, 90), (record.id, 30)]
    assert sent_to() == [person.email, person.email]
    assert run_on(expires - timedelta(days=1)) == 0 and run_on(expires) == 0  # expired: the digest says so


def test_a_run_missed_on_the_day_catches_up_once_and_never_sends_a_stale_threshold(app, council):
    expires = date(2027, 6, 1)
    person = member(council)
    add_record(person, council["wrap"], expires_on=expires)
    db.session.commit()
    assert run_on(expires - timedelta(days=88)) == 1  # the 90-day reminder, two days late
    assert run_on(expires - timedelta(days=87)) == 0
    imported_late = member(council)
    add_record(imported_late, council["wrap"], expires_on=expires)
    db.session.commit()
    assert run_on(expires - timedelta(days=20)) == 2  # the 30-day one to both; never the 90-day one to the newcomer
    thresholds = db.session.execute(
        select(RefresherReminder.person_id, RefresherReminder.threshold_days).order_by(RefresherReminder.id)
    ).all()
    assert thresholds == [(person.id, 90), (person.id, 30), (imported_late.id, 30)]


def test_leavers_the_booked_and_the_already_renewed_get_nothing(app, council):
    today = today_london()
    soon, later = council["sessions"]
    due = today + timedelta(days=60)

    def expiring(**kw):
        person = member(council, **kw)
        add_record(person, council["wrap"], expires_on=due)
        return person

    control = expiring(first_name="Control")
    expiring(first_name="Left", end_date=today - timedelta(days=1))
    expiring(first_name="Leaving", end_date=today + timedelta(days=30))  # gone before it runs out
    booked = expiring(first_name="Booked")
    booked_place = make_booking(later, booked)
    full = make_session(course=council["wrap"], starts_at=soon.starts_at + timedelta(days=1), capacity=1)
    make_booking(full)
    waiting = expiring(first_name="Waiting")
    assert make_booking(full, waiting).status == "waitlisted"
    renewed = expiring(first_name="Renewed")
    add_record(renewed, council["wrap"], expires_on=today + timedelta(days=1000))
    elsewhere = make_person(organisation=make_organisation(), first_name="Elsewhere")  # nothing required of them
    add_record(elsewhere, council["wrap"], expires_on=due)

    assert reminders.send_refreshers() == 1
    db.session.commit()
    assert sent_to() == [control.email]

    # A cancelled booking brings the reminder back: nothing was remembered for them.
    booking_services.cancel_booking(booking=booked_place, cancelled_by=booked)
    assert reminders.send_refreshers() == 1
    db.session.commit()
    assert sent_to() == sorted([control.email, booked.email])


def test_sessions_of_an_equivalent_course_are_offered_and_full_ones_are_not(app, council):
    today = today_london()
    elearning = make_course(code="PREVENT-EL", name="Home Office Prevent e-learning", validity_months=36)
    db.session.add(CourseEquivalence(course_id=council["wrap"].id, equivalent_course_id=elearning.id))
    soon, later = council["sessions"]
    equivalent = make_session(course=elearning, starts_at=soon.starts_at + timedelta(days=2), capacity=5)
    later.capacity = 1
    make_booking(later)  # full now
    person = member(council)
    add_record(person, elearning, expires_on=today + timedelta(days=30))  # the equivalent satisfies WRAP
    db.session.flush()
    assert reminders.send_refreshers() == 1
    facts = outbox_rows(kind=KIND)[0].facts
    listed = [s["link"].rsplit("/", 1)[1] for s in facts["sessions"]]
    assert listed == [str(soon.id), str(equivalent.id)]


@pytest.mark.concurrency
def test_two_runs_at_once_send_each_reminder_once(app, council):
    people = [member(council) for _ in range(20)]
    for person in people:
        add_record(person, council["wrap"], expires_on=today_london() + timedelta(days=45))
    db.session.commit()
    barrier = threading.Barrier(3)

    def run(_):
        with app.app_context():
            barrier.wait()
            try:
                count = reminders.send_refreshers()
                db.session.commit()
                return count
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=3) as pool:
        counts = list(pool.map(run, range(3)))
    assert sum(counts) == 20
    assert sent_to() == sorted(p.email for p in people)
    assert db.session.scalar(select(func.count()).select_from(RefresherReminder)) == 20


def test_the_command_queues_once_and_a_dry_run_queues_nothing(app, runner, council):
    add_record(member(council), council["wrap"], expires_on=today_london() + timedelta(days=10))
    db.session.commit()
    dry = runner.invoke(args=["refreshers", "send", "--dry-run"])
    assert dry.exit_code == 0 and "1 refresher reminders due" in dry.output
    assert outbox_rows(kind=KIND) == []
    assert "Queued 1 refresher reminders" in runner.invoke(args=["refreshers", "send"]).output
    assert "Queued 0 refresher reminders" in runner.invoke(args=["refreshers", "send"]).output
    assert len(outbox_rows(kind=KIND)) == 1


class TestThresholdsFromConfig:
    @pytest.fixture
    def app_config(self, database_url):
        return make_config(database_url, REFRESHER_REMINDER_DAYS="60, 14")

    def test_the_thresholds_are_configurable(self, app, council):
        today = today_london()
        at_90, at_60, at_14 = member(council), member(council), member(council)
        add_record(at_90, council["wrap"], expires_on=today + timedelta(days=90))
        add_record(at_60, council["wrap"], expires_on=today + timedelta(days=60))
        add_record(at_14, council["wrap"], expires_on=today + timedelta(days=14))
        assert reminders.send_refreshers() == 2
        rows = db.session.execute(select(RefresherReminder.person_id, RefresherReminder.threshold_days)).all()
        assert sorted(rows) == sorted([(at_60.id, 60), (at_14.id, 14)])


def test_thresholds_parse_and_order():
    assert reminders.thresholds("30, 90") == (90, 30)
    assert reminders.threshold_for(91, (90, 30)) is None
    assert reminders.threshold_for(90, (90, 30)) == 90
    assert reminders.threshold_for(31, (90, 30)) == 90
    assert reminders.threshold_for(30, (90, 30)) == 30
    assert reminders.threshold_for(0, (90, 30)) is None
    with pytest.raises(ValueError):
        reminders.thresholds("0")


def test_each_further_person_costs_two_statements_their_claim_and_their_email(app, council, queries):
    def due_people(count: int):
        for _ in range(count):
            add_record(member(council), council["wrap"], expires_on=today_london() + timedelta(days=45))
        db.session.commit()

    due_people(3)
    with queries() as few:
        assert reminders.send_refreshers() == 3
    db.session.commit()
    due_people(13)
    with queries() as many:
        assert reminders.send_refreshers() == 13
    assert many.count - few.count == 10 * 2


@pytest.mark.concurrency
def test_a_run_that_found_a_reminder_due_sends_nothing_once_another_has_claimed_it(app, council):
    """The claim, not the look-up before it, is what makes it once: a second run that found the reminder due
    while the first had not committed waits for the first's row, then inserts nothing and queues nothing."""
    add_record(member(council), council["wrap"], expires_on=today_london() + timedelta(days=45))
    db.session.commit()
    [due] = reminders.due_refreshers()
    db.session.rollback()
    assert reminders.send_refreshers() == 1  # the first run: claimed and queued, not committed yet
    started = threading.Event()

    def second_run():
        with app.app_context():
            try:
                started.set()
                claimed = reminders._claim(due, utc_now())  # waits for the first run's row
                db.session.commit()
                return claimed
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(second_run)
        started.wait()
        clock.sleep(0.3)
        assert not future.done()  # blocked on the first run's uncommitted row (or SQLite's write lock)
        db.session.commit()
        assert future.result(timeout=30) is False
    assert len(outbox_rows(kind=KIND)) == 1


def test_a_record_taken_back_takes_its_reminders_with_it(app, council):
    record = add_record(member(council), council["wrap"], expires_on=today_london() + timedelta(days=45))
    assert reminders.send_refreshers() == 1
    db.session.commit()
    db.session.delete(record)  # as reopening a signed-off register does
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(RefresherReminder)) == 0

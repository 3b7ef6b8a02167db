"""Managers' weekly digest: who is untrained, expiring, booked or waiting, with the team's percent against the
target; sent only when it changed since the last one; never to a manager who opted out on My team."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.factories import make_booking, make_department, make_manager_of, make_session, make_user
from tests.integration.invites.conftest import deliver, html_of, outbox_rows, text_of
from tests.integration.refreshers.conftest import add_record, follow_signed_out, member
from tests.support.mail_links import links_in, path_of
from tracker.accounts.models import Role
from tracker.common.time import format_date, today_london, utc_now
from tracker.extensions import db
from tracker.refreshers import digest
from tracker.refreshers.models import ManagerDigest

KIND = "manager_digest"


@pytest.fixture
def team(council):
    """Five people required to do WRAP: two trained (one expiring), one untrained, one booked, one waiting."""
    today = today_london()
    soon, later = council["sessions"]
    people = {name: member(council, first_name=name, last_name="Team") for name in ("Una", "Eve", "Bo", "Wes", "Tia")}
    add_record(people["Eve"], council["wrap"], expires_on=today + timedelta(days=40))
    add_record(people["Tia"], council["wrap"], expires_on=today + timedelta(days=500))
    make_booking(soon, people["Bo"])
    full = make_session(course=council["wrap"], starts_at=later.starts_at + timedelta(days=1), capacity=1)
    make_booking(full)
    make_booking(full, people["Wes"])
    return people


def test_the_digest_arrives_and_its_links_lead_to_the_team(app, smtp, council, team):
    today = today_london()
    assert digest.send_digests().sent == 1
    deliver()
    manager = council["manager"].person
    [message] = [m for m in smtp.messages if m["Subject"] == "Your team's Prevent training this week"]
    assert manager.email in message["To"]
    text = text_of(message).replace("\r\n", "\n")
    assert "2 of 5 people required are trained: 40% against a target of 85% (below target)" in text
    assert "Not trained and not booked (1):\n- Una Team: Never trained" in text
    assert (
        f"Training runs out within 90 days (1):\n- Eve Team: Valid until {format_date(today + timedelta(days=39))}"
        in text
    )
    assert "Booked (1):\n- Bo Team: Booked for" in text
    assert "On a waiting list (1):\n- Wes Team: Waiting list for" in text
    assert "Tia" not in text  # trained for years: nothing to say about her

    found = links_in(text, html_of(message)) - {"http://tracker.test"}
    assert {path_of(url) for url in found} == {"/my-team?course=WRAP", "/my-team/book-untrained?course=WRAP"}
    for url in found:
        html = follow_signed_out(app, path_of(url), email=manager.email, password=PASSWORD).get_data(as_text=True)
        assert "Una Team" in html


def test_not_sent_again_until_something_changes(app, council, team):
    assert digest.send_digests().sent == 1
    db.session.commit()
    again = digest.send_digests()
    assert (again.sent, again.unchanged) == (0, 1)
    db.session.commit()
    with time_machine.travel(utc_now() + timedelta(days=7), tick=False):  # a week on, the same team
        assert digest.send_digests().sent == 0
        db.session.commit()
    make_booking(council["sessions"][1], team["Una"])  # the untrained one is booked: a change
    db.session.commit()
    assert digest.send_digests().sent == 1
    db.session.commit()
    rows = outbox_rows(kind=KIND)
    assert len(rows) == 2
    assert rows[1].facts["sections"][0]["untrained"]["count"] == 0


def test_a_manager_who_opts_out_gets_nothing_until_they_opt_back_in(app, council, team, signed_in):
    client = signed_in(council["manager"])
    page = client.get("/my-team?course=WRAP").get_data(as_text=True)
    assert "Stop the weekly email" in page
    response = client.post("/my-team/weekly-email?course=WRAP", data={"wanted": "no"})
    assert response.status_code == 302 and response.headers["Location"] == "/my-team?course=WRAP"
    page = client.get("/my-team?course=WRAP").get_data(as_text=True)
    assert "You will no longer get the weekly email" in page and "Get the weekly email" in page
    db.session.expire_all()
    assert db.session.get(ManagerDigest, council["manager"].person.id).opted_out is True
    assert digest.send_digests().sent == 0
    db.session.commit()
    assert outbox_rows(kind=KIND) == []

    client.post("/my-team/weekly-email", data={"wanted": "yes"})
    db.session.expire_all()
    assert digest.send_digests().sent == 1


def test_the_choice_is_a_post_of_a_manager_with_a_valid_value(app, council, signed_in):
    assert signed_in(make_user(Role.STAFF)).post("/my-team/weekly-email", data={"wanted": "no"}).status_code == 403
    assert signed_in(council["manager"]).post("/my-team/weekly-email", data={"wanted": "maybe"}).status_code == 400
    assert signed_in(council["manager"]).get("/my-team/weekly-email").status_code == 405
    assert db.session.scalars(select(ManagerDigest)).all() == []


def test_a_manager_with_nobody_to_report_gets_nothing(app, council, runner):
    make_manager_of(make_department(organisation=council["barnet"], name="Empty team"))
    db.session.commit()
    result = runner.invoke(args=["digests", "send"])
    assert result.exit_code == 0
    assert "Queued 0 digests; 0 unchanged since the last, 2 with nothing to say." in result.output
    assert outbox_rows(kind=KIND) == []


def test_the_command_and_its_dry_run(app, council, team, runner):
    db.session.commit()
    assert "1 digests due (dry run" in runner.invoke(args=["digests", "send", "--dry-run"]).output
    assert outbox_rows(kind=KIND) == []
    assert "Queued 1 digests" in runner.invoke(args=["digests", "send"]).output
    assert "Queued 0 digests; 1 unchanged" in runner.invoke(args=["digests", "send"]).output


@pytest.mark.concurrency
def test_two_runs_at_once_send_each_digest_once(app, council, team):
    for name in ("North", "South", "East"):
        manager = make_manager_of(make_department(organisation=council["barnet"], name=name))
        member(council, first_name=name).line_manager_id = manager.person.id
    db.session.commit()
    barrier = threading.Barrier(2)

    def run(_):
        with app.app_context():
            barrier.wait()
            try:
                sent = digest.send_digests().sent
                db.session.commit()
                return sent
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(run, range(2)))
    assert sum(counts) == 4
    assert len(outbox_rows(kind=KIND)) == 4


def test_a_digest_costs_the_same_statements_whatever_the_team_size(app, council, team, queries):
    db.session.commit()
    with queries() as small:
        assert digest.send_digests().sent == 1
    db.session.rollback()
    for n in range(30):
        add_record(
            member(council, first_name=f"Extra{n}"), council["wrap"], expires_on=today_london() + timedelta(days=60)
        )
    db.session.commit()
    with queries() as large:
        assert digest.send_digests().sent == 1
    assert small.count == large.count


def test_a_manager_who_left_or_whose_account_is_off_gets_nothing(app, council, team):
    manager = council["manager"]
    manager.person.end_date = today_london()
    db.session.commit()
    assert digest.send_digests().sent == 0
    manager.person.end_date = None
    manager.is_active = False
    db.session.commit()
    assert digest.send_digests().sent == 0
    manager.is_active = True
    db.session.commit()
    assert digest.send_digests().sent == 1

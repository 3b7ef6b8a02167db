"""The coordinator's Outbox: who may see it, what it shows (safely), paging, and sending a failed message again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.factories import make_booking, make_course, make_person, make_session, make_user
from tests.integration.invites.conftest import deliver, outbox_rows
from tracker.accounts.models import Role
from tracker.common.audit import AuditEvent
from tracker.common.time import utc_now
from tracker.extensions import db
from tracker.invites import services as invites
from tracker.invites.emails import render_outgoing
from tracker.invites.models import OutboxMessage, OutboxStatus


def queue(count: int) -> list[OutboxMessage]:
    facts = invites.session_facts(make_session())
    return [
        invites.queue_email(
            to_email=f"someone{i}@example.org",
            to_name=f"Someone {i}",
            template="reminder",
            context={"facts": facts, "link": "http://tracker.test/x"},
            subject=f"Message number {i}",
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.COORDINATOR])
def test_only_the_coordinator_may_read_the_outbox(app, signed_in, role):
    [message] = queue(1)
    client = signed_in(make_user(role))
    for path in ("/outbox", f"/outbox/{message.id}", f"/outbox/{message.id}/html"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/outbox/{message.id}/retry").status_code == 403


def test_nobody_signed_out_may_read_it(app):
    client = app.test_client()
    assert "/sign-in" in client.get("/outbox").headers["Location"]


def test_the_coordinator_sees_every_message_with_its_status_and_can_filter(app, signed_in, smtp):
    make_booking(make_session())
    make_booking(make_session())
    smtp.handler.refuse_with = "550 5.1.1 No such user"
    deliver()
    queue(1)
    client = signed_in(make_user(Role.COORDINATOR))
    page = client.get("/outbox").get_data(as_text=True)
    assert "Failed (2)" in page and "Pending (1)" in page and "All (3)" in page
    assert "550 5.1.1 No such user" in page
    assert "Booking confirmed:" in page and "(calendar REQUEST)" in page
    failed = client.get("/outbox?status=failed").get_data(as_text=True)
    assert "Booking confirmed:" in failed and "Message number 0" not in failed
    assert client.get("/outbox?status=nonsense").status_code == 200  # an unknown filter shows everything


def test_the_outbox_is_in_the_coordinators_navigation(app, signed_in):
    page = signed_in(make_user(Role.COORDINATOR)).get("/").get_data(as_text=True)
    assert 'href="/outbox"' in page
    assert 'href="/outbox"' not in signed_in(make_user(Role.STAFF)).get("/").get_data(as_text=True)


def test_long_lists_are_paged(app, signed_in):
    queue(55)
    client = signed_in(make_user(Role.COORDINATOR))
    first = client.get("/outbox").get_data(as_text=True)
    assert "Message number 54" in first and "Message number 4<" not in first
    assert "govuk-pagination" in first and "page=2" in first
    second = client.get("/outbox?page=2").get_data(as_text=True)
    assert "Message number 4<" in second and "Message number 54" not in second
    past_the_end = client.get("/outbox?page=9").get_data(as_text=True)  # shows the last page, like every list
    assert "Message number 4<" in past_the_end


def test_the_list_issues_the_same_number_of_queries_for_10_and_200_messages(app, signed_in, queries):
    client = signed_in(make_user(Role.COORDINATOR))
    counts = []
    for total in (10, 200):
        queue(total - len(outbox_rows()))
        db.session.commit()
        with queries() as counter:
            response = client.get("/outbox")
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_a_message_page_shows_the_text_the_sandboxed_html_and_the_ics(app, signed_in):
    make_booking(make_session())
    [message] = outbox_rows()
    client = signed_in(make_user(Role.COORDINATOR))
    page = client.get(f"/outbox/{message.id}").get_data(as_text=True)
    assert "Your place on Workshop to Raise Awareness of Prevent (WRAP) is booked." in page
    assert "BEGIN:VCALENDAR" in page and "METHOD:REQUEST" in page
    assert f'<iframe class="app-email-frame" sandbox="" src="/outbox/{message.id}/html"' in page
    html = client.get(f"/outbox/{message.id}/html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    csp = html.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    assert "frame-ancestors 'self'" in csp
    assert html.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert html.get_data(as_text=True) == render_outgoing(message).body_html
    assert client.get("/outbox/999999").status_code == 404


NASTY = '<script>alert("pwned")</script>'


def test_markup_in_names_and_titles_shows_as_text_on_the_outbox_pages(app, signed_in):
    training_session = make_session(course=make_course(name=f"WRAP {NASTY}"))
    make_booking(training_session, make_person(first_name=NASTY))
    [message] = outbox_rows()
    client = signed_in(make_user(Role.COORDINATOR))
    for path in ("/outbox", f"/outbox/{message.id}"):
        page = client.get(path).get_data(as_text=True)
        assert NASTY not in page, path
        assert "&lt;script&gt;alert(" in page, path
    # The email's own HTML escapes it too (and is only ever shown sandboxed).
    assert NASTY not in client.get(f"/outbox/{message.id}/html").get_data(as_text=True)


def test_the_coordinator_sends_a_failed_message_again(app, signed_in, smtp):
    make_booking(make_session())
    smtp.handler.refuse_with = "550 5.1.1 No such user"
    deliver()
    [message] = outbox_rows()
    assert message.status == OutboxStatus.FAILED
    coordinator = make_user(Role.COORDINATOR)
    client = signed_in(coordinator)
    page = client.get(f"/outbox/{message.id}").get_data(as_text=True)
    assert "Send again" in page and f'action="/outbox/{message.id}/retry"' in page
    response = client.post(f"/outbox/{message.id}/retry")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/outbox/{message.id}")
    db.session.expire_all()
    [message] = outbox_rows()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox.retried"))
    assert event.actor_user_id == coordinator.id and event.object_id == message.id
    smtp.handler.refuse_with = None
    assert deliver().sent == 1
    assert len(smtp.messages) == 1


def test_a_message_that_has_not_failed_cannot_be_sent_again(app, signed_in, smtp):
    make_booking(make_session())
    deliver()
    [message] = outbox_rows()
    client = signed_in(make_user(Role.COORDINATOR))
    response = client.post(f"/outbox/{message.id}/retry", follow_redirects=True)
    assert "Only a message that failed can be sent again" in response.get_data(as_text=True)
    db.session.expire_all()
    assert outbox_rows()[0].status == OutboxStatus.SENT
    assert deliver(now=utc_now() + timedelta(days=1)).sent == 0
    assert len(smtp.messages) == 1


def test_without_a_mail_server_the_page_says_mail_is_kept(app, signed_in):
    queue(1)
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utc_now()))
    page = signed_in(make_user(Role.COORDINATOR)).get("/outbox").get_data(as_text=True)
    assert "No mail server is set up" in page

"""Sign-off asks each attendee once, by email through the outbox, with a link that works signed out; the form
keeps one answer per link, whatever arrives at once; answers name nobody."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, inspect, select

from tests.factories import make_user
from tests.integration.evaluations.conftest import ANSWERS, answer_all, deliver_session, feedback_paths
from tests.integration.invites.conftest import deliver, html_of, outbox_rows, text_of
from tests.support.mail_links import links_in, path_of
from tracker.accounts.models import Role
from tracker.attendance import sign_off
from tracker.evaluations import services
from tracker.evaluations.invitations import KIND
from tracker.evaluations.models import EvaluationInvitation, EvaluationResponse
from tracker.extensions import db


def test_the_email_arrives_and_its_link_works_signed_out(app, smtp, signed):
    deliver()
    messages = [m for m in smtp.messages if m["Subject"].startswith("How was your")]
    attendee_emails = sorted(p.email for p in signed.attendees)
    assert sorted(m["To"].addresses[0].addr_spec for m in messages) == attendee_emails  # partial too, not absent
    assert signed.absent.email not in {m["To"].addresses[0].addr_spec for m in messages}
    message = messages[0]
    [link] = [url for url in links_in(text_of(message), html_of(message)) if "/feedback/" in url]
    assert link.startswith("http://tracker.test/feedback/")

    client = app.test_client()  # signed out
    form = client.get(path_of(link))
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert "Tell us about your training session" in html and signed.training_session.display_title in html

    sent = client.post(path_of(link), data={**ANSWERS, "comment": "  Clear and practical.  "})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/feedback/sent")
    [response] = db.session.scalars(select(EvaluationResponse))
    assert (response.confidence_before, response.confidence_after, response.usefulness, response.trainer_rating) == (
        2,
        4,
        5,
        4,
    )
    assert response.comment == "Clear and practical."
    assert response.session_id == signed.training_session.id

    again = client.get(path_of(link))
    assert "You have already given feedback" in again.get_data(as_text=True)
    twice = client.post(path_of(link), data=ANSWERS)
    assert "You have already given feedback" in twice.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(EvaluationResponse)) == 1


def test_the_answers_table_has_no_column_that_names_a_person(app):
    columns = {c["name"] for c in inspect(db.engine).get_columns("evaluation_response")}
    assert not {c for c in columns if "person" in c or "invitation" in c or "booking" in c or "attendance" in c}


def test_a_missing_answer_is_shown_next_to_its_field_and_nothing_is_kept(app, signed):
    [path, *_] = feedback_paths()
    response = app.test_client().post(path, data={**ANSWERS, "usefulness": "", "comment": "x" * 1001})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in html and "govuk-error-summary" in html
    assert "Select how useful the session was" in html
    assert "Your comment must be 1,000 characters or fewer" in html
    assert db.session.scalar(select(func.count()).select_from(EvaluationResponse)) == 0


def test_an_unknown_link_is_a_404(app, signed):
    response = app.test_client().get("/feedback/not-a-real-token")
    assert response.status_code == 404
    assert "This feedback link is not valid" in response.get_data(as_text=True)
    assert app.test_client().post("/feedback/not-a-real-token", data=ANSWERS).status_code == 404


def test_reopening_and_signing_off_again_asks_nobody_twice(app, signed):
    coordinator = make_user(Role.COORDINATOR)
    assert len(outbox_rows(kind=KIND)) == 4
    sign_off.reopen_register(training_session=signed.training_session, actor=coordinator, reason="A correction")
    sign_off.sign_off_register(training_session=signed.training_session, actor=coordinator)
    db.session.commit()
    assert len(outbox_rows(kind=KIND)) == 4
    assert db.session.scalar(select(func.count()).select_from(EvaluationInvitation)) == 4


def test_a_register_of_long_ago_asks_nobody(app, db):
    deliver_session(db, hours_ago=24 * 60)  # history brought in from elsewhere
    assert outbox_rows(kind=KIND) == []


def test_the_service_refuses_a_second_answer_with_a_conflict(app, signed):
    [path, *_] = feedback_paths()
    token = path.rsplit("/", 1)[1]
    services.give_feedback(token=token, confidence_before=1, confidence_after=5, usefulness=4, trainer_rating=5)
    with pytest.raises(services.AlreadyAnsweredError) as refused:
        services.give_feedback(token=token, confidence_before=1, confidence_after=5, usefulness=4, trainer_rating=5)
    assert refused.value.status == 409


@pytest.mark.concurrency
def test_two_submits_at_once_keep_one_answer(app, signed):
    """A double click: both requests find no answer yet; the unique receipt lets one in and the other is told."""
    [path, *_] = feedback_paths()
    barrier = threading.Barrier(2)

    def submit(_):
        client = app.test_client()
        client.get(path)
        barrier.wait()
        return client.post(path, data=ANSWERS)

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(submit, range(2)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] in (200, 303) and statuses.count(303) == 1, statuses
    [refused] = [r for r in responses if r.status_code != 303]
    assert "You have already given feedback" in refused.get_data(as_text=True)
    db.session.rollback()  # see what the other connections committed
    assert db.session.scalar(select(func.count()).select_from(EvaluationResponse)) == 1


@pytest.mark.concurrency
def test_two_answers_racing_past_the_check_keep_one(app, signed):
    """Both pass the "already answered?" look-up before either commits: the constraint decides."""
    [path, *_] = feedback_paths()
    token = path.rsplit("/", 1)[1]
    barrier = threading.Barrier(2)
    real_open = services.open_link

    def slow_open(token):
        link = real_open(token)
        barrier.wait(timeout=10)  # both have looked, neither has written
        return link

    def answer(_):
        with app.app_context():
            try:
                services.give_feedback(
                    token=token, confidence_before=2, confidence_after=3, usefulness=4, trainer_rating=5
                )
                db.session.commit()
                return "kept"
            except services.AlreadyAnsweredError:
                db.session.rollback()
                return "refused"
            finally:
                db.session.remove()

    services.open_link = slow_open
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = sorted(pool.map(answer, range(2)))
    finally:
        services.open_link = real_open
    assert outcomes == ["kept", "refused"]
    db.session.rollback()  # see what the other connections committed
    assert db.session.scalar(select(func.count()).select_from(EvaluationResponse)) == 1


def test_every_attendee_may_answer_once(app, signed):
    answer_all(app, feedback_paths())
    assert db.session.scalar(select(func.count()).select_from(EvaluationResponse)) == 4

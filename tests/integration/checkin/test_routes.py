"""Check-in pages: the code screen, the code leading to the pass, signing in and back, the emailed code, clear
refusals (no 500), the register's arrivals, and no query per row on the register."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from tests.conftest import make_config
from tests.factories import make_person, make_user
from tests.integration.checkin.conftest import book, session_on
from tracker.accounts.models import Role
from tracker.checkin import codes, services
from tracker.checkin.models import CheckIn, CheckInMethod
from tracker.common.time import today_london, utc_now
from tracker.courses.models import SessionStatus
from tracker.invites import outbox


def shown_code(training_session) -> str:
    return codes.current_code(training_session.id, now=utc_now()).code


def pass_path(client, training_session) -> str:
    response = client.get(f"/check-in?code={shown_code(training_session)}")
    assert response.status_code == 302
    return urlsplit(response.headers["Location"]).path


def test_the_trainer_shows_a_qr_code_and_the_code_to_type(app, signed_in, trainer, today_session):
    page = signed_in(trainer).get(f"/sessions/{today_session.id}/check-in-code").get_data(as_text=True)
    assert shown_code(today_session) in page
    assert 'src="data:image/svg+xml' in page and 'alt="QR code that opens the check-in page' in page
    assert "http://tracker.test/check-in" in page
    assert "check-in-code.js" in page and "Show the new code" in page


def test_no_code_is_shown_for_a_session_not_today(app, signed_in, trainer, clock):
    tomorrow = session_on(today_london() + timedelta(days=1), lead=trainer.person)
    page = signed_in(trainer).get(f"/sessions/{tomorrow.id}/check-in-code").get_data(as_text=True)
    assert "only on the day of the session" in page and "data:image/svg" not in page


def test_only_the_sessions_trainers_see_its_code(app, signed_in, today_session):
    assert signed_in(make_user(Role.TRAINER)).get(f"/sessions/{today_session.id}/check-in-code").status_code == 403
    assert signed_in(make_user(Role.STAFF)).get(f"/sessions/{today_session.id}/check-in-code").status_code == 403
    assert app.test_client().get(f"/sessions/{today_session.id}/check-in-code").status_code == 302  # sign in
    assert signed_in(make_user(Role.STAFF)).get(f"/sessions/{today_session.id}/register/check-ins").status_code == 403


def test_a_signed_in_attendee_checks_in_after_signing_in(app, db, today_session):
    booking = book(today_session, make_user(Role.STAFF).person)
    client = app.test_client()
    path = pass_path(client, today_session)
    page = client.get(path).get_data(as_text=True)
    assert "Sign in to check in" in page and "Get a code by email" in page
    response = client.post(
        f"/sign-in?next={path}", data={"email": booking.person.email, "password": "a long test passphrase 42"}
    )
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == path
    assert f"Check in as {booking.person.full_name}" in client.get(path).get_data(as_text=True)
    page = client.post(path).get_data(as_text=True)
    assert "You are checked in" in page
    assert db.session.scalar(select(CheckIn.booking_id)) == booking.id
    second = client.post(path)
    assert second.status_code == 409 and "You have already checked in" in second.get_data(as_text=True)
    assert "There is a problem" in second.get_data(as_text=True)
    assert "You checked in at" in client.get(path).get_data(as_text=True)


def test_pressing_check_in_without_signing_in_leads_to_sign_in(app, today_session):
    client = app.test_client()
    path = pass_path(client, today_session)
    response = client.post(path)
    assert response.status_code == 302 and "/sign-in?next=" in response.headers["Location"]


def test_typed_codes_bad_codes_and_bad_passes_answer_clearly(app, today_session):
    client = app.test_client()
    typed = shown_code(today_session).lower()
    response = client.post("/check-in", data={"code": f"{typed[:3]} {typed[3:]}"})
    assert response.status_code == 302 and "/check-in/" in response.headers["Location"]
    response = client.post("/check-in", data={"code": ""})
    assert response.status_code == 400 and "Enter the code shown on the screen" in response.get_data(as_text=True)
    forged = "AAAAAA" if shown_code(today_session) != "AAAAAA" else "BBBBBB"
    response = client.get(f"/check-in?code={forged}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "This code is not right" in page and "govuk-error-summary" in page
    expired = codes.code_for(today_session.id, codes.window_at(utc_now()) - 3)
    response = client.get(f"/check-in?code={expired}")
    assert response.status_code == 400 and "This code has expired" in response.get_data(as_text=True)
    response = client.get("/check-in/forged-pass")
    assert response.status_code == 400 and "This check-in link is not valid" in response.get_data(as_text=True)


def test_a_cancelled_session_and_a_signed_off_one_refuse_clearly(app, db, trainer, clock):
    cancelled = session_on(today_london(), lead=trainer.person, status=SessionStatus.CANCELLED)
    client = app.test_client()
    path = pass_path(client, cancelled)
    response = client.get(path)
    assert response.status_code == 409 and "This session was cancelled" in response.get_data(as_text=True)
    assert client.get(path + "/email").status_code == 200
    response = client.post(path + "/email", data={"email": "someone@example.org"})
    assert response.status_code == 409 and "cancelled" in response.get_data(as_text=True)


def test_the_emailed_code_route_checks_in_and_counts_wrong_codes(app, db, smtp, today_session):
    booking = book(today_session)
    client = app.test_client()
    path = pass_path(client, today_session)
    response = client.post(path + "/email", data={"email": booking.person.email})
    assert response.status_code == 302 and response.headers["Location"].endswith(path + "/code")
    page = client.get(path + "/code").get_data(as_text=True)
    assert f"If {booking.person.email} is booked on this session" in page
    outbox.work(once=True)
    code = re.search(r"\b(\d{6})\b", smtp.messages[-1].get_body(("plain",)).get_content()).group(1)
    assert code in smtp.messages[-1]["Subject"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post(path + "/code", data={"code": wrong})
    assert response.status_code == 400 and "4 tries left" in response.get_data(as_text=True)
    response = client.post(path + "/code", data={"code": wrong})
    assert "3 tries left" in response.get_data(as_text=True)  # the first wrong try was kept
    response = client.post(path + "/code", data={"code": "12"})
    assert response.status_code == 400 and "Enter the code as 6 digits" in response.get_data(as_text=True)
    response = client.post(path + "/code", data={"code": code})
    assert response.status_code == 200 and "You are checked in" in response.get_data(as_text=True)
    arrival = db.session.scalar(select(CheckIn))
    assert arrival.booking_id == booking.id and arrival.method == CheckInMethod.EMAIL_CODE


def test_an_unknown_address_gets_the_same_page_and_no_email(app, db, smtp, today_session):
    client = app.test_client()
    path = pass_path(client, today_session)
    response = client.post(path + "/email", data={"email": "nobody@example.org"})
    assert response.status_code == 302 and response.headers["Location"].endswith(path + "/code")
    assert "If nobody@example.org is booked" in client.get(path + "/code").get_data(as_text=True)
    assert outbox.work(once=True).sent == 0
    response = client.post(path + "/code", data={"code": "123456"})
    assert response.status_code == 400 and "The code is not right" in response.get_data(as_text=True)


def test_the_code_page_without_asking_first_leads_to_asking(app, today_session):
    client = app.test_client()
    path = pass_path(client, today_session)
    response = client.get(path + "/code")
    assert response.status_code == 302 and response.headers["Location"].endswith(path + "/email")


def test_asking_for_email_codes_is_rate_limited(database_url, smtp_server):
    from tests.support.client import IsolatedClient
    from tracker import create_app

    app = create_app(make_config(database_url, RATELIMIT_ENABLED=True, CHECKIN_EMAIL_LIMIT="2 per hour"))
    app.test_client_class = IsolatedClient
    from tests.support.databases import clean_tables

    clean_tables(app)
    with app.app_context():
        from tests.integration.checkin.conftest import session_on as make_today

        training_session = make_today(today_london(), lead=make_person())
        client = app.test_client()
        path = pass_path(client, training_session)
        statuses = [client.post(path + "/email", data={"email": "same@example.org"}).status_code for _ in range(3)]
        assert statuses == [302, 302, 429]
        from tracker.extensions import db

        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


# --- The register ---------------------------------------------------------------------------------------------


def test_the_register_shows_who_checked_in_and_the_arrivals_json(app, signed_in, trainer, today_session):
    arrived, waiting = book(today_session), book(today_session)
    at = utc_now()
    services.check_in(
        training_session=today_session, person=arrived.person, method=CheckInMethod.SIGNED_IN, actor=None, now=at
    )
    client = signed_in(trainer)
    page = client.get(f"/sessions/{today_session.id}/register").get_data(as_text=True)
    row = page[page.index(f'id="booking-{arrived.id}"') :]
    assert "Checked in at" in row[: row.index("</tr>")]
    other = page[page.index(f'id="booking-{waiting.id}"') :]
    assert "Checked in at" not in other[: other.index("</tr>")]
    assert "1 checked in" in page and "Show check-in code" in page and "register-check-ins.js" in page
    data = client.get(f"/sessions/{today_session.id}/register/check-ins").get_json()
    assert data["count"] == 1 and data["check_ins"][0]["booking_id"] == arrived.id
    assert data["check_ins"][0]["label"].startswith("Checked in at ")


def test_the_register_with_check_ins_issues_the_same_statements_for_5_and_60_people(
    app, signed_in, trainer, queries, clock
):
    client = signed_in(trainer)
    counts = []
    for size in (5, 60):
        training_session = session_on(today_london(), lead=trainer.person, capacity=size)
        for _ in range(size):
            booking = book(training_session)
            services.check_in(
                training_session=training_session, person=booking.person, method=CheckInMethod.SIGNED_IN, actor=None
            )
        client.get(f"/sessions/{training_session.id}/register")  # warm up
        with queries() as counter:
            response = client.get(f"/sessions/{training_session.id}/register")
        assert response.get_data(as_text=True).count("Checked in at") == size
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[0] == 11, counts  # pinned: the register and its check-ins, whatever the number of people

"""Find a session, the session page, booking yourself, My training and cancelling: wiring, messages, queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import make_booking, make_course, make_organisation, make_person, make_session, make_user
from tests.integration.sessions.helpers import in_days
from tracker.accounts.models import Role
from tracker.attendance.models import RecordSource, TrainingRecord
from tracker.booking import services
from tracker.booking.models import BookingSource, BookingStatus
from tracker.common.time import today_london, utc_now
from tracker.courses.models import SessionStatus, SessionTrainer, TrainerPart
from tracker.extensions import db


@pytest.fixture
def staff(app):
    return make_user(Role.STAFF)


@pytest.fixture
def client(signed_in, staff):
    return signed_in(staff)


def text(response) -> str:
    return response.get_data(as_text=True)


# --- Find a session ------------------------------------------------------------------------------------


def test_find_a_session_lists_upcoming_published_sessions_with_places_left(app, client, staff):
    roomy = make_session(title="Roomy session", capacity=12)
    make_booking(roomy)
    almost = make_session(title="Almost full", capacity=2)
    make_booking(almost)
    full = make_session(title="Full session", capacity=1)
    make_booking(full)
    make_session(title="A draft", status=SessionStatus.DRAFT)
    make_session(title="Gone", status=SessionStatus.CANCELLED)
    make_session(title="Last month", starts_at=utc_now() - timedelta(days=30))
    make_session(title="For another organisation", audience=[make_organisation()])
    make_session(title="For my organisation", audience=[staff.person.organisation])
    html = text(client.get("/sessions"))
    assert "Find a session" in html
    assert "11 places left" in html and "1 place left" in html and "Full – join the waiting list" in html
    assert "For my organisation" in html and f"Only for staff of {staff.person.organisation.name}" in html
    for hidden in ("A draft", "Gone", "Last month", "For another organisation"):
        assert hidden not in html


def test_find_a_session_names_untitled_sessions_by_course_and_shows_where_and_links(app, client, staff):
    course = make_course(code="CTLP", name="Counter-terrorism local profile briefing")
    untitled = make_session(course=course, title=None, starts_at=in_days(3))
    blank = make_session(course=course, title="", venue=None, online_url="https://meet.example/x", starts_at=in_days(4))
    html = text(client.get("/sessions"))
    assert html.count("Counter-terrorism local profile briefing</a>") == 2
    assert f'href="/sessions/{untitled.id}"' in html and f'href="/sessions/{blank.id}"' in html
    rows = html.split("<tr")[2:]
    assert "Barnet House, 2 Bristol Avenue" in rows[0] and "Online" in rows[1] and "meet.example" not in rows[1]


def test_a_session_for_several_organisations_names_them_all_in_order(app, client, staff):
    mine = staff.person.organisation
    zeta = make_organisation(name="Zeta Housing Trust")
    alpha = make_organisation(name="Alpha Academy")
    make_session(title="Shared session", audience=[zeta, mine, alpha])
    expected = ", ".join(sorted(["Zeta Housing Trust", "Alpha Academy", mine.name]))
    assert f"Only for staff of {expected}</span>" in text(client.get("/sessions"))


def test_the_coordinator_finds_sessions_for_any_audience(app, signed_in):
    make_session(title="For another organisation", audience=[make_organisation(name="Elsewhere")])
    html = text(signed_in(make_user(Role.COORDINATOR)).get("/sessions"))
    assert "For another organisation" in html and "Only for staff of Elsewhere" in html


def test_filter_by_course_and_month(app, client):
    other = make_course(code="CTLP", name="CTLP briefing")
    make_session(title="WRAP soon", starts_at=in_days(5))
    make_session(title="WRAP later", starts_at=in_days(70))
    make_session(title="CTLP soon", course=other, starts_at=in_days(5))
    month = (today_london() + timedelta(days=70)).strftime("%Y-%m")
    html = text(client.get(f"/sessions?month={month}"))
    assert "WRAP later" in html and "WRAP soon" not in html
    html = text(client.get(f"/sessions?course={other.id}"))
    assert "CTLP soon" in html and "WRAP" not in html.split("<table")[-1]
    bad = text(client.get("/sessions?month=next+week"))
    assert "must be a month and year, like January 2027 or 2027-01" in bad and "WRAP soon" in bad


def test_a_bad_month_is_marked_on_its_field_and_the_course_stays_chosen(app, client):
    other = make_course(code="CTLP", name="CTLP briefing")
    html = text(client.get(f"/sessions?course={other.id}&month=2027-13"))
    assert 'class="govuk-error-summary"' in html and 'href="#month"' in html
    assert html.count("govuk-form-group--error") == 1
    assert '<p id="month-error" class="govuk-error-message">' in html
    assert 'class="govuk-input govuk-input--width-10 govuk-input--error"' in html
    assert 'value="2027-13" aria-describedby="month-hint month-error"' in html
    assert f'<option value="{other.id}" selected>CTLP briefing (CTLP)</option>' in html


def test_the_list_tags_my_places_and_my_waiting_list_places(app, client, staff):
    booked = make_session(title="Booked session", capacity=5, starts_at=in_days(3))
    make_booking(booked, staff.person)
    # One place per course: the waiting-list place is on another course's session.
    full = make_session(title="Full session", capacity=1, starts_at=in_days(4), course=make_course())
    make_booking(full)
    make_booking(full, staff.person)
    make_session(title="Free session", capacity=5, starts_at=in_days(5))
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in text(client.get("/sessions")).split("<tr")[2:]}
    assert "You are booked" in rows["Booked session"] and "4 places left" in rows["Booked session"]
    assert "On the waiting list" in rows["Full session"] and "Full – join the waiting list" in rows["Full session"]
    assert "govuk-tag" not in rows["Free session"] and "5 places left" in rows["Free session"]


def test_the_list_is_paginated(app, client):
    for n in range(25):
        make_session(title=f"Session number {n:02d}", starts_at=in_days(1 + n))
    first = text(client.get("/sessions"))
    assert "Session number 00" in first and "Session number 24" not in first
    assert 'href="/sessions?page=2"' in first
    second = text(client.get("/sessions?page=2"))
    assert "Session number 24" in second and "Session number 00" not in second


def test_find_a_session_issues_the_same_queries_with_10_and_200_sessions(app, client, queries):
    trainer = make_user(Role.TRAINER)
    counts = []
    for count in (10, 190):
        for n in range(count):
            training_session = make_session(starts_at=in_days(1 + n % 60, 8 + n % 9), capacity=2)
            training_session.trainers.append(SessionTrainer(person=trainer.person, part=TrainerPart.LEAD))
            make_booking(training_session)
        client.get("/sessions")
        with queries() as counter:
            assert client.get("/sessions").status_code == 200
        counts.append(counter.count)
    # The user, the courses for the filter, the page of sessions (with the total), seats and my places.
    assert counts == [4, 4], counts


# --- The session page and booking yourself ----------------------------------------------------------------


def test_the_session_page_shows_when_where_trainers_and_books(app, client, staff):
    lead = make_user(Role.TRAINER, first_name="Sam", last_name="Lead")
    training_session = make_session(
        starts_at=in_days(9, 10), capacity=3, venue="Hendon Town Hall", online_url="https://teams.example.org/x"
    )
    training_session.trainers.append(SessionTrainer(person=lead.person, part=TrainerPart.LEAD))
    html = text(client.get(f"/sessions/{training_session.id}"))
    assert "Workshop to Raise Awareness of Prevent" in html and "Hendon Town Hall" in html
    assert "Sam Lead (lead)" in html and "3 places left" in html
    assert "10am to 11:30am" in html
    assert "https://teams.example.org/x" not in html  # the link is for people with a place
    assert f'action="/sessions/{training_session.id}/book"' in html and "Book a place" in html

    response = client.post(f"/sessions/{training_session.id}/book", follow_redirects=True)
    html = text(response)
    assert "You are booked on" in html and "https://teams.example.org/x" in html
    booking = services.find_active_booking(session_id=training_session.id, person_id=staff.person_id)
    assert booking.status == BookingStatus.CONFIRMED and booking.source == BookingSource.SELF

    again = text(client.post(f"/sessions/{training_session.id}/book", follow_redirects=True))
    assert "You are already booked on this session" in again


def test_a_full_session_offers_the_waiting_list_and_shows_the_position(app, client):
    training_session = make_session(capacity=1)
    make_booking(training_session)
    make_booking(training_session)
    html = text(client.get(f"/sessions/{training_session.id}"))
    assert "Full – join the waiting list" in html and "Join the waiting list" in html
    html = text(client.post(f"/sessions/{training_session.id}/book", follow_redirects=True))
    assert "You are number 2 on the waiting list" in html


def test_a_valid_record_is_mentioned_before_booking(app, client, staff):
    training_session = make_session()
    db.session.add(
        TrainingRecord(
            person_id=staff.person_id,
            course_id=training_session.course_id,
            completed_on=date(2025, 5, 3),
            expires_on=date(2028, 5, 3),
            source=RecordSource.IMPORT,
        )
    )
    html = text(client.get(f"/sessions/{training_session.id}"))
    # Expiring on 3 May 2028, it last counts on the 2nd: the "valid until" every page shows.
    assert "You completed WRAP on 3 May 2025; it is valid until 2 May 2028" in html
    assert "Book a place" in html


@pytest.mark.parametrize(
    ("session_kw", "message"),
    [
        ({"booking_closes_at": utc_now() - timedelta(hours=1)}, "Booking for this session has closed"),
        ({"status": SessionStatus.CANCELLED}, "This session has been cancelled"),
    ],
)
def test_booking_a_closed_session_is_refused_with_a_message(app, client, session_kw, message):
    training_session = make_session(**session_kw)
    assert "Book a place" not in text(client.get(f"/sessions/{training_session.id}"))
    html = text(client.post(f"/sessions/{training_session.id}/book", follow_redirects=True))
    assert message in html
    assert services.list_bookings_for_session(training_session.id) == []


def test_booking_outside_the_audience_is_refused_with_a_message(app, client):
    other = make_organisation(name="Royal Free London")
    training_session = make_session(audience=[other])
    html = text(client.get(f"/sessions/{training_session.id}"))
    assert "This session is only for staff of Royal Free London" in html
    html = text(client.post(f"/sessions/{training_session.id}/book", follow_redirects=True))
    assert "This session is only for staff of Royal Free London" in html
    assert services.list_bookings_for_session(training_session.id) == []


def test_a_draft_is_not_found_by_staff(app, client):
    draft = make_session(status=SessionStatus.DRAFT)
    assert client.get(f"/sessions/{draft.id}").status_code == 404
    assert client.post(f"/sessions/{draft.id}/book").status_code == 404
    assert client.get("/sessions/999999").status_code == 404


def test_the_session_page_issues_the_same_queries_with_10_and_200_bookings(app, client, queries):
    training_session = make_session(capacity=50)
    path = f"/sessions/{training_session.id}"
    counts = []
    for count in (10, 190):
        for _ in range(count):
            make_booking(training_session)
        client.get(path)
        with queries() as counter:
            assert client.get(path).status_code == 200
        counts.append(counter.count)
    # The user, the session with its course and trainers, my place, seats and waiting list, the places held for
    # organisations, my record.
    assert counts == [6, 6], counts


def test_booking_a_place_issues_the_same_statements_with_10_and_200_bookings(app, signed_in, db, queries):
    """The booking POST: the user; the session the route shows; the session again, locked by the service, with its
    course and trainers; seats taken, lapsed holds and
    the person's own place in one statement; the booking; its audit event; its invitation in the outbox (no
    search for older messages to supersede: the booking is new). BEGIN is not counted."""
    training_session = make_session(capacity=1000)
    session_id = training_session.id
    counts = []
    for count in (10, 190):
        for _ in range(count):
            make_booking(training_session)
        client = signed_in(make_user(Role.STAFF))
        with queries() as counter:
            assert client.post(f"/sessions/{session_id}/book").status_code == 302
        counts.append(counter.count)
        assert not any(s.lstrip().upper().startswith("UPDATE") for s in counter.statements)
    assert counts == [7, 7], counts
    assert services.count_seats_taken(session_id) == 202


def test_my_training_shows_bookings_waitlist_position_and_past_sessions(app, client, staff):
    booked = make_session(title="Booked one")
    make_booking(booked, staff.person)
    # One place per course: each of this person's places is on a session of another course.
    full = make_session(title="Waiting one", capacity=1, course=make_course())
    make_booking(full)
    make_booking(full)
    make_booking(full, staff.person)
    cancelled = make_session(title="Called off", course=make_course())
    make_booking(cancelled, staff.person)
    from tracker.courses import sessions

    sessions.cancel_session(training_session=cancelled, actor=make_user(Role.COORDINATOR), reason="Trainer unwell")
    past = make_session(title="Done last year", starts_at=utc_now() - timedelta(days=20), course=make_course())
    make_booking(past, staff.person, now=past.starts_at - timedelta(days=5))

    html = text(client.get("/my-training"))
    assert "Booked one" in html and "Booked" in html
    assert "You are number 2 on the waiting list" in html
    assert "Session cancelled" in html and "Trainer unwell" in html
    past_section = html.split('id="past"')[1]
    assert "Done last year" in past_section and "Booked one" not in past_section


def test_my_training_names_untitled_sessions_by_their_course_and_links_each_place(app, client, staff):
    """ "My training" reads its places and records as rows of columns: a session without a title (none, or
    blank) is called by its course, as everywhere else, and each place links to its session and its cancelling."""
    course = make_course(name="Prevent awareness for schools")
    upcoming = make_session(course=course, title=None)
    attended = make_session(course=course, title="", starts_at=utc_now() - timedelta(days=3))
    make_booking(attended, staff.person, now=attended.starts_at - timedelta(days=2))  # before the next: one a course
    booking = make_booking(upcoming, staff.person)
    db.session.add(
        TrainingRecord(
            person_id=staff.person_id,
            course_id=course.id,
            session_id=attended.id,
            completed_on=today_london() - timedelta(days=3),
            source=RecordSource.ATTENDANCE,
        )
    )

    html = text(client.get("/my-training"))
    upcoming_section, past_section = html.split('id="past"')
    booked_section, record_section = upcoming_section.split('id="my-record"')
    assert f'<a class="govuk-link" href="/sessions/{upcoming.id}">Prevent awareness for schools</a>' in booked_section
    assert f'href="/bookings/{booking.id}/cancel"' in booked_section
    assert "Attended Prevent awareness for schools" in record_section
    assert "Prevent awareness for schools" in past_section


def test_my_training_issues_the_same_queries_with_10_and_200_bookings(app, client, staff, queries):
    counts = []
    for count in (10, 190):
        for n in range(count):
            # One place per course: each session is of its own course.
            upcoming = make_session(starts_at=in_days(1 + n % 90), capacity=1, course=make_course())
            if n % 2:
                make_booking(upcoming)  # so this person waits
            make_booking(upcoming, staff.person)
            past = make_session(starts_at=utc_now() - timedelta(days=1 + n), course=make_course())
            make_booking(past, staff.person, now=past.starts_at - timedelta(days=1))
        client.get("/my-training")
        with queries() as counter:
            assert client.get("/my-training").status_code == 200
        counts.append(counter.count)
    # The user, upcoming places with a page of past places (and their total), waiting-list positions, records,
    # requirements (with equivalents and departments), the calendar feed.
    assert counts == [6, 6], counts


def test_my_training_lists_upcoming_soonest_first_and_pages_past_places_latest_first(app, client, staff):
    soon = in_days(2)
    for title, starts_at in (("Later", in_days(9)), ("Soon A", soon), ("Soon B", soon)):
        # One place per course: each session is of its own course.
        make_booking(make_session(title=title, starts_at=starts_at, course=make_course()), staff.person)
    for n in range(25):
        past = make_session(title=f"Past {n:02d}", starts_at=utc_now() - timedelta(days=2 + n), course=make_course())
        make_booking(past, staff.person, now=past.starts_at - timedelta(days=1))

    html = text(client.get("/my-training"))
    upcoming_section, past_section = html.split('id="past"')
    assert upcoming_section.index("Soon A") < upcoming_section.index("Soon B") < upcoming_section.index("Later")
    shown = [f"Past {n:02d}" for n in range(25) if f"Past {n:02d}<" in past_section]
    assert shown == [f"Past {n:02d}" for n in range(20)]  # the latest twenty
    positions = [past_section.index(f"{title}<") for title in shown]
    assert positions == sorted(positions)  # the latest first
    assert 'href="/my-training?past_page=2"' in past_section
    second = text(client.get("/my-training?past_page=2")).split('id="past"')[1]
    assert [f"Past {n:02d}" for n in range(25) if f"Past {n:02d}<" in second] == [
        f"Past {n:02d}" for n in range(20, 25)
    ]
    beyond = text(client.get("/my-training?past_page=9"))
    assert "Past 24<" in beyond.split('id="past"')[1] and "Soon B" in beyond.split('id="past"')[0]


# --- Cancelling ------------------------------------------------------------------------------------------


def test_cancel_my_place_after_a_confirmation_page(app, client, staff):
    training_session = make_session(capacity=1)
    mine = make_booking(training_session, staff.person)
    waiting = make_booking(training_session)
    page = text(client.get(f"/bookings/{mine.id}/cancel"))
    assert "Are you sure you want to cancel your place?" in page
    assert f'action="/bookings/{mine.id}/cancel"' in page
    response = client.post(f"/bookings/{mine.id}/cancel")
    assert response.status_code == 302 and response.headers["Location"].endswith("/my-training")
    db.session.expire_all()
    assert mine.status == BookingStatus.CANCELLED and waiting.status == BookingStatus.CONFIRMED
    again = text(client.post(f"/bookings/{mine.id}/cancel", follow_redirects=True))
    assert "This booking has already been cancelled" in again


def test_nobody_cancels_someone_elses_place_without_permission(app, client):
    training_session = make_session()
    theirs = make_booking(training_session)
    assert client.get(f"/bookings/{theirs.id}/cancel").status_code == 403
    assert client.post(f"/bookings/{theirs.id}/cancel").status_code == 403
    db.session.expire_all()
    assert theirs.status == BookingStatus.CONFIRMED
    assert client.get("/bookings/999999/cancel").status_code == 404


def test_a_place_cannot_be_cancelled_once_the_session_has_started(app, client, staff):
    training_session = make_session(starts_at=utc_now() + timedelta(hours=2))
    mine = make_booking(training_session, staff.person)
    training_session.starts_at = utc_now() - timedelta(minutes=5)
    training_session.ends_at = utc_now() + timedelta(hours=1)
    html = text(client.post(f"/bookings/{mine.id}/cancel", follow_redirects=True))
    assert "already started" in html


def test_next_after_cancelling_stays_on_this_site(app, signed_in):
    coordinator = make_user(Role.COORDINATOR)
    booking = make_booking(make_session())
    client = signed_in(coordinator)
    response = client.post(f"/bookings/{booking.id}/cancel", data={"next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/sessions/{booking.session_id}")
    other = make_booking(make_session())
    response = client.post(f"/bookings/{other.id}/cancel", data={"next": "/partner/attendees"})
    assert response.headers["Location"].endswith("/partner/attendees")


def test_a_person_with_no_account_can_be_booked_and_seen_by_staff_pages(app, client):
    # People without accounts (roster rows) appear in lists without breaking them.
    training_session = make_session()
    make_booking(training_session, make_person())
    assert client.get(f"/sessions/{training_session.id}").status_code == 200

"""Booking for others: a manager's team, the coordinator's search, a partner contact's named attendees."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from tests.factories import (
    make_booking,
    make_department,
    make_manager_of,
    make_organisation,
    make_person,
    make_session,
    make_user,
)
from tracker.accounts.models import Role
from tracker.booking import services
from tracker.booking.models import BookingSource, BookingStatus
from tracker.extensions import db
from tracker.people.models import OrganisationKind, Person


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def active(training_session) -> dict[int, str]:
    return {b.person_id: b.status for b in services.list_bookings_for_session(training_session.id)}


# --- A manager books their team -------------------------------------------------------------------------


@pytest.fixture
def team(app):
    department = make_department(name="Fostering")
    manager = make_manager_of(department)
    members = [make_person(department=department, first_name=n, last_name="Team") for n in ("Ann", "Bob", "Cat")]
    return manager, members


def test_the_session_page_offers_book_your_team_to_a_manager(app, signed_in, team):
    manager, _ = team
    training_session = make_session()
    html = text(signed_in(manager).get(f"/sessions/{training_session.id}"))
    assert f'href="/sessions/{training_session.id}/book-team"' in html and "Book your team" in html


def test_a_manager_books_team_members_and_sees_each_result(app, signed_in, team):
    manager, (ann, bob, cat) = team
    training_session = make_session(capacity=2)
    make_booking(training_session, cat)  # already booked by herself
    client = signed_in(manager)
    page = text(client.get(f"/sessions/{training_session.id}/book-team"))
    assert "Ann Team" in page and "Bob Team" in page
    assert f'value="{cat.id}"' not in page  # no checkbox for someone already booked
    response = client.post(
        f"/sessions/{training_session.id}/book-team", data={"people": [str(ann.id), str(bob.id)]}, follow_redirects=True
    )
    html = text(response)
    banner = html.split("What was booked")[1].split("</dl>")[0]  # a summary list: one row a person
    ann_row, bob_row = banner.split('class="govuk-summary-list__row')[1:3]
    assert "Ann Team" in ann_row and "Booked" in ann_row and "waiting" not in ann_row
    assert "Bob Team" in bob_row and "On the waiting list" in bob_row
    assert "Waiting list, number 1" in html
    db.session.expire_all()
    assert active(training_session) == {cat.id: "confirmed", ann.id: "confirmed", bob.id: "waitlisted"}
    bookings = services.list_bookings_for_session(training_session.id)
    assert {b.source for b in bookings if b.person_id != cat.id} == {BookingSource.MANAGER}
    assert {b.booked_by_id for b in bookings if b.person_id != cat.id} == {manager.person_id}


def test_booking_someone_already_booked_reports_it(app, signed_in, team):
    manager, (ann, _, _) = team
    training_session = make_session()
    client = signed_in(manager)
    make_booking(training_session, ann)
    db.session.commit()
    html = text(
        client.post(f"/sessions/{training_session.id}/book-team", data={"people": [str(ann.id)]}, follow_redirects=True)
    )
    assert "What was booked" in html and "Ann Team is already booked on this session" in html


def test_choosing_nobody_is_an_error_next_to_the_checkboxes(app, signed_in, team):
    manager, _ = team
    training_session = make_session()
    html = text(signed_in(manager).post(f"/sessions/{training_session.id}/book-team", data={}))
    assert 'id="people-error"' in html and "Select at least one person to book" in html


def test_a_manager_cannot_book_someone_outside_their_team(app, signed_in, team):
    manager, (ann, _, _) = team
    outsider = make_person(first_name="Olive", last_name="Outsider")
    training_session = make_session()
    client = signed_in(manager)
    response = client.post(
        f"/sessions/{training_session.id}/book-team", data={"people": [str(ann.id), str(outsider.id)]}
    )
    assert response.status_code == 403
    assert active(training_session) == {}  # nobody, not even the team member
    other_booking = make_booking(training_session, outsider)
    db.session.commit()
    assert client.post(f"/bookings/{other_booking.id}/cancel").status_code == 403


def test_a_manager_cancels_a_team_members_place(app, signed_in, team):
    manager, (ann, _, _) = team
    training_session = make_session()
    booking = make_booking(training_session, ann)
    client = signed_in(manager)
    page = text(client.get(f"/bookings/{booking.id}/cancel"))
    assert "Are you sure you want to cancel Ann Team’s place?" in page
    response = client.post(f"/bookings/{booking.id}/cancel", follow_redirects=True)
    assert "Ann Team’s place on" in text(response)
    db.session.expire_all()
    assert booking.status == BookingStatus.CANCELLED and booking.cancelled_by_id == manager.person_id


def test_staff_cannot_open_book_your_team(app, signed_in):
    training_session = make_session()
    assert signed_in(make_user(Role.STAFF)).get(f"/sessions/{training_session.id}/book-team").status_code == 403


# --- The coordinator books anyone -----------------------------------------------------------------------


def test_the_coordinator_finds_people_by_name_or_email_and_books_them(app, signed_in):
    coordinator = make_user(Role.COORDINATOR)
    nhs = make_organisation(name="Royal Free London", kind=OrganisationKind.NHS_TRUST)
    nurse = make_person(organisation=nhs, first_name="Nadia", last_name="Nurse", email="nadia.nurse@nhs.example")
    make_person(first_name="Someone", last_name="Else")
    training_session = make_session(audience=[make_organisation()])  # the coordinator books whatever the audience
    client = signed_in(coordinator)
    assert "Book someone" in text(client.get(f"/sessions/{training_session.id}/book-people"))
    by_name = text(client.get(f"/sessions/{training_session.id}/book-people?q=nadia+nur"))
    assert "Nadia Nurse" in by_name and "Royal Free London" in by_name and "Someone Else" not in by_name
    by_email = text(client.get(f"/sessions/{training_session.id}/book-people?q=NHS.example"))
    assert "Nadia Nurse" in by_email
    assert "Enter a name or email address" in text(client.get(f"/sessions/{training_session.id}/book-people?q="))

    response = client.post(
        f"/sessions/{training_session.id}/book-people", data={"person_id": str(nurse.id), "q": "nadia"}
    )
    assert response.status_code == 302 and "q=nadia" in response.headers["Location"]
    booking = services.find_active_booking(session_id=training_session.id, person_id=nurse.id)
    assert booking.status == BookingStatus.CONFIRMED and booking.source == BookingSource.COORDINATOR
    html = text(client.get(f"/sessions/{training_session.id}/book-people?q=nadia"))
    assert "Booked" in html
    again = text(
        client.post(
            f"/sessions/{training_session.id}/book-people", data={"person_id": str(nurse.id)}, follow_redirects=True
        )
    )
    assert "Nadia Nurse is already booked on this session" in again


# --- A partner contact books named attendees ------------------------------------------------------------


@pytest.fixture
def partner(app):
    charity = make_organisation(name="Barnet MENCAP", kind=OrganisationKind.THIRD_SECTOR)
    return make_user(Role.PARTNER, organisation=charity)


def partner_data(training_session, **kw):
    return {
        "session_id": str(training_session.id),
        "first_name": "Pia",
        "last_name": "Partner",
        "email": "Pia.Partner@mencap.example",
        **kw,
    }


def test_a_partner_adds_a_new_person_and_books_them(app, signed_in, partner):
    training_session = make_session(title="WRAP for charities")
    client = signed_in(partner)
    page = text(client.get(f"/partner/attendees?session_id={training_session.id}"))
    assert "Book your organisation's staff" in page and "Barnet MENCAP" in page
    assert f'<option value="{training_session.id}" selected' in page
    response = client.post("/partner/attendees", data=partner_data(training_session), follow_redirects=True)
    html = text(response)
    assert "Pia Partner is booked on WRAP for charities" in html
    person = db.session.scalar(select(Person).where(Person.email == "pia.partner@mencap.example"))
    assert person.organisation_id == partner.person.organisation_id
    booking = services.find_active_booking(session_id=training_session.id, person_id=person.id)
    assert booking.source == BookingSource.PARTNER and booking.booked_by_id == partner.person_id
    assert '<td class="govuk-table__cell">Pia Partner</td>' in html


def test_a_partner_books_a_known_person_of_their_organisation_by_email(app, signed_in, partner):
    known = make_person(organisation=partner.person.organisation, email="known@mencap.example")
    training_session = make_session()
    client = signed_in(partner)
    client.post("/partner/attendees", data=partner_data(training_session, email="KNOWN@mencap.example"))
    assert active(training_session) == {known.id: "confirmed"}
    assert db.session.scalar(select(Person).where(Person.first_name == "Pia")) is None


def test_a_partner_cannot_book_another_organisations_person(app, signed_in, partner):
    make_person(email="someone@nhs.example", organisation=make_organisation(name="Royal Free London"))
    training_session = make_session()
    html = text(
        signed_in(partner).post("/partner/attendees", data=partner_data(training_session, email="someone@nhs.example"))
    )
    assert 'id="email-error"' in html and "belongs to someone in another organisation" in html
    assert 'value="Pia"' in html  # nothing typed is lost
    assert active(training_session) == {}


def test_partner_form_errors_are_next_to_their_fields(app, signed_in, partner):
    training_session = make_session()
    html = text(
        signed_in(partner).post(
            "/partner/attendees", data=partner_data(training_session, first_name="", email="not-an-email")
        )
    )
    assert 'id="first_name-error"' in html and "Enter the attendee's first name" in html
    html = text(signed_in(partner).post("/partner/attendees", data=partner_data(training_session, email="nope")))
    assert 'id="email-error"' in html and "correct format" in html


def test_a_partner_cancels_only_their_organisations_places(app, signed_in, partner):
    training_session = make_session()
    ours = make_booking(training_session, make_person(organisation=partner.person.organisation))
    theirs = make_booking(training_session, make_person())
    client = signed_in(partner)
    assert client.post(f"/bookings/{theirs.id}/cancel").status_code == 403
    assert client.post(f"/bookings/{ours.id}/cancel", data={"next": "/partner/attendees"}).status_code == 302
    db.session.expire_all()
    assert ours.status == BookingStatus.CANCELLED and theirs.status == BookingStatus.CONFIRMED


def test_partner_attendees_issues_the_same_queries_with_10_and_200_bookings(app, signed_in, partner, queries):
    client = signed_in(partner)
    sessions_ = [make_session(capacity=300) for _ in range(5)]
    counts = []
    for count in (10, 190):
        for n in range(count):
            make_booking(sessions_[n % 5], make_person(organisation=partner.person.organisation))
        client.get("/partner/attendees")
        with queries() as counter:
            assert client.get("/partner/attendees").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts

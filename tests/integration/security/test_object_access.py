"""Object-level access, by page and by API, with other people's real objects.

The role × route matrix (tests/integration/test_access_policy.py) proves the gate: who may use an
endpoint at all. This proves what is behind it: a role that passes the gate still reaches only its own
objects. Two of everything: two teams with their managers, two partner organisations with their contacts,
attendees and returns, two trainers with their registers, two members of staff with their bookings,
training records and calendar feeds. Each refusal is checked next to the owner's own access (so a 403
means "not yours", not "broken"), and every refused change is checked to have written nothing.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import (
    make_booking,
    make_course,
    make_department,
    make_manager_of,
    make_organisation,
    make_person,
    make_requirement,
    make_session,
    make_user,
    wrap_course,
)
from tracker.accounts.models import Role, UserAccount
from tracker.accounts.services import create_api_token
from tracker.attendance.models import Attendance, RecordSource, TrainingRecord
from tracker.booking.models import Booking, BookingStatus
from tracker.common.time import utc_now
from tracker.courses.models import TrainingSession
from tracker.coverage.models import PartnerReturn
from tracker.extensions import db
from tracker.invites import feeds
from tracker.people.models import Department, OrganisationKind, Person


@dataclass
class Team:
    department: Department
    manager: UserAccount
    member: Person
    #: The member's place on the upcoming session.
    booking: Booking


@dataclass
class Partner:
    contact: UserAccount
    attendee: Person
    booking: Booking
    partner_return: PartnerReturn


@dataclass
class Trainer:
    user: UserAccount
    #: A session they lead that has started, with one confirmed place on its register.
    training_session: TrainingSession
    booking: Booking


@dataclass
class Staff:
    user: UserAccount
    booking: Booking
    record: TrainingRecord
    feed_token: str


@dataclass
class World:
    upcoming: TrainingSession
    teams: tuple[Team, Team]
    partners: tuple[Partner, Partner]
    trainers: tuple[Trainer, Trainer]
    staff: tuple[Staff, Staff]
    coordinator: UserAccount


def _started_session(lead: Person, attendee: Person) -> tuple[TrainingSession, Booking]:
    starts_at = (utc_now() - timedelta(hours=1)).replace(microsecond=0)
    training_session = make_session(starts_at=starts_at, lead=lead)
    booking = make_booking(training_session, attendee, now=starts_at - timedelta(days=3))
    return training_session, booking


@pytest.fixture
def world(app) -> World:
    wrap = wrap_course()
    council = make_organisation(name="Barnet Council")
    make_requirement(course=wrap, organisation=council)
    upcoming = make_session(capacity=30)

    teams = []
    for name in ("Fostering", "Street Scene"):
        department = make_department(organisation=council, name=name)
        manager = make_manager_of(department, first_name="Manager", last_name=f"Of {name}")
        member = make_person(department=department, first_name="Member", last_name=f"Of {name}")
        teams.append(Team(department, manager, member, make_booking(upcoming, member)))

    partners = []
    for name in ("North Mental Health Trust", "South Community Care"):
        organisation = make_organisation(name=name, kind=OrganisationKind.NHS_TRUST)
        contact = make_user(Role.PARTNER, organisation=organisation, first_name="Contact", last_name=f"At {name}")
        attendee = make_person(organisation=organisation, first_name="Attendee", last_name=f"From {name}")
        partner_return = PartnerReturn(
            organisation_id=organisation.id,
            course_id=wrap.id,
            period_end=date(2025, 3, 31),
            compliant=40,
            eligible=50,
            note=f"Return of {name}",
        )
        db.session.add(partner_return)
        partners.append(Partner(contact, attendee, make_booking(upcoming, attendee), partner_return))

    trainers = []
    for name in ("Amira", "Bilal"):
        user = make_user(Role.TRAINER, organisation=council, first_name=name, last_name="Trainer")
        training_session, booking = _started_session(user.person, make_person(organisation=council))
        trainers.append(Trainer(user, training_session, booking))

    staff = []
    briefing = make_course(code="CTLP-BRIEFING", name="Counter Terrorism Local Profile briefing")
    for index, name in enumerate(("Tom", "Uma")):
        user = make_user(Role.STAFF, department=teams[index].department, first_name=name, last_name="Staff")
        record = TrainingRecord(
            person_id=user.person_id,
            course_id=(wrap if index == 0 else briefing).id,
            completed_on=date(2025, 1, 10 + index),
            source=RecordSource.IMPORT,
        )
        db.session.add(record)
        token = feeds.create_feed_token(person=user.person)
        staff.append(Staff(user, make_booking(upcoming, user.person), record, token))

    coordinator = make_user(Role.COORDINATOR, organisation=council)
    db.session.commit()
    return World(upcoming, tuple(teams), tuple(partners), tuple(trainers), tuple(staff), coordinator)


@pytest.fixture
def api(app):
    def as_user(user: UserAccount):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(user=user)}"
        return client

    return as_user


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def status_of(booking: Booking) -> BookingStatus:
    return db.session.scalar(select(Booking.status).where(Booking.id == booking.id))


def booked_people(session_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(Booking.person_id).where(Booking.session_id == session_id, Booking.status != BookingStatus.CANCELLED)
        )
    )


def active_bookings_of(person: Person) -> set[int]:
    return set(
        db.session.scalars(
            select(Booking.id).where(Booking.person_id == person.id, Booking.status != BookingStatus.CANCELLED)
        )
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- A manager: only their own team -----------------------------------------------------------------------


class TestManager:
    def test_my_team_lists_their_team_and_nobody_else(self, world, signed_in):
        mine, theirs = world.teams
        page = text(signed_in(mine.manager).get("/my-team?course=WRAP"))
        assert mine.member.full_name in page
        assert theirs.member.full_name not in page

    def test_coverage_and_its_csv_show_only_their_departments(self, world, signed_in, api):
        mine, theirs = world.teams
        client = signed_in(mine.manager)
        page = text(client.get("/coverage?course=WRAP"))
        assert mine.department.name in page and theirs.department.name not in page
        exported = client.get("/coverage/export.csv?course=WRAP").get_data(as_text=True)
        assert mine.department.name in exported and theirs.department.name not in exported
        rows = api(mine.manager).get("/api/v1/coverage?course=WRAP").get_json()["rows"]
        assert {row["department_id"] for row in rows} == {mine.department.id}

    def test_drilling_down_reaches_their_department_not_another(self, world, signed_in):
        mine, theirs = world.teams
        client = signed_in(mine.manager)
        own = client.get(f"/coverage/departments/{mine.department.id}?course=WRAP")
        assert own.status_code == 200 and mine.member.full_name in text(own)
        assert theirs.member.full_name not in text(own)
        assert client.get(f"/coverage/departments/{theirs.department.id}?course=WRAP").status_code == 403

    def test_the_people_api_gives_their_team_only(self, world, api):
        mine, theirs = world.teams
        client = api(mine.manager)
        listed = {p["id"] for p in client.get("/api/v1/people?per_page=500").get_json()["items"]}
        assert mine.member.id in listed and theirs.member.id not in listed
        assert client.get(f"/api/v1/people/{mine.member.id}").status_code == 200
        assert client.get(f"/api/v1/people/{theirs.member.id}").status_code == 403
        narrowed = client.get(f"/api/v1/people?department_id={theirs.department.id}").get_json()
        assert narrowed == {"items": [], "total": 0}

    def test_cannot_book_another_teams_member_by_page_or_api(self, world, signed_in, api):
        mine, theirs = world.teams
        later = make_session(course=make_course())  # one place per course: not the course they are booked on
        db.session.commit()
        client = signed_in(mine.manager)
        form = text(client.get(f"/sessions/{later.id}/book-team"))
        assert mine.member.full_name in form and theirs.member.full_name not in form
        assert (
            client.post(f"/sessions/{later.id}/book-team", data={"people": [str(theirs.member.id)]}).status_code == 403
        )
        assert client.post(
            f"/sessions/{later.id}/book-people", data={"person_id": str(theirs.member.id)}
        ).status_code == (403)
        theirs_before = active_bookings_of(theirs.member)
        client.post("/my-team/book-untrained?course=WRAP", data={"person_id": [str(theirs.member.id)]})
        response = api(mine.manager).post(f"/api/v1/sessions/{later.id}/bookings", json={"person_id": theirs.member.id})
        assert response.status_code == 403
        assert theirs.member.id not in booked_people(later.id)
        assert active_bookings_of(theirs.member) == theirs_before
        # ...while their own member can be booked both ways.
        assert (
            api(mine.manager)
            .post(f"/api/v1/sessions/{later.id}/bookings", json={"person_id": mine.member.id})
            .status_code
            == 201
        )

    def test_cannot_see_or_cancel_another_teams_bookings(self, world, signed_in, api):
        mine, theirs = world.teams
        client = signed_in(mine.manager)
        assert client.get(f"/bookings/{theirs.booking.id}/cancel").status_code == 403
        assert client.post(f"/bookings/{theirs.booking.id}/cancel").status_code == 403
        assert api(mine.manager).post(f"/api/v1/bookings/{theirs.booking.id}/cancel").status_code == 403
        assert status_of(theirs.booking) == BookingStatus.CONFIRMED
        listed = api(mine.manager).get(f"/api/v1/sessions/{world.upcoming.id}/bookings").get_json()["items"]
        people = {b["person_id"] for b in listed}
        assert mine.member.id in people and theirs.member.id not in people
        assert client.get(f"/bookings/{mine.booking.id}/cancel").status_code == 200


# --- A partner contact: only their own organisation ---------------------------------------------------------


class TestPartner:
    def test_attendees_page_and_bookings_api_show_their_organisation_only(self, world, signed_in, api):
        mine, theirs = world.partners
        page = text(signed_in(mine.contact).get("/partner/attendees"))
        assert mine.attendee.full_name in page and theirs.attendee.full_name not in page
        listed = api(mine.contact).get(f"/api/v1/sessions/{world.upcoming.id}/bookings").get_json()["items"]
        assert {b["person_id"] for b in listed} == {mine.attendee.id}
        people = api(mine.contact).get("/api/v1/people").get_json()["items"]
        assert theirs.attendee.id not in {p["id"] for p in people}
        assert api(mine.contact).get(f"/api/v1/people/{theirs.attendee.id}").status_code == 403

    def test_cannot_book_or_cancel_another_organisations_attendee(self, world, signed_in, api):
        mine, theirs = world.partners
        later = make_session()
        db.session.commit()
        client = signed_in(mine.contact)
        page = text(
            client.post(
                "/partner/attendees",
                data={
                    "session_id": str(later.id),
                    "first_name": theirs.attendee.first_name,
                    "last_name": theirs.attendee.last_name,
                    "email": theirs.attendee.email,
                },
            )
        )
        assert "belongs to someone in another organisation" in page
        assert (
            api(mine.contact)
            .post(f"/api/v1/sessions/{later.id}/bookings", json={"person_id": theirs.attendee.id})
            .status_code
            == 403
        )
        assert theirs.attendee.id not in booked_people(later.id)
        assert client.get(f"/bookings/{theirs.booking.id}/cancel").status_code == 403
        assert client.post(f"/bookings/{theirs.booking.id}/cancel").status_code == 403
        assert api(mine.contact).post(f"/api/v1/bookings/{theirs.booking.id}/cancel").status_code == 403
        assert status_of(theirs.booking) == BookingStatus.CONFIRMED

    def test_returns_of_another_organisation_are_out_of_reach(self, world, signed_in, api):
        mine, theirs = world.partners
        client = signed_in(mine.contact)
        listing = text(client.get(f"/partner-returns?organisation_id={theirs.contact.person.organisation_id}"))
        assert mine.contact.person.organisation.name in listing
        assert theirs.contact.person.organisation.name not in listing
        assert client.get(f"/partner-returns/{mine.partner_return.id}").status_code == 200
        assert client.get(f"/partner-returns/{theirs.partner_return.id}").status_code == 403
        other = theirs.contact.person.organisation_id
        listed = api(mine.contact).get(f"/api/v1/partner-returns?organisation_id={other}").get_json()["items"]
        assert {r["organisation_id"] for r in listed} == {mine.contact.person.organisation_id}

    def test_cannot_submit_a_return_for_another_organisation(self, world, signed_in, api):
        mine, theirs = world.partners
        other = theirs.contact.person.organisation_id
        before = count(PartnerReturn)
        response = api(mine.contact).post(
            "/api/v1/partner-returns",
            json={
                "organisation_id": other,
                "course_code": "WRAP",
                "period_end": "2025-06-30",
                "compliant": 1,
                "eligible": 2,
            },
        )
        assert response.status_code == 403
        signed_in(mine.contact).post(
            "/partner-returns/new",
            data={
                "organisation_id": str(other),
                "course_id": str(wrap_course().id),
                "period_end": "2025-06-30",
                "compliant": "1",
                "eligible": "2",
            },
        )
        assert count(PartnerReturn) == before


# --- A trainer: only the registers of sessions they deliver ---------------------------------------------------


class TestTrainer:
    def test_cannot_open_mark_or_sign_off_another_trainers_register(self, world, signed_in):
        mine, theirs = world.trainers
        client = signed_in(mine.user)
        assert client.get(f"/sessions/{mine.training_session.id}/register").status_code == 200
        base = f"/sessions/{theirs.training_session.id}"
        for method, path, data in [
            ("GET", "/register", None),
            ("GET", "/sign-in-sheet", None),
            ("POST", "/register/mark", {"booking_id": str(theirs.booking.id), "outcome": "attended"}),
            ("POST", "/register/mark-all", {}),
            ("GET", "/register/walk-in", None),
            ("POST", "/register/walk-in", {"person_id": str(mine.user.person_id)}),
            ("GET", "/register/walk-in/new", None),
            ("GET", "/register/sign-off", None),
            ("POST", "/register/sign-off", {}),
            ("GET", "/manage", None),
            ("GET", "/edit", None),
            ("POST", "/cancel", {"reason": "Not mine to cancel"}),
        ]:
            response = client.open(base + path, method=method, data=data)
            assert response.status_code == 403, f"{method} {path} gave {response.status_code}"
        self._assert_untouched(theirs)

    def test_cannot_mark_another_registers_booking_through_their_own(self, world, signed_in):
        mine, theirs = world.trainers
        response = signed_in(mine.user).post(
            f"/sessions/{mine.training_session.id}/register/mark",
            data={"booking_id": str(theirs.booking.id), "outcome": "attended"},
        )
        assert response.status_code == 404
        self._assert_untouched(theirs)

    def test_the_register_api_refuses_another_trainers_session(self, world, api):
        mine, theirs = world.trainers
        client = api(mine.user)
        assert client.get(f"/api/v1/sessions/{mine.training_session.id}/attendance").status_code == 200
        session_id = theirs.training_session.id
        assert client.get(f"/api/v1/sessions/{session_id}/attendance").status_code == 403
        records = {"records": [{"person_id": theirs.booking.person_id, "outcome": "attended"}]}
        assert client.put(f"/api/v1/sessions/{session_id}/attendance", json=records).status_code == 403
        assert client.post(f"/api/v1/sessions/{session_id}/register/sign-off").status_code == 403
        assert client.patch(f"/api/v1/sessions/{session_id}", json={"capacity": 99}).status_code == 403
        assert client.post(f"/api/v1/sessions/{session_id}/cancel", json={"reason": "No"}).status_code == 403
        listed = client.get(f"/api/v1/sessions/{session_id}/bookings").get_json()
        assert listed == {"items": [], "total": 0}
        self._assert_untouched(theirs)

    @staticmethod
    def _assert_untouched(trainer: Trainer) -> None:
        db.session.expire_all()
        training_session = db.session.get(TrainingSession, trainer.training_session.id)
        assert training_session.register_signed_off_at is None
        assert training_session.capacity == 20 and training_session.status == "published"
        assert db.session.scalar(select(func.count()).where(Attendance.booking_id == trainer.booking.id)) == 0
        assert booked_people(training_session.id) == {trainer.booking.person_id}


# --- Staff: only their own bookings, records and calendar ---------------------------------------------------------


class TestStaff:
    def test_cannot_see_or_cancel_another_persons_booking(self, world, signed_in, api):
        mine, theirs = world.staff
        client = signed_in(mine.user)
        assert client.get(f"/bookings/{mine.booking.id}/cancel").status_code == 200
        assert client.get(f"/bookings/{theirs.booking.id}/cancel").status_code == 403
        assert client.post(f"/bookings/{theirs.booking.id}/cancel").status_code == 403
        assert api(mine.user).post(f"/api/v1/bookings/{theirs.booking.id}/cancel").status_code == 403
        assert status_of(theirs.booking) == BookingStatus.CONFIRMED
        listed = api(mine.user).get(f"/api/v1/sessions/{world.upcoming.id}/bookings").get_json()["items"]
        assert [b["id"] for b in listed] == [mine.booking.id]

    def test_sees_only_their_own_training_record(self, world, signed_in, api):
        mine, theirs = world.staff
        client = signed_in(mine.user)
        page = text(client.get("/my-training"))
        assert "Counter Terrorism Local Profile briefing" not in page  # theirs
        assert "Workshop to Raise Awareness of Prevent" in page  # mine
        assert client.get(f"/people/{theirs.user.person_id}/training-records").status_code == 403
        assert client.get(f"/people/{theirs.user.person_id}").status_code == 403
        assert api(mine.user).get(f"/api/v1/people/{theirs.user.person_id}").status_code == 403

    def test_a_calendar_feed_carries_its_owners_places_only(self, world, client):
        mine, theirs = world.staff
        own = client.get(f"/calendar/{mine.feed_token}.ics")
        assert own.status_code == 200
        body = own.get_data(as_text=True)
        assert mine.booking.calendar_uid in body and theirs.booking.calendar_uid not in body
        assert client.get("/calendar/not-a-real-token.ics").status_code == 404
        # A replaced address stops working: the old secret no longer names anyone.
        feeds.create_feed_token(person=theirs.user.person)
        db.session.commit()
        assert client.get(f"/calendar/{theirs.feed_token}.ics").status_code == 404


def test_the_coordinator_reaches_every_one_of_these_objects(world, signed_in, api):
    """The control: everything refused above exists and is reachable by the role that may see it all."""
    client = signed_in(world.coordinator)
    for team in world.teams:
        assert client.get(f"/coverage/departments/{team.department.id}?course=WRAP").status_code == 200
        assert client.get(f"/bookings/{team.booking.id}/cancel").status_code == 200
    for partner in world.partners:
        assert client.get(f"/partner-returns/{partner.partner_return.id}").status_code == 200
    for trainer in world.trainers:
        assert client.get(f"/sessions/{trainer.training_session.id}/register").status_code == 200
    for person in world.staff:
        assert client.get(f"/people/{person.user.person_id}/training-records").status_code == 200
    listed = api(world.coordinator).get(f"/api/v1/sessions/{world.upcoming.id}/bookings?per_page=500").get_json()
    assert listed["total"] == 6
    rows = list(csv.reader(io.StringIO(client.get("/coverage/export.csv?course=WRAP").get_data(as_text=True))))
    assert any("Street Scene" in row for row in rows)

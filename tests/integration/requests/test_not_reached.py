"""Organisations not yet reached: partners with nobody at a session and no compliance return in the last 12
months. A partner reporting 84–93 % of its staff trained is reached; one heard from only long ago is not."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from tests.factories import make_organisation, make_person, make_session, make_user, wrap_course
from tracker.accounts.models import Role
from tracker.attendance.models import Attendance, AttendanceOutcome
from tracker.booking.models import Booking
from tracker.common.time import london_to_utc, today_london
from tracker.courses.models import SessionStatus
from tracker.coverage import outreach
from tracker.coverage.models import PartnerReturn
from tracker.people.models import Organisation, OrganisationKind

TODAY = date(2026, 12, 5)
SINCE = date(2025, 12, 6)  # the last 12 months, as the board report's default period counts them


def attended(db, organisation: Organisation, on: datetime, outcome=AttendanceOutcome.ATTENDED, **session) -> None:
    training_session = make_session(starts_at=on, capacity=5, **session)
    person = make_person(organisation=organisation)
    booking = Booking(session_id=training_session.id, person_id=person.id, status="confirmed", source="walk_in")
    db.session.add(booking)
    db.session.flush()
    db.session.add(Attendance(booking_id=booking.id, outcome=outcome))
    db.session.flush()


def returned(db, organisation: Organisation, period_end: date, compliant: int = 422, eligible: int = 480) -> None:
    db.session.add(
        PartnerReturn(
            organisation_id=organisation.id,
            course_id=wrap_course().id,
            period_end=period_end,
            compliant=compliant,
            eligible=eligible,
        )
    )
    db.session.flush()


def names(**kw) -> list[str]:
    return [row.organisation.name for row in outreach.organisations_not_reached(**kw).rows]


def test_recent_means_the_last_12_months_up_to_today():
    assert outreach.RECENT_MONTHS == 12
    assert outreach.recent_since(TODAY) == SINCE
    assert outreach.recent_since(date(2024, 2, 29)) == date(2023, 3, 1)


def test_a_partner_with_recent_returns_is_reached_whatever_its_attendance(app, db):
    trust = make_organisation(name="Royal Free London", kind=OrganisationKind.NHS_TRUST)
    for period_end, compliant in ((date(2026, 3, 31), 10_169), (date(2026, 6, 30), 10_200)):
        returned(db, trust, period_end, compliant, 11_900)  # 85–86 %: its own staff are trained
    quiet = make_organisation(name="Barnet Homes", kind=OrganisationKind.HOUSING)
    returned(db, quiet, SINCE - timedelta(days=1))  # its latest return ended before the 12 months
    make_person(organisation=quiet)
    assert names(today=TODAY) == ["Barnet Homes"]
    row = outreach.organisations_not_reached(today=TODAY).rows[0]
    assert row.last_return_end == date(2025, 12, 5) and row.last_attended_at is None and row.people == 1


def test_a_return_for_a_period_ending_on_the_first_recent_day_counts(app, db):
    returned(db, make_organisation(name="Barnet MIND", kind=OrganisationKind.THIRD_SECTOR), SINCE)
    assert names(today=TODAY) == []
    assert names(today=TODAY + timedelta(days=1)) == ["Barnet MIND"]


def test_attendance_in_the_last_12_months_reaches_an_organisation_and_older_attendance_does_not(app, db):
    mencap = make_organisation(name="Barnet MENCAP", kind=OrganisationKind.THIRD_SECTOR)
    wdp = make_organisation(name="Westminster Drug Project", kind=OrganisationKind.THIRD_SECTOR)
    mind = make_organisation(name="Barnet MIND", kind=OrganisationKind.THIRD_SECTOR)
    make_person(organisation=mind)
    attended(db, mencap, london_to_utc(SINCE, time(0, 30)))  # just after midnight, London, on the first day
    attended(db, wdp, london_to_utc(SINCE - timedelta(days=1), time(23, 30)))  # the evening before
    assert names(today=TODAY) == ["Barnet MIND", "Westminster Drug Project"]
    row = outreach.organisations_not_reached(today=TODAY).rows[1]
    assert row.last_attended_at == london_to_utc(SINCE - timedelta(days=1), time(23, 30))


@pytest.mark.parametrize(
    ("outcome", "status", "reached"),
    [
        (AttendanceOutcome.PARTIAL, SessionStatus.PUBLISHED, True),
        (AttendanceOutcome.ABSENT, SessionStatus.PUBLISHED, False),
        (AttendanceOutcome.EXCUSED, SessionStatus.PUBLISHED, False),
        (AttendanceOutcome.ATTENDED, SessionStatus.CANCELLED, False),
    ],
)
def test_only_attendance_at_a_session_that_took_place_reaches(app, db, outcome, status, reached):
    group = make_organisation(name="VAWG forum", kind=OrganisationKind.OTHER)
    attended(db, group, london_to_utc(TODAY - timedelta(days=30), time(10)), outcome, status=status)
    assert names(today=TODAY) == ([] if reached else ["VAWG forum"])


def test_the_council_is_never_listed(app, db):
    make_person(organisation=make_organisation(name="London Borough of Barnet", kind=OrganisationKind.LOCAL_AUTHORITY))
    assert names(today=TODAY) == []


def test_the_page_lists_them_in_a_fixed_number_of_statements(app, db, signed_in, queries):
    coordinator = signed_in(make_user(Role.COORDINATOR))
    trust = make_organisation(name="Royal Free London", kind=OrganisationKind.NHS_TRUST)
    returned(db, trust, today_london() - timedelta(days=40))
    old = make_organisation(name="Barnet Homes", kind=OrganisationKind.HOUSING)
    returned(db, old, date(2019, 3, 31))
    attended(db, old, london_to_utc(date(2019, 5, 1), time(10)))
    db.session.commit()

    def page() -> tuple[str, int]:
        with queries() as counter:
            response = coordinator.get("/organisations-not-reached")
            assert response.status_code == 200
        return response.get_data(as_text=True), counter.count

    html, small = page()
    assert "Barnet Homes" in html and "Royal Free London" not in html
    assert "1 May 2019" in html and "Period ending 31 March 2019" in html
    assert f"since {outreach.recent_since(today_london()).day} " in html
    for n in range(5):
        make_person(organisation=make_organisation(name=f"Group {n}", kind=OrganisationKind.THIRD_SECTOR))
    db.session.commit()
    html, large = page()
    assert "Group 4" in html and small == large == 2  # the signed-in user, then the list


def test_only_the_coordinator_sees_it(app, signed_in):
    for role in (Role.STAFF, Role.MANAGER, Role.TRAINER, Role.PARTNER):
        assert signed_in(make_user(role)).get("/organisations-not-reached").status_code == 403

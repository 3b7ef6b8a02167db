"""My team: each member's standing, the team's percent, and booking the untrained onto the next session."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import (
    make_booking,
    make_department,
    make_manager_of,
    make_organisation,
    make_person,
    make_requirement,
    make_session,
    make_user,
    wrap_course,
)
from tests.support.coverage_builders import add_people, add_records
from tracker.accounts.models import Role
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.common.time import add_months, format_date, today_london, utc_now
from tracker.coverage import team
from tracker.coverage.people_to_train import PersonTrainingStatus
from tracker.people.models import Placement


@pytest.fixture
def squad(app):
    """A manager of Children and Family Services and their team in every state."""
    today = today_london()
    barnet = make_organisation(name="London Borough of Barnet")
    children = make_department(organisation=barnet, name="Children and Family Services")
    adults = make_department(organisation=barnet, name="Adults and Communities")
    wrap = wrap_course()
    make_requirement(course=wrap, organisation=barnet, job_titles=["Social Worker"])
    manager = make_manager_of(children, first_name="Morgan", last_name="Manager")
    people = {
        name: make_person(department=children, first_name=name, last_name="Team", job_title="Social Worker")
        for name in ("Valid", "Expiring", "Expired", "Never", "Booked", "Untitled")
    }
    people["Untitled"].job_title = "Administrator"  # not required: outside the team's percent
    report = make_person(department=adults, first_name="Line", last_name="Report", job_title="Social Worker")
    report.line_manager_id = manager.person.id
    add_records([people["Valid"].id], wrap, today - timedelta(days=100))
    add_records([people["Expiring"].id], wrap, add_months(today, -36) + timedelta(days=30))
    add_records([people["Expired"].id], wrap, add_months(today, -36) - timedelta(days=1))
    upcoming = make_session(course=wrap, starts_at=utc_now() + timedelta(days=3), capacity=30)
    make_booking(upcoming, people["Booked"])
    return {"manager": manager, "people": people, "line_report": report, "wrap": wrap, "barnet": barnet}


def statuses(status):
    return {m.person.first_name: m for m in status.members}


def test_each_member_has_a_status_and_the_team_a_percent(squad):
    status = team.team_status(manager=squad["manager"].person, course=squad["wrap"])
    members = statuses(status)
    assert set(members) == {"Valid", "Expiring", "Expired", "Never", "Booked", "Untitled", "Line"}
    assert members["Valid"].status == PersonTrainingStatus.VALID
    assert members["Expiring"].status == PersonTrainingStatus.EXPIRING
    completed = add_months(today_london(), -36) + timedelta(days=30)
    assert members["Expiring"].valid_until == add_months(completed, 36) - timedelta(days=1)
    assert members["Expired"].status == PersonTrainingStatus.EXPIRED
    assert members["Never"].status == PersonTrainingStatus.NEVER_TRAINED
    assert members["Booked"].booking is not None and not members["Booked"].needs_booking
    assert not members["Untitled"].required and members["Line"].required
    # Required: Valid, Expiring, Expired, Never, Booked, Line = 6, of whom 2 trained.
    assert (status.required, status.trained, status.percent, status.rag) == (6, 2, 33, "red")
    assert [m.person.first_name for m in status.to_book] == ["Line", "Expired", "Never", "Untitled"]


def test_my_team_page(squad, signed_in):
    html = signed_in(squad["manager"]).get("/my-team").get_data(as_text=True)
    assert "2 of 6 people required in your team are trained today: 33%" in html
    assert "Book the untrained onto the next session" in html
    for label in ("Trained", "Expiring soon", "Expired", "Never trained"):
        assert f">{label}</strong>" in html
    assert "Booked for " in html


def test_the_managers_own_status_is_shown_apart_and_the_difference_to_coverage_explained(squad, signed_in, app):
    from tracker.coverage import loading, queries

    manager = squad["manager"].person
    manager.job_title = "Social Worker"  # required of them too
    children = next(d for d in manager.organisation.departments if d.name == "Children and Family Services")
    manager.placements.append(Placement(department=children, from_date=add_months(today_london(), -12)))
    completed = today_london() - timedelta(days=10)
    add_records([manager.id], squad["wrap"], completed)
    status = team.team_status(manager=manager, course=squad["wrap"])
    assert status.you.person is manager and status.you.required and status.you.is_trained
    assert status.you.valid_until == add_months(completed, 36) - timedelta(days=1)
    assert manager not in [m.person for m in status.members]  # not in the team's figures: still 2 of 6
    assert (status.required, status.trained) == (6, 2)
    # Coverage counts the department's people, the manager included and the line report placed elsewhere not.
    context = loading.load_context(course=squad["wrap"])
    report = queries.coverage_report(course=squad["wrap"], department_id=children.id, context=context)
    (row,) = [r for r in report.rows if r.department_id == children.id]
    assert (row.required, row.trained) == (6, 3)

    html = signed_in(squad["manager"]).get("/my-team").get_data(as_text=True)
    you = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(r'id="your-status">(.*?)</p>', html, re.S).group(1)))
    assert "Trained" in you and f"Valid until {format_date(status.you.valid_until)}." in you
    assert "It is required of you." in you
    assert "The figures below count your team" in html and "not you" in html
    assert "2 of 6 people required in your team are trained today" in html
    assert not any("Morgan Manager" in cells for cells in re.findall(r'<th scope="row"[^>]*>(.*?)</th>', html))


def test_a_manager_never_trained_sees_it(squad, signed_in):
    html = signed_in(squad["manager"]).get("/my-team").get_data(as_text=True)
    you = re.search(r'id="your-status">(.*?)</p>', html, re.S).group(1)
    assert ">Never trained</strong>" in you and "It is not required of you." in you


def test_book_untrained_places_each_person_on_the_earliest_session_with_a_place(squad, signed_in, db):
    """Issue 17: three people went on the waiting list of a full session while a later one had places. Now each
    goes to the earliest session with a place left for them; nobody is waitlisted; the page after says who went
    where, and My team counts waiting-list places apart from places."""
    other = make_organisation(name="Barnet Homes")
    soon = utc_now() + timedelta(days=1)
    make_session(course=squad["wrap"], starts_at=soon, capacity=5, audience=[other])  # not their audience
    full = make_session(course=squad["wrap"], starts_at=soon + timedelta(hours=2), capacity=1)
    make_booking(full)
    next_one = make_session(course=squad["wrap"], starts_at=soon + timedelta(days=1), capacity=3)
    make_booking(next_one)  # 2 places left for 4 people; the squad's session in 3 days has 29
    client = signed_in(squad["manager"])

    page = client.get("/my-team/book-untrained?course=WRAP").get_data(as_text=True)
    assert "2 places left" in page and "29 places left" in page
    assert page.count(">A place</td>") == 4 and "waiting list</td>" not in page
    posted = re.findall(r'name="person_id" value="(\d+)"', page)
    outsider = make_person(first_name="Not", last_name="Mine")
    response = client.post("/my-team/book-untrained?course=WRAP", data={"person_id": [*posted, str(outsider.id)]})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/my-team/book-untrained/done?course=WRAP"
    )

    bookings = db.session.scalars(select(Booking).where(Booking.source == BookingSource.MANAGER)).all()
    assert len(bookings) == 4 and {b.status for b in bookings} == {BookingStatus.CONFIRMED}
    assert {b.booked_by_id for b in bookings} == {squad["manager"].person.id}
    by_session = sorted(b.session_id for b in bookings)
    assert by_session.count(next_one.id) == 2 and full.id not in by_session
    assert db.session.scalar(select(Booking).where(Booking.person_id == outsider.id)) is None

    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your team’s places" in done and "Who went where" in done and "Could not be placed" not in done
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', done.split('id="booked"')[1], re.S)[1:]
    assert len(rows) == 4 and all(">Booked</td>" in row for row in rows)
    assert "Line Report" in rows[0] and "Expired Team" in rows[1]  # the earliest session first
    again = client.get(response.headers["Location"])  # shown once: a reload goes back to My team
    assert again.status_code == 302 and again.headers["Location"].endswith("/my-team?course=WRAP")

    html = client.get("/my-team?course=WRAP").get_data(as_text=True)
    assert "Booked on an upcoming session: 5" in html and "On the waiting list of an upcoming session: 0" in html
    assert "Book the untrained onto the next session" not in html  # everyone is trained or booked now


def test_people_with_no_place_left_are_not_placed_and_named(squad, signed_in, db):
    squad_session = db.session.scalar(select(Booking).where(Booking.person_id == squad["people"]["Booked"].id))
    squad_session.training_session.capacity = 2  # one place left, for four people
    client = signed_in(squad["manager"])
    page = client.get("/my-team/book-untrained?course=WRAP").get_data(as_text=True)
    assert page.count(">A place</td>") == 1 and "Cannot be placed" in page
    posted = re.findall(r'name="person_id" value="(\d+)"', page)
    assert len(posted) == 1
    response = client.post("/my-team/book-untrained?course=WRAP", data={"person_id": posted})
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert done.count(">Booked</td>") == 1
    outcomes = team.book_untrained(
        manager=squad["manager"].person,
        course=squad["wrap"],
        person_ids=[squad["people"]["Never"].id],
        now=utc_now() + timedelta(days=30),  # after every session
    )
    assert [(o.person.first_name, o.booking, o.problem) for o in outcomes] == [("Never", None, team.NO_PLACE_LEFT)]


def test_the_page_after_booking_counts_waiting_list_places_apart(squad, signed_in, db):
    """A place taken between planning and booking puts that person on the waiting list: the page says so."""
    manager = squad["manager"].person
    never = squad["people"]["Never"]
    full_soon = make_session(course=squad["wrap"], starts_at=utc_now() + timedelta(days=1), capacity=1)
    waiting = make_booking(full_soon, make_person(), source=BookingSource.SELF)
    booked, missed = team.list_booked_outcomes(
        manager=manager, booking_ids=[waiting.id], not_placed=[(never.id, "Why")]
    )
    assert booked == [] and [(r.name, r.problem) for r in missed] == [("Never Team", "Why")]  # not theirs
    mine = make_booking(full_soon, never)
    mine.booked_by_id = manager.id
    booked, missed = team.list_booked_outcomes(manager=manager, booking_ids=[mine.id], not_placed=[])
    assert [(r.name, r.status, r.waitlist_position) for r in booked] == [("Never Team", BookingStatus.WAITLISTED, 1)]


def test_a_posted_empty_list_books_nobody(squad, signed_in):
    response = signed_in(squad["manager"]).post("/my-team/book-untrained?course=WRAP", data={})
    assert response.status_code == 302


def test_staff_cannot_use_my_team(squad, signed_in):
    assert signed_in(make_user(Role.STAFF)).get("/my-team").status_code == 403


def test_my_team_issues_a_fixed_number_of_queries(squad, signed_in, queries, app):
    client = signed_in(squad["manager"])
    children = squad["people"]["Valid"].placements[0].department

    with queries() as small:
        client.get("/my-team")
        client.get("/my-team/book-untrained")
    ids = add_people(children, 40)
    add_records(ids[:10], squad["wrap"], today_london() - timedelta(days=10))
    with queries() as large:
        client.get("/my-team")
        client.get("/my-team/book-untrained")
    assert small.count == large.count


def test_a_long_team_is_paged_but_counted_whole(squad, signed_in):
    children = squad["people"]["Valid"].placements[0].department
    add_people(children, 60)
    client = signed_in(squad["manager"])
    first = client.get("/my-team?course=WRAP").get_data(as_text=True)
    second = client.get("/my-team?course=WRAP&page=2").get_data(as_text=True)
    assert "2 of 66 people required in your team" in first and "(page 1 of 2)" in first
    assert first.count('<th scope="row"') == 50 and second.count('<th scope="row"') == 17
    assert "govuk-pagination" in first

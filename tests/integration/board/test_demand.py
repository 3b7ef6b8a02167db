"""Demand planning: a worked example with known rates, the coordinator's own rates, and the page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from tests.factories import (
    make_booking,
    make_department,
    make_organisation,
    make_person,
    make_requirement,
    make_session,
    make_user,
    wrap_course,
)
from tests.integration.board.conftest import table_rows
from tests.support.coverage_builders import add_people, add_records, add_register, add_session
from tracker.accounts.models import Role
from tracker.attendance.models import AttendanceOutcome
from tracker.common.time import london_to_utc, today_london
from tracker.courses.models import SessionStatus
from tracker.coverage import demand
from tracker.people.models import OrganisationKind

TODAY = date(2019, 1, 1)
NOW = datetime(2019, 1, 1, 12, 0, tzinfo=UTC)
TARGET = date(2019, 3, 31)


def build_council(*, today: date, target: date):
    """Housing (100 required: 30 trained past the target, 10 whose training expires before it, 60 never), a
    Repairs team inside it, and a history of four WRAP sessions: 20 places, 16 booked, 4 absent, each."""
    wrap = wrap_course()
    council = make_organisation(name="London Borough of Barnet", kind=OrganisationKind.LOCAL_AUTHORITY)
    housing = make_department(organisation=council, name="Housing")
    repairs = make_department(parent=housing, name="Repairs")
    make_requirement(course=wrap, organisation=council, from_date=date(2017, 1, 1))
    valid = add_people(housing, 30)
    expiring = add_people(repairs, 10)
    never = add_people(housing, 50) + add_people(repairs, 10)
    add_people(housing, 3, end_date=target - timedelta(days=1))  # leaving before the target date: not counted
    add_records(valid, wrap, today - timedelta(days=400))  # valid for three years
    add_records(expiring, wrap, today - timedelta(days=365 * 3 - 30))  # expires about a month from today
    # The history: people of an organisation with no requirement, so they change no department's counts.
    visitors = make_organisation(name="Visitors", kind=OrganisationKind.OTHER)
    guests = add_people(make_department(organisation=visitors, name="Staff"), 64)
    for n in range(4):
        past = add_session(wrap, today - timedelta(days=30 * (n + 1)))
        past.capacity = 20
        booked = guests[16 * n : 16 * (n + 1)]
        add_register(past, booked[:12])
        add_register(past, booked[12:], AttendanceOutcome.ABSENT)
    add_session(wrap, today - timedelta(days=400))  # more than 12 months ago: not history
    return {"council": council, "housing": housing, "repairs": repairs, "wrap": wrap, "never": never}


@pytest.fixture
def council(app):
    return build_council(today=TODAY, target=TARGET)


def test_rates_come_from_the_last_12_months(council):
    rates = demand.history_rates(course=council["wrap"], today=TODAY)
    assert (rates.sessions_seen, rates.capacity_seen, rates.confirmed_seen, rates.absent_seen) == (4, 80, 64, 16)
    assert (rates.fill_percent, rates.no_show_percent, rates.places) == (80, 25, 20)
    assert rates.trained_per_session == 12  # 20 x 80% x 75%


def test_a_worked_example_gives_the_sessions_needed(council):
    plan = demand.demand_plan(course=council["wrap"], target_date=TARGET, today=TODAY, now=NOW)
    [barnet] = plan.organisations
    total = barnet.total
    assert (total.required, total.trained_now, total.valid_at_target) == (100, 40, 30)
    assert (total.untrained_now, total.expiring, total.to_train, total.percent_at_target) == (60, 10, 70, 30)
    assert total.must_train == 55  # 85 of 100 to reach 85%, 30 still valid then
    assert total.sessions_needed == 5  # 55 / 12 = 4.6, rounded up
    repairs = next(row for row in barnet.departments if row.department == "Repairs")
    assert (repairs.required, repairs.untrained_now, repairs.expiring, repairs.must_train) == (20, 10, 10, 17)
    assert repairs.sessions_needed == 2  # 17 / 12
    assert [row.department for row in barnet.rows] == [None, "Housing", "Repairs"]
    assert barnet.departments[0].required == 100  # Housing includes its Repairs team


def test_the_coordinators_rates_replace_the_history(council):
    plan = demand.demand_plan(
        course=council["wrap"], target_date=TARGET, today=TODAY, now=NOW, fill_percent=100, no_show_percent=0
    )
    assert plan.rates.overridden == {"fill_percent", "no_show_percent"}
    assert plan.rates.trained_per_session == 20 and plan.organisations[0].total.sessions_needed == 3  # 55 / 20
    plan = demand.demand_plan(course=council["wrap"], target_date=TARGET, today=TODAY, now=NOW, places=10)
    assert plan.rates.trained_per_session == 6 and plan.organisations[0].total.sessions_needed == 10  # 55 / 6


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"fill_percent": 0}, "fill_percent", "Fill rate must be between 1 and 200"),
        ({"no_show_percent": 100}, "no_show_percent", "No-show rate must be between 0 and 99"),
        ({"places": 0}, "places", "Places per session must be between 1 and 1,000"),
    ],
)
def test_rates_out_of_range_are_refused(council, overrides, field, message):
    with pytest.raises(demand.DemandError) as error:
        demand.demand_plan(course=council["wrap"], target_date=TARGET, today=TODAY, now=NOW, **overrides)
    assert (error.value.field, error.value.message) == (field, message)


def test_the_target_date_must_be_after_today(council):
    with pytest.raises(demand.DemandError, match="The target date must be after today"):
        demand.demand_plan(course=council["wrap"], target_date=TODAY, today=TODAY, now=NOW)


def test_sessions_scheduled_are_those_open_to_the_organisation_with_places_before_the_date(council):
    wrap = council["wrap"]

    def upcoming(day: date, **kw):
        return make_session(course=wrap, starts_at=london_to_utc(day, time(10, 0)), **kw)

    open_one = upcoming(date(2019, 2, 10), capacity=20)
    for _ in range(5):
        make_booking(open_one, make_person(), now=NOW)
    upcoming(TARGET, capacity=10)  # on the target date itself: a session on the day counts
    upcoming(date(2019, 2, 11), audience=[make_organisation(name="Someone else")])  # not open to Barnet
    upcoming(date(2019, 2, 12), audience=[council["council"]])  # restricted to Barnet: counts
    upcoming(date(2019, 4, 1))  # after the target date
    upcoming(date(2019, 2, 13), status=SessionStatus.DRAFT)
    upcoming(date(2019, 2, 14), status=SessionStatus.CANCELLED)
    full = upcoming(date(2019, 2, 15), capacity=1)
    make_booking(full, make_person(), now=NOW)
    upcoming(date(2019, 2, 16), booking_closes_at=NOW - timedelta(hours=1))  # booking has closed
    plan = demand.demand_plan(course=wrap, target_date=TARGET, today=TODAY, now=NOW)
    total = plan.organisations[0].total
    assert (total.scheduled_sessions, total.scheduled_places) == (3, 15 + 10 + 20)
    assert total.still_to_schedule == 2  # 5 needed, 3 scheduled


def test_without_history_the_rates_are_assumptions(app):
    plan = demand.demand_plan(course=wrap_course(), target_date=TARGET, today=TODAY, now=NOW)
    assert not plan.rates.from_history
    assert (plan.rates.fill_percent, plan.rates.no_show_percent, plan.rates.places) == (100, 0, 20)
    assert plan.organisations == []


# --- The page ----------------------------------------------------------------------------------------------


@pytest.fixture
def live_council(app):
    """The same council, around the real today (the page plans from today)."""
    today = today_london()
    return build_council(today=today, target=today + timedelta(days=90))


def test_the_page_shows_the_plan_with_the_rates_used(live_council, signed_in):
    client = signed_in(make_user(Role.COORDINATOR))
    target = (today_london() + timedelta(days=90)).isoformat()
    html = client.get(f"/demand-planning?course=WRAP&target_date={target}").get_data(as_text=True)
    assert "80%" in html and "25%" in html and "64 confirmed bookings for 80 places at 4 sessions" in html
    assert "12.0" in html
    rows = table_rows(html)["London Borough of Barnet"]
    assert rows[0][:7] == ["Total for London Borough of Barnet", "100", "60", "10", "30%", "55", "5"]
    html = client.get(f"/demand-planning?course=WRAP&target_date={target}&fill_percent=100&no_show_percent=0").get_data(
        as_text=True
    )
    assert "Entered by you" in html
    assert table_rows(html)["London Borough of Barnet"][0][6] == "3"
    assert 'name="fill_percent"' in html and re.search(r'name="fill_percent"[^>]*value="100"', html)


def test_the_page_defaults_to_the_next_31_march(live_council, signed_in):
    html = signed_in(make_user(Role.COORDINATOR)).get("/demand-planning").get_data(as_text=True)
    assert re.search(r'name="target_date-day"[^>]*value="31"', html)
    assert re.search(r'name="target_date-month"[^>]*value="3"', html)
    assert "Total for London Borough of Barnet" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("target_date=2001-01-01", "The target date must be after today"),
        ("target_date=2030-02-30", "Target date must be a real date"),
        ("target_date=", "Enter a target date"),
        ("target_date=2030-01-01&fill_percent=lots", "Fill rate must be a whole number, like 80"),
        ("target_date=2030-01-01&fill_percent=500", "Fill rate must be between 1 and 200"),
        ("target_date=2030-01-01&organisation_id=999999", "Select organisation from the list"),
        ("target_date-day=30&target_date-month=2&target_date-year=2030", "Target date must be a real date"),
        ("target_date-day=1&target_date-month=&target_date-year=2030", "Target date must include a month"),
    ],
)
def test_bad_input_is_shown_next_to_the_field(live_council, signed_in, query, message):
    response = signed_in(make_user(Role.COORDINATOR)).get(f"/demand-planning?course=WRAP&{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error: " in html and message in html
    assert "Rates used" not in html


def test_the_page_issues_a_fixed_number_of_queries(live_council, signed_in, queries):
    client = signed_in(make_user(Role.COORDINATOR))
    target = (today_london() + timedelta(days=90)).isoformat()
    url = f"/demand-planning?course=WRAP&target_date={target}"

    def count() -> int:
        with queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    small = count()
    for n in range(30):
        department = make_department(organisation=live_council["council"], name=f"Team {n:02d}")
        add_people(department, 4)
        make_session(course=live_council["wrap"], starts_at=datetime.now(UTC) + timedelta(days=10 + n))
    assert count() == small
    # 1 for the signed-in user (person and roles); courses, tree; equivalents, requirements; the counts; two for the
    # rates; the scheduled sessions.
    assert small == 9

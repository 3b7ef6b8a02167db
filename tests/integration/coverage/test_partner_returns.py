"""Partner returns: the seed's Tables 1–4 entered as returns give the seed's percentages and RAG."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import make_course, make_organisation, make_user, wrap_course
from tests.support.seed_report import SEED_TABLES
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token
from tracker.common.audit import AuditEvent
from tracker.coverage import returns
from tracker.coverage.models import PartnerReturnVersion
from tracker.coverage.rag import Rag, gap_to_target, percent, rag
from tracker.people.models import OrganisationKind


@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(a[3], a[4], a[5]) for a in SEED_TABLES] + [(1, 2, 50), (1, 8, 13), (0, 5, 0)]
)
def test_percent_rounds_half_up_like_the_seed(part, whole, expected):
    assert percent(part, whole) == expected


def test_percent_of_nothing_is_none_and_rag_thresholds():
    assert percent(0, 0) is None and rag(None, 85) is None
    assert [rag(p, 85) for p in (100, 85, 84, 75, 74, 0)] == [
        Rag.GREEN,
        Rag.GREEN,
        Rag.AMBER,
        Rag.AMBER,
        Rag.RED,
        Rag.RED,
    ]


def test_gap_to_target_is_the_fewest_more_people_that_reach_it():
    assert gap_to_target(228, 462, 85) == 163
    assert percent(228 + 163, 462) == 85 and percent(228 + 162, 462) == 84
    assert gap_to_target(251, 290, 85) == 0


@pytest.fixture
def seed_world(app):
    organisations = {
        name: make_organisation(name=name, kind=OrganisationKind.NHS_TRUST) for name in {row[0] for row in SEED_TABLES}
    }
    courses = {
        "WRAP": wrap_course(),
        "PREVENT-BASIC": make_course(code="PREVENT-BASIC", name="Basic Awareness of Prevent"),
    }
    coordinator = make_user(Role.COORDINATOR)
    return organisations, courses, coordinator


def test_seed_tables_1_to_4_entered_as_returns_give_the_seed_figures(app, seed_world):
    organisations, courses, coordinator = seed_world
    for name, code, period_end, compliant, eligible, _ in SEED_TABLES:
        returns.submit_return(
            organisation=organisations[name],
            course=courses[code],
            period_end=period_end,
            compliant=compliant,
            eligible=eligible,
            note=None,
            actor=coordinator,
        )
    figures = returns.list_returns()
    got = {
        (f.partner_return.organisation.name, f.partner_return.course.code, f.partner_return.period_end): (
            f.percent,
            f.rag,
        )
        for f in figures
    }
    for name, code, period_end, _, _, expected in SEED_TABLES:
        assert got[(name, code, period_end)] == (expected, rag(expected, 85))
    assert got[("Central London Community Healthcare", "WRAP", date(2018, 12, 31))][1] == Rag.GREEN
    assert got[("Barnet Enfield and Haringey Mental Health Trust", "WRAP", date(2018, 12, 31))][1] == Rag.AMBER


def test_partner_submits_resubmits_and_the_old_figures_are_kept(app, seed_world, signed_in, db):
    organisations, courses, _ = seed_world
    beh = organisations["Barnet Enfield and Haringey Mental Health Trust"]
    partner = make_user(Role.PARTNER, organisation=beh)
    client = signed_in(partner)
    form = {
        "organisation_id": beh.id,
        "course_id": courses["WRAP"].id,
        "period_end": "2018-12-31",
        "compliant": "399",
        "eligible": "482",
    }
    assert client.post("/partner-returns/new", data=form).status_code == 302
    assert (
        client.post("/partner-returns/new", data={**form, "compliant": "400", "note": "Corrected"}).status_code == 302
    )
    assert db.session.query(PartnerReturnVersion).count() == 1
    page = client.get("/partner-returns").get_data(as_text=True)
    assert "83%" in page and "Amber" in page
    assert db.session.query(AuditEvent).filter_by(action="partner_return.replaced").count() == 1


def test_validation_messages_keep_what_was_typed(app, seed_world, signed_in):
    organisations, courses, _ = seed_world
    beh = organisations["Barnet Enfield and Haringey Mental Health Trust"]
    client = signed_in(make_user(Role.PARTNER, organisation=beh))
    form = {
        "organisation_id": beh.id,
        "course_id": courses["WRAP"].id,
        "period_end": "2018-12-31",
        "compliant": "500",
        "eligible": "482",
    }
    page = client.post("/partner-returns/new", data=form).get_data(as_text=True)
    assert "Compliant staff cannot be more than eligible staff" in page and 'value="500"' in page
    page = client.post("/partner-returns/new", data={**form, "compliant": "4.5", "period_end": "31/12/2018"}).get_data(
        as_text=True
    )
    assert "Enter the number of compliant staff as a whole number" in page and "must be a real date" in page


def test_a_partner_cannot_submit_or_see_another_organisations_return(app, seed_world, signed_in):
    organisations, courses, coordinator = seed_world
    beh = organisations["Barnet Enfield and Haringey Mental Health Trust"]
    clch = organisations["Central London Community Healthcare"]
    other = returns.submit_return(
        organisation=clch,
        course=courses["WRAP"],
        period_end=date(2018, 6, 30),
        compliant=495,
        eligible=536,
        note=None,
        actor=coordinator,
    )
    client = signed_in(make_user(Role.PARTNER, organisation=beh))
    form = {
        "organisation_id": clch.id,
        "course_id": courses["WRAP"].id,
        "period_end": "2018-12-31",
        "compliant": "1",
        "eligible": "2",
    }
    page = client.post("/partner-returns/new", data=form).get_data(as_text=True)
    assert "from the list" in page or "only submit returns for your own organisation" in page
    assert client.get(f"/partner-returns/{other.id}").status_code == 403
    assert "Central London" not in client.get("/partner-returns").get_data(as_text=True)


def test_api_partner_sees_own_returns_and_422_409_403(app, seed_world, client):
    organisations, courses, coordinator = seed_world
    beh = organisations["Barnet Enfield and Haringey Mental Health Trust"]
    clch = organisations["Central London Community Healthcare"]
    returns.submit_return(
        organisation=clch,
        course=courses["WRAP"],
        period_end=date(2018, 6, 30),
        compliant=495,
        eligible=536,
        note=None,
        actor=coordinator,
    )
    token = create_api_token(user=make_user(Role.PARTNER, organisation=beh))
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(
        "/api/v1/partner-returns",
        headers=headers,
        json={"course_code": "WRAP", "period_end": "2018-12-31", "compliant": 400, "eligible": 482},
    )
    assert created.status_code == 201 and created.get_json()["percent"] == 83 and created.get_json()["rag"] == "amber"
    listed = client.get("/api/v1/partner-returns", headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["organisation_id"] == beh.id
    bad = client.post(
        "/api/v1/partner-returns",
        headers=headers,
        json={"course_code": "WRAP", "period_end": "2018-12-31", "compliant": 500, "eligible": 482},
    )
    assert bad.status_code == 422 and "compliant" in bad.get_json()["error"]["fields"]
    other = client.post(
        "/api/v1/partner-returns",
        headers=headers,
        json={
            "organisation_id": clch.id,
            "course_code": "WRAP",
            "period_end": "2018-12-31",
            "compliant": 1,
            "eligible": 2,
        },
    )
    assert other.status_code == 403
    unknown = client.post(
        "/api/v1/partner-returns",
        headers=headers,
        json={"course_code": "NOPE", "period_end": "2018-12-31", "compliant": 1, "eligible": 2},
    )
    assert unknown.status_code == 422

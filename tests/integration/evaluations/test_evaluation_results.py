"""Results for coordinators (page and API) and the board report's section: figures by course and trainer,
without names, small groups suppressed, a fixed number of statements however many answers there are."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.factories import make_course, make_user
from tests.integration.evaluations.conftest import answer_all, deliver_session, feedback_paths
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token
from tracker.common.time import today_london
from tracker.evaluations import results
from tracker.extensions import db


@pytest.fixture
def coordinator(app):
    return make_user(Role.COORDINATOR)


@pytest.fixture
def api(app, coordinator):
    token = create_api_token(user=coordinator)
    db.session.commit()
    client = app.test_client()
    return lambda url: client.get(url, headers={"Authorization": f"Bearer {token}"})


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_results_appear_by_course_and_trainer_without_names(app, signed_in, coordinator, signed):
    paths = feedback_paths()
    answer_all(app, paths[:3], comment="The case studies helped.")
    answer_all(app, paths[3:], confidence_before="1", confidence_after="5", usefulness="3", trainer_rating="5")
    page = signed_in(coordinator).get("/evaluations")
    assert page.status_code == 200
    shown = text(page.get_data(as_text=True))
    course = signed.training_session.course
    # 4 answers: before 2,2,2,1 = 1.75 -> 1.8; after 4,4,4,5 = 4.25 -> 4.3; rise 2.5; usefulness 5,5,5,3 = 4.5 and
    # useful 3 of 4 = 75%; trainer 4,4,4,5 = 4.3 (half up)
    assert course.code in course.name  # "… (WRAP)": named once, not "(WRAP) (WRAP)"
    assert f"{course.name} 4 1.8 4.3 +2.5 4.5 75% 4.3" in shown
    assert "Sam Rosengard 4 1.8 4.3 +2.5" in shown and "Ade Okafor 4 1.8" in shown
    assert shown.count("The case studies helped.") == 3
    for person in [*signed.attendees, signed.absent]:
        assert person.full_name not in shown and person.email not in shown


def test_a_group_of_fewer_than_three_is_suppressed(app, signed_in, coordinator, api, signed):
    answer_all(app, feedback_paths()[:2], comment="Only two of us answered.")
    shown = text(signed_in(coordinator).get("/evaluations").get_data(as_text=True))
    assert "Fewer than 3 responses: not shown" in shown
    assert "Only two of us answered." not in shown
    body = api("/api/v1/evaluations").get_json()
    assert body["overall"]["suppressed"] is True and body["overall"]["responses"] is None
    assert body["items"][0]["confidence_before"] is None


def test_the_page_filters_by_course_trainer_and_period(app, signed_in, coordinator, signed):
    answer_all(app, feedback_paths())
    client = signed_in(coordinator)
    other_course = make_course(code="BRIEF", name="Prevent briefing")
    db.session.commit()
    by_other = text(client.get(f"/evaluations?course={other_course.id}").get_data(as_text=True))
    assert "No feedback has been given" in by_other
    by_trainer = text(client.get(f"/evaluations?trainer={signed.co_trainer.id}").get_data(as_text=True))
    assert "Ade Okafor 4" in by_trainer
    later = (today_london() + timedelta(days=1)).isoformat()
    assert "No feedback has been given" in text(client.get(f"/evaluations?from={later}").get_data(as_text=True))
    wrong = client.get(f"/evaluations?from={later}&to={today_london().isoformat()}").get_data(as_text=True)
    assert "<title>Error: " in wrong and "The start of the period must be on or before its end" in wrong


def test_only_the_coordinator_sees_results(app, signed_in, signed):
    assert signed_in(signed.trainer).get("/evaluations").status_code == 403
    assert app.test_client().get("/evaluations").status_code == 302


def test_the_page_issues_a_fixed_number_of_queries(app, db, signed_in, coordinator, queries, signed):
    answer_all(app, feedback_paths())
    client = signed_in(coordinator)

    def count() -> int:
        with queries() as counter:
            assert client.get("/evaluations").status_code == 200
        return counter.count

    small = count()
    for _ in range(3):
        deliver_session(db, attendees=5)
    answer_all(app, feedback_paths()[4:])
    large = count()
    assert small == large, (small, large)
    # The signed-in user, the course and trainer choices, then by course (the total is theirs added up), by trainer
    # and the comments.
    assert large == 6


#: The API's figures for the fixture's 4 answers of ANSWERS: before 2, after 4, usefulness 5, trainer 4.
FOUR_ANSWERS = {
    "suppressed": False,
    "responses": 4,
    "confidence_before": 2.0,
    "confidence_after": 4.0,
    "confidence_rise": 2.0,
    "usefulness": 5.0,
    "useful_percent": 100,
    "trainer_rating": 4.0,
}


def test_the_api_answers_by_course_with_paging(app, api, signed):
    answer_all(app, feedback_paths())
    course = signed.training_session.course
    body = api(f"/api/v1/evaluations?course={course.code}").get_json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item == {"course_code": course.code, "course_name": course.name, **FOUR_ANSWERS}
    assert body["overall"]["responses"] == 4
    assert api("/api/v1/evaluations?page=2").get_json()["items"] == []
    for person in signed.attendees:
        assert person.email not in api("/api/v1/evaluations").get_data(as_text=True)


def test_the_api_answers_by_trainer_small_groups_suppressed_and_nobody_named(app, db, api, signed):
    answer_all(app, feedback_paths(), comment="Said in confidence.")
    other_lead = make_user(Role.TRAINER, first_name="Priya", last_name="Zed")
    small = deliver_session(db, attendees=2, lead=other_lead)
    answer_all(app, [path for person in small.attendees for path in feedback_paths(to=person.email)])
    body = api("/api/v1/evaluations").get_json()
    # By last name: both sessions' co-trainers (two people called Ade Okafor), the first lead, the second lead.
    assert [(t["trainer_id"], t["trainer_name"], t["responses"]) for t in body["by_trainer"]] == [
        (signed.co_trainer.id, "Ade Okafor", 4),
        (small.co_trainer.id, "Ade Okafor", None),
        (signed.trainer.person.id, "Sam Rosengard", 4),
        (other_lead.person.id, "Priya Zed", None),
    ]
    rosengard = body["by_trainer"][2]
    assert rosengard == {"trainer_id": signed.trainer.person.id, "trainer_name": "Sam Rosengard", **FOUR_ANSWERS}
    zed = body["by_trainer"][3]
    assert zed["suppressed"] is True
    assert {key: value for key, value in zed.items() if key not in ("trainer_id", "trainer_name", "suppressed")} == {
        "responses": None,
        "confidence_before": None,
        "confidence_after": None,
        "confidence_rise": None,
        "usefulness": None,
        "useful_percent": None,
        "trainer_rating": None,
    }
    # The same figures as the service's; a trainer filter lists whoever delivered those sessions with them.
    service = results.figures_by_trainer(results.EvaluationFilter())
    assert [t["trainer_id"] for t in body["by_trainer"]] == [g.key for g in service]
    only_zed = api(f"/api/v1/evaluations?trainer_id={other_lead.person.id}").get_json()["by_trainer"]
    assert [(t["trainer_name"], t["suppressed"]) for t in only_zed] == [("Ade Okafor", True), ("Priya Zed", True)]
    other = make_course(code="BRIEF", name="Prevent briefing")
    db.session.commit()
    assert api(f"/api/v1/evaluations?course={other.code}").get_json()["by_trainer"] == []
    # Nothing about who answered, and no comments.
    shown = api("/api/v1/evaluations").get_data(as_text=True)
    assert "Said in confidence." not in shown and "comment" not in shown
    for person in [*signed.attendees, *small.attendees, signed.absent]:
        assert person.full_name not in shown and person.email not in shown


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("?course=NOPE", 404, "course"),
        ("?from=2026-13-01", 422, "from"),
        ("?from=2026-02-01&to=2026-01-01", 422, "from"),
        ("?trainer_id=0", 422, "trainer_id"),
        ("?trainer_id=x", 422, "trainer_id"),
        ("?per_page=501", 422, "per_page"),
    ],
)
def test_the_api_answers_bad_input_with_json_errors(app, api, query, status, field):
    response = api(f"/api/v1/evaluations{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert field in error.get("fields", {}) or field == "course", error


def test_the_api_needs_a_coordinators_token(app, signed):
    assert app.test_client().get("/api/v1/evaluations").status_code == 401
    token = create_api_token(user=signed.trainer)
    db.session.commit()
    response = app.test_client().get("/api/v1/evaluations", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_the_openapi_document_lists_it(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/evaluations"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"course", "trainer_id", "from", "to", "page", "per_page"}
    schemas = document["components"]["schemas"]
    assert {"items", "total", "overall", "by_trainer"} <= set(schemas["EvaluationResults"]["properties"])
    assert "by_trainer" in schemas["EvaluationResults"]["required"]
    trainer = schemas["TrainerFigures"]
    assert {"trainer_id", "trainer_name", "suppressed", "responses", "confidence_before"} <= set(trainer["properties"])
    assert "comment" not in str(schemas["EvaluationResults"]) and "comment" not in str(trainer)


def test_the_board_report_has_the_section(app, signed_in, coordinator, signed):
    answer_all(app, feedback_paths())
    today = today_london()
    query = f"from={(today - timedelta(days=30)).isoformat()}&to={today.isoformat()}"
    shown = text(signed_in(coordinator).get(f"/board-report?{query}").get_data(as_text=True))
    course = signed.training_session.course
    assert "6. What attendees said" in shown
    assert f"{course.name} 4 2.0 → 4.0 100%" in shown


def test_a_total_that_would_give_away_a_small_course_is_withheld_on_the_page_and_in_the_api(
    app, db, signed_in, coordinator, api, signed
):
    answer_all(app, feedback_paths())  # WRAP: an answer from each attendee, shown
    briefing = deliver_session(db, attendees=3, course=make_course(code="BRIEF", name="Prevent briefing"))
    answer_all(app, feedback_paths(to=briefing.attendees[0].email))  # one answer: the total less WRAP would be it

    page = text(signed_in(coordinator).get("/evaluations").get_data(as_text=True))
    assert "All sessions Not shown, as it would reveal a course with fewer than 3 responses" in page
    assert "Prevent briefing (BRIEF) Fewer than 3 responses" in page
    body = api("/api/v1/evaluations").get_json()
    assert body["overall"]["suppressed"] is True and body["overall"]["responses"] is None
    assert [item["suppressed"] for item in body["items"]] == [True, False]  # BRIEF, then WRAP

    for attendee in briefing.attendees[1:]:
        answer_all(app, feedback_paths(to=attendee.email))
    body = api("/api/v1/evaluations").get_json()  # three answers each: nothing to give away
    answered = len(signed.attendees) + len(briefing.attendees)
    assert body["overall"]["suppressed"] is False and body["overall"]["responses"] == answered
    assert [item["suppressed"] for item in body["items"]] == [False, False]

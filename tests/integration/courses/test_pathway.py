"""The trainer pathway: observe, co-deliver, then be accredited; only sessions that took place count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_person, make_session, make_user, wrap_course
from tracker.accounts.models import Role
from tracker.common.time import utc_now
from tracker.courses import pathway
from tracker.courses.models import AccreditationStatus, SessionStatus, SessionTrainer, TrainerPart


def _take_part(person, part, *, days_ago=10, status=SessionStatus.PUBLISHED):
    training_session = make_session(starts_at=utc_now() - timedelta(days=days_ago), status=status)
    training_session.trainers.append(SessionTrainer(person=person, part=part))
    return training_session


@pytest.fixture
def trainee(app):
    coordinator = make_user(Role.COORDINATOR)
    person = make_person(job_title="Housing Manager")
    accreditation = pathway.add_trainee(person=person, course=wrap_course(), actor=coordinator)
    return coordinator, person, accreditation


def test_counts_come_from_parts_on_sessions_that_took_place(app, trainee):
    _, person, _ = trainee
    _take_part(person, TrainerPart.OBSERVER)
    _take_part(person, TrainerPart.OBSERVER, days_ago=-5)  # in the future: not yet
    _take_part(person, TrainerPart.OBSERVER, status=SessionStatus.CANCELLED)  # cancelled: never
    _take_part(person, TrainerPart.CO_TRAINER)
    (row,) = pathway.list_pathway(person_id=person.id)
    assert (row.observed, row.co_delivered, row.led) == (1, 1, 0)
    assert row.stage == "Observing" and not row.ready


def test_accreditation_needs_the_required_observations_and_co_deliveries(app, trainee):
    coordinator, person, accreditation = trainee
    with pytest.raises(pathway.AccreditationError, match="observe 2 more sessions and co-deliver 1 more session"):
        pathway.accredit(accreditation=accreditation, actor=coordinator)
    _take_part(person, TrainerPart.OBSERVER)
    _take_part(person, TrainerPart.OBSERVER, days_ago=20)
    with pytest.raises(pathway.AccreditationError, match="co-deliver 1 more session"):
        pathway.accredit(accreditation=accreditation, actor=coordinator)
    _take_part(person, TrainerPart.CO_TRAINER)
    assert pathway.list_pathway(person_id=person.id)[0].ready
    pathway.accredit(accreditation=accreditation, actor=coordinator)
    assert accreditation.status == AccreditationStatus.ACCREDITED
    assert pathway.is_accredited(person_id=person.id, course_id=wrap_course().id)


def test_a_trainee_is_not_accredited(app, trainee):
    _, person, _ = trainee
    assert not pathway.is_accredited(person_id=person.id, course_id=wrap_course().id)


def test_pages_list_everyone_and_the_coordinator_accredits(app, trainee, signed_in, db):
    coordinator, person, accreditation = trainee
    for _ in range(2):
        _take_part(person, TrainerPart.OBSERVER)
    _take_part(person, TrainerPart.CO_TRAINER)
    client = signed_in(coordinator)
    page = client.get("/trainers").get_data(as_text=True)
    assert person.full_name in page and "Ready for accreditation" in page
    response = client.post(f"/trainers/accreditations/{accreditation.id}/accredit")
    assert response.status_code == 302
    db.session.expire_all()
    assert "Accredited" in client.get(f"/trainers/people/{person.id}").get_data(as_text=True)


def test_a_trainer_sees_only_their_own_pathway(app, trainee, signed_in):
    _, person, _ = trainee
    other = make_user(Role.TRAINER)
    assert signed_in(other).get(f"/trainers/people/{person.id}").status_code == 403
    assert signed_in(other).get(f"/trainers/people/{other.person.id}").status_code == 200


def test_add_trainee_form_errors(app, signed_in):
    client = signed_in(make_user(Role.COORDINATOR))
    wrap = wrap_course()
    page = client.post("/trainers/add", data={"email": "nobody@example.org", "course_id": wrap.id}).get_data(
        as_text=True
    )
    assert "There is nobody with this email address" in page and "nobody@example.org" in page
    person = make_person()
    assert client.post("/trainers/add", data={"email": person.email, "course_id": wrap.id}).status_code == 302
    page = client.post("/trainers/add", data={"email": person.email, "course_id": wrap.id}).get_data(as_text=True)
    assert "already on the pathway" in page


def test_trainers_list_is_one_query_whatever_its_length(app, signed_in, queries, db):
    client = signed_in(make_user(Role.COORDINATOR))
    coordinator = make_user(Role.COORDINATOR)
    for _ in range(3):
        pathway.add_trainee(person=make_person(), course=wrap_course(), actor=coordinator)
    db.session.commit()
    with queries() as few:
        client.get("/trainers")
    for _ in range(40):
        person = make_person()
        pathway.add_trainee(person=person, course=wrap_course(), actor=coordinator)
        _take_part(person, TrainerPart.OBSERVER)
    db.session.commit()
    with queries() as many:
        client.get("/trainers")
    assert few.count == many.count

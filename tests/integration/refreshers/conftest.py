"""A council's team for refresher reminders and digests: a required course, people with records expiring at
chosen dates, sessions with places, and following the emailed links as their recipients would."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import PASSWORD
from tests.factories import (
    make_department,
    make_manager_of,
    make_organisation,
    make_person,
    make_requirement,
    make_session,
    wrap_course,
)
from tests.support.mail_links import emailed_link
from tracker.attendance.models import RecordSource, TrainingRecord
from tracker.common.time import add_months, utc_now
from tracker.extensions import db


def add_record(person, course, *, expires_on: date | None, completed_on: date | None = None) -> TrainingRecord:
    """A record of `course` for `person` that runs out on `expires_on` (valid on the days before it)."""
    completed_on = completed_on or (add_months(expires_on, -36) if expires_on else date(2020, 1, 1))
    record = TrainingRecord(
        person_id=person.id,
        course_id=course.id,
        completed_on=completed_on,
        expires_on=expires_on,
        source=RecordSource.IMPORT,
    )
    db.session.add(record)
    db.session.flush()
    return record


@pytest.fixture
def council(app):
    """A council requiring WRAP of everyone, a manager of Children's Services, and two sessions with places."""
    barnet = make_organisation(name="London Borough of Barnet")
    children = make_department(organisation=barnet, name="Children and Family Services")
    wrap = wrap_course()
    make_requirement(course=wrap, organisation=barnet)
    manager = make_manager_of(children, first_name="Morgan", last_name="Manager")
    soon = make_session(course=wrap, starts_at=(utc_now() + timedelta(days=20)).replace(microsecond=0), capacity=10)
    later = make_session(course=wrap, starts_at=(utc_now() + timedelta(days=50)).replace(microsecond=0), capacity=10)
    return {"barnet": barnet, "children": children, "wrap": wrap, "manager": manager, "sessions": [soon, later]}


def member(council, **kw):
    return make_person(department=council["children"], organisation=council["barnet"], **kw)


def follow_signed_out(app, path: str, *, email: str, password: str | None):
    """Follow an emailed link in a fresh, signed-out client: it leads to sign-in, and signing in (with the password,
    or with a link sent by email for someone without one) leads on to the page. Returns that page's response."""
    client = app.test_client()
    response = client.get(path)
    assert response.status_code == 302, (path, response.status_code)
    location = response.headers["Location"]
    assert location.startswith("/sign-in"), location
    target = parse_qs(urlsplit(location).query)["next"][0]
    assert target == path
    assert client.get(location).status_code == 200
    if password is not None:
        signed_in = client.post(location, data={"email": email, "password": password})
    else:
        app.test_client().post(f"/sign-in-link?next={target}", data={"email": email})
        signed_in = client.post(emailed_link(to=email, kind="sign_in_link", contains="/sign-in-link/"))
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == target
    page = client.get(target)
    assert page.status_code == 200, (target, page.status_code)
    return page


__all__ = ["PASSWORD", "add_record", "follow_signed_out", "member"]

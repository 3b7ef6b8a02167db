"""The service navigation: each person sees the links their roles open, worked out once per set of roles."""

from __future__ import annotations

import re

from tests.factories import make_user
from tracker.access_policy import POLICY
from tracker.accounts import services as accounts
from tracker.accounts.models import Role
from tracker.extensions import db
from tracker.main.navigation import TASKS


def nav_links(html: str) -> list[str]:
    navigation = html.split('id="navigation"')[1].split("</ul>")[0]
    return re.findall(r'class="govuk-service-navigation__link" href="([^"]+)"', navigation)


def expected(app, roles: set[Role]) -> list[str]:
    """The bar's tasks whose GET the policy opens to these roles, in TASKS order."""
    links = []
    for task in TASKS:
        access = POLICY[task.endpoint]
        access = access if not isinstance(access, dict) else access["GET"]
        if task.in_nav and (not access.roles or access.roles & roles):
            with app.test_request_context():
                from flask import url_for

                links.append(url_for(task.endpoint))
    return links


def test_each_person_sees_the_links_of_their_own_roles_in_one_app(app, signed_in):
    staff, manager, coordinator = make_user(Role.STAFF), make_user(Role.MANAGER), make_user(Role.COORDINATOR)
    seen = {}
    for user, roles in ((staff, {Role.STAFF}), (manager, {Role.MANAGER}), (coordinator, {Role.COORDINATOR})):
        links = nav_links(signed_in(user).get("/my-training").get_data(as_text=True))
        assert links == expected(app, roles), roles
        seen[frozenset(roles)] = links
    assert len({tuple(links) for links in seen.values()}) == 3
    assert "/coverage" in seen[frozenset({Role.COORDINATOR})] and "/coverage" not in seen[frozenset({Role.STAFF})]


def test_a_change_of_roles_shows_on_the_next_page(app, signed_in):
    user = make_user(Role.STAFF)
    client = signed_in(user)
    assert nav_links(client.get("/").get_data(as_text=True)) == expected(app, {Role.STAFF})
    accounts.set_roles(user=user, roles={Role.STAFF, Role.MANAGER}, actor=None)
    db.session.commit()
    assert nav_links(client.get("/").get_data(as_text=True)) == expected(app, {Role.STAFF, Role.MANAGER})
    assert expected(app, {Role.STAFF, Role.MANAGER}) != expected(app, {Role.STAFF})


def test_the_coordinator_reaches_the_board_report_and_training_requests_from_the_bar(app, signed_in):
    coordinator = signed_in(make_user(Role.COORDINATOR))
    links = nav_links(coordinator.get("/").get_data(as_text=True))
    assert "/board-report" in links and "/training-requests" in links
    assert links.index("/coverage") < links.index("/board-report")
    staff_links = nav_links(signed_in(make_user(Role.STAFF)).get("/").get_data(as_text=True))
    assert "/board-report" not in staff_links and "/training-requests" not in staff_links


def test_the_bar_marks_the_task_of_the_page_and_of_the_pages_that_go_with_it(app, signed_in, db):
    from tracker.requests import services as requests

    coordinator = signed_in(make_user(Role.COORDINATOR))
    current = re.compile(
        r'govuk-service-navigation__item--active">\s*<a class="govuk-service-navigation__link" href="([^"]+)"'
    )
    assert current.findall(coordinator.get("/board-report").get_data(as_text=True)) == ["/board-report"]
    training_request = requests.submit_request(
        organisation_name="Barnet MIND",
        organisation_kind="third_sector",
        contact_name="Jo Bloggs",
        email="jo@example.org",
        phone=None,
        staff_count=12,
        preferred_dates=None,
        notes=None,
    )
    db.session.commit()
    html = coordinator.get(f"/training-requests/{training_request.id}").get_data(as_text=True)
    assert current.findall(html) == ["/training-requests"]
    assert current.findall(coordinator.get("/demand-planning").get_data(as_text=True)) == ["/board-report"]
    # Creating a session is delivering one, not finding one.
    assert current.findall(coordinator.get("/sessions/new").get_data(as_text=True)) == ["/my-sessions"]

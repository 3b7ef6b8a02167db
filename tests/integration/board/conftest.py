"""The seed world for the board report: Tables 1–4 as returns, Table 5's registers, section 1.18's sessions,
and training requests; and a small world that grows, for query-count pins."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, time

import pytest

from tests.factories import make_department, make_organisation, make_requirement, make_user, wrap_course
from tests.support.coverage_builders import add_people, add_register, add_session
from tests.support.seed_report import BARNET, build_sessions_2018, build_table5, enter_seed_returns
from tracker.accounts.models import Role, UserAccount
from tracker.common.time import london_to_utc
from tracker.coverage import returns
from tracker.extensions import db
from tracker.people.models import OrganisationKind
from tracker.requests.models import RequestStatus, TrainingRequest


def add_request(
    name: str,
    received: date,
    status: RequestStatus = RequestStatus.NEW,
    *,
    kind: OrganisationKind = OrganisationKind.THIRD_SECTOR,
    staff: int = 12,
    session_id: int | None = None,
) -> TrainingRequest:
    training_request = TrainingRequest(
        organisation_name=name,
        organisation_kind=kind,
        contact_name="Jo Bloggs",
        email="jo@example.org",
        staff_count=staff,
        status=status,
        session_id=session_id,
        created_at=london_to_utc(received, time(9, 30)),
    )
    db.session.add(training_request)
    db.session.flush()
    return training_request


@dataclass
class Seed:
    coordinator: UserAccount
    table5: dict
    sessions_2018: object


@pytest.fixture
def seed(app) -> Seed:
    """Everything the seed report's tables are made from, in one database."""
    table5 = build_table5()
    sam = make_user(
        Role.COORDINATOR,
        Role.TRAINER,
        organisation=table5["barnet"],
        first_name="Sam",
        last_name="Rosengard",
        email="sam.rosengard@barnet.example",
    )
    enter_seed_returns(sam)
    made = build_sessions_2018(sam.person)
    scheduled = add_session(wrap_course(), date(2018, 11, 27))
    add_request("Barnet MIND", date(2018, 2, 14), RequestStatus.SCHEDULED, session_id=scheduled.id, staff=30)
    add_request("VAWG partnership forum", date(2018, 10, 2), RequestStatus.CONTACTED, staff=18)
    add_request("Barnet Refugee Service", date(2018, 11, 20), RequestStatus.NEW)
    add_request("St Mary's School", date(2018, 6, 1), RequestStatus.CLOSED, kind=OrganisationKind.EDUCATION)
    add_request("Too early", date(2017, 10, 31), RequestStatus.CLOSED)
    add_request("Too late", date(2019, 1, 2), RequestStatus.NEW)
    return Seed(sam, table5, made)


@pytest.fixture
def small_world(app):
    """A council with one department, a partner with a return, a session and a request; `grow` adds more."""
    council = make_organisation(name=BARNET, kind=OrganisationKind.LOCAL_AUTHORITY)
    wrap = wrap_course()
    make_requirement(course=wrap, organisation=council, from_date=date(2017, 1, 1))
    coordinator = make_user(Role.COORDINATOR, organisation=council)
    numbers = itertools.count()

    def grow(organisations: int) -> None:
        for _ in range(organisations):
            n = next(numbers)
            department = make_department(organisation=council, name=f"Department {n:03d}")
            ids = add_people(department, 3)
            partner = make_organisation(name=f"Partner {n:03d}", kind=OrganisationKind.NHS_TRUST)
            partner_ids = add_people(make_department(organisation=partner, name="Staff"), 2)
            training_session = add_session(wrap, date(2018, 1 + n % 12, 1 + n % 28))
            add_register(training_session, ids[:2] + partner_ids[:1])
            returns.submit_return(
                organisation=partner,
                course=wrap,
                period_end=date(2018, 3 * (1 + n % 4), 30 if n % 4 in (1, 2) else 31),
                compliant=1,
                eligible=2,
                note=None,
                actor=coordinator,
            )
            add_request(f"Group {n:03d}", date(2018, 1 + n % 12, 3))

    grow(2)
    return {"coordinator": coordinator, "grow": grow, "council": council}


def table_rows(html: str) -> dict[str, list[list[str]]]:
    """{caption: body rows as lists of cell texts} for every table of the page."""
    tables = {}
    for table in re.findall(r"<table.*?</table>", html, re.S):
        caption = re.search(r"<caption[^>]*>(.*?)</caption>", table, re.S)
        name = " ".join(re.sub(r"<[^>]+>", " ", caption.group(1)).split()) if caption else ""
        rows = []
        for body in re.findall(r"<tbody.*?</tbody>", table, re.S):
            for row in re.findall(r"<tr.*?</tr>", body, re.S):
                cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
                rows.append([" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells])
        tables[name] = rows
    return tables

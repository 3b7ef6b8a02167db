"""The demo world (tracker.demo) loaded into a test database, with a sign-in and API token for each role.

Used where a test needs a realistic world whose ids resolve: schemathesis against the API, the crawl of
every page a role can reach. `flask demo load` builds it in about a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from tracker.accounts.models import UserAccount
from tracker.accounts.services import create_api_token
from tracker.attendance.models import TrainingRecord
from tracker.booking.models import Booking
from tracker.common.time import utc_now
from tracker.courses.models import Course, SessionStatus, TrainingSession
from tracker.demo.data import DEMO_PASSWORD, load_demo
from tracker.extensions import db
from tracker.people.models import DepartmentManager, Organisation, Person, Placement

#: One demo account per role (tracker/demo/data.py).
ROLE_EMAILS = {
    "coordinator": "sam.rosengard@barnet.example",
    "trainer": "amira.haddad@barnet.example",
    "manager": "helen.okafor@barnet.example",
    "staff": "tom.walker@barnet.example",
    "partner": "rachel.green@beh-mht.example",
}


@dataclass
class DemoWorld:
    users: dict[str, UserAccount]
    tokens: dict[str, str]
    #: A spread of real ids by the name the API gives them in paths and bodies.
    ids: dict[str, list[int]] = field(default_factory=dict)
    course_codes: list[str] = field(default_factory=list)
    password: str = DEMO_PASSWORD


def _spread(ids: list[int], count: int) -> list[int]:
    """`count` ids spread over the list (the first, the last, and evenly between)."""
    if len(ids) <= count:
        return ids
    step = (len(ids) - 1) / (count - 1)
    return sorted({ids[round(i * step)] for i in range(count)})


def load_demo_world() -> DemoWorld:
    """Load the demo, add a draft and a cancelled session, make an API token per role, and commit."""
    load_demo()
    wrap = db.session.scalar(select(Course).where(Course.code == "WRAP"))
    lead = db.session.scalar(select(Person).where(Person.email == ROLE_EMAILS["trainer"]))
    start = (utc_now() + timedelta(days=40)).replace(minute=0, second=0, microsecond=0)
    from tracker.courses.models import SessionTrainer, TrainerPart

    for status in (SessionStatus.DRAFT, SessionStatus.CANCELLED):
        extra = TrainingSession(
            course=wrap,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            venue="Barnet House",
            capacity=10,
            status=status,
            created_by_id=lead.id,
        )
        extra.trainers.append(SessionTrainer(person=lead, part=TrainerPart.LEAD))
        db.session.add(extra)
        start += timedelta(days=1)
    db.session.flush()

    users = {
        role: db.session.scalar(select(UserAccount).join(Person).where(Person.email == email))
        for role, email in ROLE_EMAILS.items()
    }
    tokens = {role: create_api_token(user=user, actor_label="test") for role, user in users.items()}

    people = {user.person_id for user in users.values()}
    manager = users["manager"].person
    managed = select(DepartmentManager.department_id).where(DepartmentManager.person_id == manager.id)
    team = db.session.scalars(select(Placement.person_id).where(Placement.department_id.in_(managed)).limit(3))
    partner_org = users["partner"].person.organisation_id
    colleagues = db.session.scalars(select(Person.id).where(Person.organisation_id == partner_org).limit(3))
    everyone = list(db.session.scalars(select(Person.id).order_by(Person.id)))
    people |= set(team) | set(colleagues) | set(_spread(everyone, 6))

    sessions = list(db.session.scalars(select(TrainingSession.id).order_by(TrainingSession.starts_at)))
    upcoming = list(
        db.session.scalars(
            select(TrainingSession.id).where(TrainingSession.starts_at > utc_now()).order_by(TrainingSession.starts_at)
        )
    )
    bookings = list(db.session.scalars(select(Booking.id).order_by(Booking.id)))
    records = list(db.session.scalars(select(TrainingRecord.id).order_by(TrainingRecord.id)))
    own_records = db.session.scalars(select(TrainingRecord.id).where(TrainingRecord.person_id.in_(people)).limit(4))
    world = DemoWorld(
        users=users,
        tokens=tokens,
        ids={
            "person_id": sorted(people),
            "session_id": sorted(set(_spread(sessions, 6)) | set(upcoming)),
            "booking_id": _spread(bookings, 8),
            "record_id": sorted(set(_spread(records, 6)) | set(own_records)),
            "organisation_id": list(db.session.scalars(select(Organisation.id).order_by(Organisation.id))),
        },
        course_codes=list(db.session.scalars(select(Course.code).order_by(Course.code))),
    )
    db.session.commit()
    return world

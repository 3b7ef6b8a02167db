"""The register's walk-in search finds people only as the access policy allows (issue 16, item 3): a trainer
could read the whole people directory through it (`?q=@` on a draft session they had just made)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import make_organisation, make_person, make_session, make_user
from tests.integration.attendance.conftest import past_session
from tracker.accounts.models import Role
from tracker.common.audit import AuditEvent
from tracker.common.time import utc_now
from tracker.courses.models import SessionStatus


def register_url(training_session, tail: str = "") -> str:
    return f"/sessions/{training_session.id}/register{tail}"


def directory():
    barnet, mind = make_organisation(name="Barnet Council"), make_organisation(name="Barnet MIND")
    return [
        make_person(organisation=barnet, first_name="Imogen", last_name="Walker", email="imogen.walker@barnet.example"),
        make_person(organisation=mind, first_name="Imogen", last_name="Walker", email="iw@mind.example"),
        make_person(organisation=barnet, first_name="Tom", last_name="Walker", email="tom.walker@barnet.example"),
    ]


def test_a_trainer_finds_only_an_exact_name_or_email(app, db, signed_in, trainer):
    session = past_session(lead=trainer.person)
    imogen, other_imogen, tom = directory()
    client = signed_in(trainer)
    for query in ("@", "walker", "imo", "barnet", "Imogen Walk"):
        page = client.get(register_url(session, f"/walk-in?q={query}")).get_data(as_text=True)
        assert "tom.walker" not in page and f'value="{tom.id}"' not in page, query
        assert f'value="{imogen.id}"' not in page, query
    page = client.get(register_url(session, "/walk-in?q=imogen  WALKER")).get_data(as_text=True)
    assert f'value="{imogen.id}"' in page and f'value="{other_imogen.id}"' in page
    assert "Barnet MIND" in page and "i…@mind.example" in page and "iw@mind.example" not in page
    assert "Tom" not in page
    page = client.get(register_url(session, "/walk-in?q=Tom.Walker@Barnet.example")).get_data(as_text=True)
    assert f'value="{tom.id}"' in page and "tom.walker@barnet.example" in page
    short = client.get(register_url(session, "/walk-in?q=ab")).get_data(as_text=True)
    assert "Enter their full name or email address (3 characters or more)" in short


def test_the_coordinator_still_searches_the_directory(app, db, signed_in):
    session = past_session()
    imogen, other_imogen, tom = directory()
    page = signed_in(make_user(Role.COORDINATOR)).get(register_url(session, "/walk-in?q=walker")).get_data(as_text=True)
    assert all(f'value="{p.id}"' in page for p in (imogen, other_imogen, tom))
    assert "iw@mind.example" in page


def test_no_search_on_a_draft_a_cancelled_or_another_days_session(app, db, signed_in, trainer):
    imogen = directory()[0]
    client = signed_in(trainer)
    draft = past_session(lead=trainer.person, status=SessionStatus.DRAFT)
    cancelled = past_session(lead=trainer.person, status=SessionStatus.CANCELLED)
    later = make_session(lead=trainer.person, starts_at=utc_now() + timedelta(days=5))
    long_ago = make_session(lead=trainer.person, starts_at=utc_now() - timedelta(days=5))
    for session, message in (
        (draft, "Publish the session before adding walk-ins"),
        (cancelled, "This session was cancelled"),
        (later, "You can add walk-ins on the day of the session"),
        (long_ago, "You can add walk-ins on the day of the session"),
    ):
        page = client.get(register_url(session, "/walk-in?q=imogen.walker@barnet.example")).get_data(as_text=True)
        assert message in page and f'value="{imogen.id}"' not in page
        added = client.post(register_url(session, "/walk-in"), data={"person_id": imogen.id})
        assert added.status_code >= 400
    coordinator = signed_in(make_user(Role.COORDINATOR))
    page = coordinator.get(register_url(cancelled, "/walk-in?q=imogen")).get_data(as_text=True)
    assert "This session was cancelled" in page and f'value="{imogen.id}"' not in page


def test_searches_are_audited_without_growing_the_log_per_search(app, db, signed_in, trainer):
    session = past_session(lead=trainer.person)
    directory()
    client = signed_in(trainer)
    for query in ("imogen walker", "tom walker", "nobody here"):
        client.get(register_url(session, f"/walk-in?q={query}"))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "walk_in.searched")).all()
    assert len(events) == 1
    assert events[0].object_id == session.id and events[0].actor_user_id == trainer.id
    assert events[0].after["searches"] == [
        {"q": "imogen walker", "found": 2},
        {"q": "tom walker", "found": 1},
        {"q": "nobody here", "found": 0},
    ]

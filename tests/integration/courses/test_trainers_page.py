"""The Trainers page: an accredited trainer shows as accredited, not as a trainee short of observations."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.factories import make_person, make_session, make_user, wrap_course
from tracker.accounts.models import Role
from tracker.common.time import utc_now
from tracker.courses.models import AccreditationStatus, SessionTrainer, TrainerAccreditation, TrainerPart
from tracker.extensions import db


def _rows(html: str) -> dict[str, list[str]]:
    """The pathway table's rows by trainer name, each as the text of its cells."""
    rows = {}
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html.split("<tbody")[1], re.S):
        cells = [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows[cells[0].split(" Organisation")[0]] = cells
    return rows


def test_an_accredited_trainer_is_accredited_and_a_trainee_counts_against_the_course(app, signed_in):
    coordinator = make_user(Role.COORDINATOR)
    wrap = wrap_course()
    accredited = make_person(first_name="Amira", last_name="Haddad")
    trainee = make_person(first_name="Funmi", last_name="Adeyemi")
    db.session.add_all(
        [
            TrainerAccreditation(
                person_id=accredited.id,
                course_id=wrap.id,
                status=AccreditationStatus.ACCREDITED,
                accredited_at=datetime(2018, 3, 5, 9, 0, tzinfo=UTC),
            ),
            TrainerAccreditation(person_id=trainee.id, course_id=wrap.id, status=AccreditationStatus.TRAINEE),
        ]
    )
    led = make_session(course=wrap, starts_at=utc_now() - timedelta(days=3))
    led.trainers.append(SessionTrainer(person=accredited, part=TrainerPart.LEAD))
    observed = make_session(course=wrap, starts_at=utc_now() - timedelta(days=4))
    observed.trainers.append(SessionTrainer(person=trainee, part=TrainerPart.OBSERVER))
    db.session.flush()

    client = signed_in(coordinator)
    rows = _rows(client.get("/trainers").get_data(as_text=True))
    amira, funmi = rows["Amira Haddad"], rows["Funmi Adeyemi"]
    assert amira[2] == f"Accredited Can lead {wrap.code} sessions, since 5 March 2018"
    assert amira[3:6] == ["0", "0", "1"]  # what they did, with no target: none is needed once accredited
    assert not any(" of " in cell for cell in amira[3:5])
    assert funmi[2] == "Observing" and funmi[3:6] == ["1 of 2", "0 of 1", "0"]

    own = signed_in(make_user(Role.TRAINER, person=accredited)).get(f"/trainers/people/{accredited.id}")
    page = " ".join(re.sub(r"<[^>]+>", " ", own.get_data(as_text=True)).split())
    assert "Accredited Can lead" in page and "0 of 2" not in page

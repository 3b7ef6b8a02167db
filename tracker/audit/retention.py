"""Retention: erase the personal details of people who left long enough ago.

What is erased: names (replaced by "Erased person"), email, HR reference, the sign-in account's
password, sessions, tokens, feed tokens, emailed links and sign-in identities at an OpenID provider, and
the emails addressed to them. What stays: the person
row's id, organisation, job title, start and leave dates, placements, bookings, attendance and training
records — so every past coverage figure and board report gives the same counts after the purge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select, update

from tracker.accounts.models import AccountLink, ApiToken, ExternalIdentity, LoginSession, UserAccount
from tracker.common.audit import AuditEvent, record_event
from tracker.common.time import add_months, today_london, utc_now
from tracker.extensions import db
from tracker.invites.models import CalendarFeedToken, OutboxMessage
from tracker.people.models import Person

ERASED_FIRST_NAME = "Erased"
ERASED_LAST_NAME = "person"


@dataclass(frozen=True)
class PurgeResult:
    cutoff: date
    people: int
    dry_run: bool


def retention_cutoff(months: int, *, today: date | None = None) -> date:
    """Leavers whose leave date is before this date are erased."""
    return add_months(today or today_london(), -months)


def due_for_erasure(cutoff: date) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person)
            .where(Person.end_date.is_not(None), Person.end_date < cutoff, Person.erased_at.is_(None))
            .order_by(Person.id)
        )
    )


def purge_leavers(*, months: int, dry_run: bool = False, today: date | None = None) -> PurgeResult:
    """Erase personal details of people who left more than `months` months ago. Audited per person."""
    cutoff = retention_cutoff(months, today=today)
    people = due_for_erasure(cutoff)
    if dry_run:
        return PurgeResult(cutoff=cutoff, people=len(people), dry_run=True)
    now = utc_now()
    for person in people:
        old_email = person.email
        person.first_name, person.last_name = ERASED_FIRST_NAME, ERASED_LAST_NAME
        person.email = None
        person.employee_ref = None
        person.erased_at = now
        account = db.session.scalar(select(UserAccount).where(UserAccount.person_id == person.id))
        if account is not None:
            account.is_active = False
            account.password_hash = None
            db.session.execute(delete(LoginSession).where(LoginSession.user_id == account.id))
            db.session.execute(delete(ApiToken).where(ApiToken.user_id == account.id))
            # The provider's subject and the email it gave: a way back to the person.
            db.session.execute(delete(ExternalIdentity).where(ExternalIdentity.user_id == account.id))
            db.session.execute(
                update(AuditEvent)
                .where(AuditEvent.actor_user_id == account.id)
                .values(actor_label=f"{ERASED_FIRST_NAME} {ERASED_LAST_NAME} #{person.id}")
            )
            db.session.execute(
                update(AuditEvent)
                .where(AuditEvent.object_type == "user", AuditEvent.object_id == account.id)
                .values(before=None, after=None)
            )
        # The log is append-only except for this: the law requires the details to go, the events stay.
        db.session.execute(
            update(AuditEvent)
            .where(AuditEvent.object_type == "person", AuditEvent.object_id == person.id)
            .values(before=None, after=None)
        )
        if old_email:
            db.session.execute(
                update(AuditEvent).where(AuditEvent.actor_label == old_email).values(actor_label="erased")
            )
        db.session.execute(delete(CalendarFeedToken).where(CalendarFeedToken.person_id == person.id))
        db.session.execute(delete(AccountLink).where(AccountLink.person_id == person.id))
        if old_email:
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient_email == old_email))
        record_event(
            "person.erased",
            actor_label="retention",
            object_type="person",
            object_id=person.id,
            after={"left_on": person.end_date, "cutoff": cutoff},
        )
    db.session.flush()
    return PurgeResult(cutoff=cutoff, people=len(people), dry_run=False)

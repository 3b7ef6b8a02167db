"""`read_rows`: a page's column reads on the session's own connection and transaction, without a flush first."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_organisation
from tracker.common.database import read_rows
from tracker.extensions import db
from tracker.people.models import Organisation, OrganisationKind


def names() -> list[str]:
    return [row.name for row in read_rows(select(Organisation.name).order_by(Organisation.name))]


def test_it_reads_in_the_sessions_transaction_what_is_flushed_and_not_what_is_pending(app):
    make_organisation(name="Barnet Homes")  # flushed, not committed
    assert names() == ["Barnet Homes"]
    db.session.add(Organisation(name="Barnet MENCAP", kind=OrganisationKind.THIRD_SECTOR))
    assert names() == ["Barnet Homes"]  # pending: read_rows does not flush, as documented
    db.session.flush()
    assert names() == ["Barnet Homes", "Barnet MENCAP"]
    db.session.rollback()
    assert names() == []

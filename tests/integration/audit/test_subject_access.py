"""A subject access export: everything about one person, JSON and CSV, audited, no secrets."""

from __future__ import annotations

import json

from tests.factories import make_booking, make_session, make_user
from tracker.accounts.models import Role
from tracker.common.audit import AuditEvent


def test_json_export_holds_the_persons_rows_and_no_hashes(app, signed_in, db):
    user = make_user(Role.STAFF)
    make_booking(make_session(), user.person)
    coordinator = signed_in(make_user(Role.COORDINATOR))
    response = coordinator.post(f"/people/{user.person.id}/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    tables = data["tables"]
    assert tables["person"][0]["email"] == user.person.email
    assert len(tables["booking"]) == 1 and tables["user_role"][0]["role"] == "staff"
    assert "password_hash" not in tables["user_account"][0]
    assert "$argon2id$" not in response.get_data(as_text=True)
    assert db.session.query(AuditEvent).filter_by(action="person.exported", object_id=user.person.id).count() == 1


def test_csv_export_opens_in_excel_and_defuses_formulas(app, signed_in):
    user = make_user(Role.STAFF, first_name="=HYPERLINK(1)")
    response = signed_in(make_user(Role.COORDINATOR)).post(f"/people/{user.person.id}/export.csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufefftable,row,field,value\r\n")
    assert "'=HYPERLINK(1)" in text


def test_only_the_coordinator_exports_and_never_by_get(app, signed_in):
    user = make_user(Role.STAFF)
    assert signed_in(user).post(f"/people/{user.person.id}/export.json").status_code == 403
    assert signed_in(make_user(Role.COORDINATOR)).get(f"/people/{user.person.id}/export.json").status_code == 405


#: Columns that name a person as the one who acted (marked, signed off, cancelled, created): what they did is in
#: the audit events the export holds; the rows are about someone else.
ACTOR_COLUMNS = frozenset(
    {
        "line_manager_id",
        "accredited_by_id",
        "created_by_id",
        "register_signed_off_by_id",
        "actor_user_id",
        "booked_by_id",
        "cancelled_by_id",
        "submitted_by_id",
        "replaced_by_id",
        "by_id",
        "marked_by_id",
        "changed_by_id",
        "issued_by_id",
    }
)


def test_every_table_about_a_person_is_in_the_export(app, signed_in, db):
    """A table added later with a person or an account as its subject must be exported too (or its column
    named above as an actor's, with the reason)."""
    user = make_user(Role.STAFF)
    coordinator = signed_in(make_user(Role.COORDINATOR))
    tables = json.loads(coordinator.post(f"/people/{user.person.id}/export.json").get_data(as_text=True))["tables"]
    about_a_person = {
        (table.name, key.parent.name)
        for table in db.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name in ("person", "user_account") and key.parent.name not in ACTOR_COLUMNS
    }
    assert about_a_person, "the metadata names no table about a person"
    assert sorted((name, column) for name, column in about_a_person if name not in tables) == []

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

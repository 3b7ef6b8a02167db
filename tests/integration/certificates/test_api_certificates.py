"""/api/v1/training-records/{id}/certificate: issue, read, download; JSON errors for the rest, never a 500."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import make_course, make_user
from tests.integration.certificates.conftest import pdf_text
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token
from tracker.attendance import sign_off, training_records
from tracker.certificates import services


@pytest.fixture
def api(app, db):
    def as_user(user):
        token = create_api_token(user=user)
        db.session.commit()
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()

        class Api:
            def get(self, url):
                return client.get(url, headers=headers)

            def post(self, url):
                return client.post(url, headers=headers, json={})

        return Api()

    return as_user


def test_issue_read_and_download(app, api, delivered):
    url = f"/api/v1/training-records/{delivered.record.id}/certificate"
    holder = api(delivered.holder)
    assert holder.get(url).status_code == 404
    assert holder.get(url).json["error"]["code"] == "certificate_not_issued"
    made = holder.post(url)
    assert made.status_code == 201
    body = made.json
    assert body["record_id"] == delivered.record.id and body["valid"] is True
    assert body["check_url"] == f"http://tracker.test/certificates/{body['code']}"
    assert services.normalise_code(body["code"]) == body["code"]
    again = holder.post(url)
    assert again.status_code == 200 and again.json["code"] == body["code"]
    assert holder.get(url).json == body
    pdf = holder.get(url + ".pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert services.display_code(body["code"]) in pdf_text(pdf.data)


def test_withdrawn_with_the_record(app, db, api, delivered, coordinator):
    url = f"/api/v1/training-records/{delivered.record.id}/certificate"
    holder = api(delivered.holder)
    holder.post(url)
    sign_off.reopen_register(training_session=delivered.training_session, actor=coordinator, reason="Wrong people")
    db.session.commit()
    # The record is gone, so the address names nothing now.
    assert holder.get(url).status_code == 404
    assert holder.get(url + ".pdf").status_code == 404


def test_permissions_and_errors_are_json(app, db, api, delivered, coordinator):
    url = f"/api/v1/training-records/{delivered.record.id}/certificate"
    for refused in (delivered.trainer, make_user(Role.STAFF), make_user(Role.MANAGER)):
        for response in (api(refused).post(url), api(refused).get(url), api(refused).get(url + ".pdf")):
            assert response.status_code == 403 and response.json["error"]["code"]
    assert api(coordinator).post(url).status_code == 201
    assert app.test_client().get(url).status_code == 401
    missing = api(coordinator).get("/api/v1/training-records/2147483647/certificate")
    assert missing.status_code == 404 and "error" in missing.json
    evidence = training_records.add_equivalent_evidence(
        person=delivered.holder.person,
        course=make_course(code="HO", name="Home Office e-learning"),
        completed_on=date(2024, 1, 5),
        evidence="Seen",
        actor=coordinator,
    )
    db.session.commit()
    refused = api(delivered.holder).post(f"/api/v1/training-records/{evidence.id}/certificate")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "record_not_from_a_register"

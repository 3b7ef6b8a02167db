"""Certificates of attendance: the PDF read back (text and QR code), the public check page and what it leaves out,
withdrawal when the record goes, who may have one, and the pages that offer it."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.factories import make_course, make_user
from tests.integration.certificates.conftest import pdf_text
from tests.support.qr import decode_qr
from tracker.accounts.models import Role
from tracker.attendance import sign_off, training_records
from tracker.certificates import services
from tracker.certificates.models import Certificate
from tracker.common.audit import AuditEvent
from tracker.common.time import format_date

BASE = "http://tracker.test"


def _issue(client, record) -> tuple[bytes, str]:
    """Press the button: POST, then follow the redirect to the PDF. Returns the PDF and its code."""
    response = client.post(f"/training-records/{record.id}/certificate")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/training-records/{record.id}/certificate.pdf")
    pdf = client.get(response.headers["Location"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    code = re.search(r"Verification code: ([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})", pdf_text(pdf.data)).group(1)
    return pdf.data, code.replace("-", "")


def test_the_pdf_says_who_attended_what_when_with_whom_until_when_and_its_code(app, signed_in, delivered):
    record = delivered.record
    body, code = _issue(signed_in(delivered.holder), record)
    text = pdf_text(body)
    for expected in (
        "Certificate of attendance",
        "Zoë O’Brien",  # outside ASCII: the embedded font keeps it searchable
        "Barnet Council",
        record.course.name,
        f"Completed: {format_date(record.completed_on)}",
        f"Valid until: {format_date(record.valid_until)}",
        "Trainers: Sam Rosengard, Ade Okafor",  # the lead first
        f"{BASE}/certificates/{code}",
    ):
        assert expected in text, expected
    assert "zoe.obrien@barnet.example" not in text
    stored = app.extensions["sqlalchemy"].session.scalar(select(Certificate).where(Certificate.code == code))
    assert (stored.training_record_id, stored.person_id, stored.completed_on) == (
        record.id,
        delivered.holder.person_id,
        record.completed_on,
    )


def test_the_qr_code_in_the_pdf_decodes_to_the_check_address(app, signed_in, delivered):
    body, code = _issue(signed_in(delivered.holder), delivered.record)
    (image,) = PdfReader(io.BytesIO(body)).pages[0].images
    address = decode_qr(image.data)
    assert address == f"{BASE}/certificates/{code}"
    page = app.test_client().get(address.removeprefix(BASE))  # where a phone that scans it goes, signed out
    assert page.status_code == 200 and "valid" in page.get_data(as_text=True).lower()


def test_asking_again_gives_the_same_certificate_and_issuing_is_audited_once(app, db, signed_in, delivered):
    client = signed_in(delivered.holder)
    _, first = _issue(client, delivered.record)
    _, second = _issue(client, delivered.record)
    assert first == second
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.issued")).all()
    assert [(e.object_type, e.object_id) for e in events] == [("training_record", delivered.record.id)]


def test_the_check_page_confirms_the_certificate_and_tells_nothing_else(app, client, signed_in, delivered):
    _, code = _issue(signed_in(delivered.holder), delivered.record)
    page = client.get(f"/certificates/{code}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    record = delivered.record
    assert "This certificate is genuine" in text
    assert "Z. O’Brien" in text
    assert record.course.name in text
    assert format_date(record.completed_on) in text and format_date(record.valid_until) in text
    for absent in ("Zoë", "zoe.obrien", "barnet.example", "Barnet Council", "Rosengard", "Okafor", "Sign out"):
        assert absent not in text, absent
    assert 'name="robots" content="noindex, nofollow"' in text
    # Typed by hand: lower case, hyphens, spaces.
    grouped = services.display_code(code).lower().replace("-", " - ")
    assert client.get(f"/certificates/{grouped}").status_code == 200


@pytest.mark.parametrize("code", ["AAAAAAAAAAAA", "short", "0000-1111-8888", "x" * 300])
def test_a_code_no_certificate_has_is_not_found(app, client, delivered, code):
    response = client.get(f"/certificates/{code}")
    assert response.status_code == 404
    assert "Certificate not found" in response.get_data(as_text=True)


def test_reopening_the_register_withdraws_the_certificate_for_good(app, db, client, signed_in, delivered, coordinator):
    holder = signed_in(delivered.holder)
    _, code = _issue(holder, delivered.record)
    record_id, course_name = delivered.record.id, delivered.record.course.name
    sign_off.reopen_register(training_session=delivered.training_session, actor=coordinator, reason="Wrong date")
    db.session.commit()
    page = client.get(f"/certificates/{code}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "This certificate is no longer valid" in text
    assert course_name not in text and "O’Brien" not in text and "genuine" not in text
    assert db.session.scalar(select(Certificate.training_record_id).where(Certificate.code == code)) is None
    assert holder.get(f"/training-records/{record_id}/certificate.pdf").status_code == 404
    # Signed off again: a new record, a new certificate with a new code; the old one stays withdrawn.
    new_record = sign_off.sign_off_register(training_session=delivered.training_session, actor=coordinator)
    db.session.commit()
    (mine,) = [r for r in new_record if r.person_id == delivered.holder.person_id]
    _, new_code = _issue(holder, mine)
    assert new_code != code
    assert "no longer valid" in client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "genuine" in client.get(f"/certificates/{new_code}").get_data(as_text=True)


def test_a_record_changed_under_its_certificate_withdraws_it(app, db, client, delivered, coordinator):
    certificate, issued = services.issue_certificate(record=delivered.record, actor=coordinator)
    assert issued and services.check_code(certificate.code).valid
    delivered.record.completed_on = date(2020, 1, 1)  # a correction made in place, by whatever means
    db.session.commit()
    assert services.check_code(certificate.code) == services.CertificateCheck(code=certificate.code, valid=False)


def test_an_erased_person_certificate_is_no_longer_valid(app, db, client, delivered, coordinator):
    from tracker.common.time import utc_now

    certificate, _ = services.issue_certificate(record=delivered.record, actor=coordinator)
    delivered.holder.person.erased_at = utc_now()
    db.session.commit()
    assert "no longer valid" in client.get(f"/certificates/{certificate.code}").get_data(as_text=True)


def test_expired_training_is_shown_as_expired(app, db, delivered, coordinator):
    certificate, _ = services.issue_certificate(record=delivered.record, actor=coordinator)
    result = services.check_code(certificate.code, today=delivered.record.expires_on)
    assert result.valid and result.expired
    assert not services.check_code(certificate.code).expired


def test_only_a_register_record_has_a_certificate(app, db, signed_in, coordinator, delivered):
    course = make_course(code="HO-PREVENT", name="Home Office Prevent e-learning")
    evidence = training_records.add_equivalent_evidence(
        person=delivered.holder.person,
        course=course,
        completed_on=date(2024, 5, 1),
        evidence="Certificate seen",
        actor=coordinator,
    )
    db.session.commit()
    response = signed_in(delivered.holder).post(f"/training-records/{evidence.id}/certificate")
    assert response.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_only_the_person_and_the_coordinator_may_have_it(app, db, client, signed_in, delivered, coordinator):
    record = delivered.record
    _issue(signed_in(coordinator), record)
    manager = make_user(Role.MANAGER, Role.STAFF)
    for refused in (delivered.trainer, make_user(Role.STAFF), manager, make_user(Role.PARTNER)):
        other = signed_in(refused)
        assert other.post(f"/training-records/{record.id}/certificate").status_code == 403
        assert other.get(f"/training-records/{record.id}/certificate.pdf").status_code == 403
    anonymous = client.get(f"/training-records/{record.id}/certificate.pdf")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    assert signed_in(delivered.holder).get(f"/training-records/{record.id}/certificate.pdf").status_code == 200
    assert signed_in(coordinator).get(f"/training-records/{record.id + 999}/certificate.pdf").status_code == 404


def test_a_certificate_not_yet_issued_is_not_found(app, signed_in, delivered):
    response = signed_in(delivered.holder).get(f"/training-records/{delivered.record.id}/certificate.pdf")
    assert response.status_code == 404


def test_my_training_and_the_person_records_page_offer_the_certificate(app, db, signed_in, delivered, coordinator):
    button = f'action="/training-records/{delivered.record.id}/certificate"'
    mine = signed_in(delivered.holder).get("/my-training").get_data(as_text=True)
    assert button in mine and "Download certificate" in mine
    assert f'action="/training-records/{delivered.other_record.id}/certificate"' not in mine
    records = signed_in(coordinator).get(f"/people/{delivered.holder.person_id}/training-records")
    assert button in records.get_data(as_text=True)


def test_the_check_page_is_one_statement(app, db, client, delivered, coordinator, queries):
    certificate, _ = services.issue_certificate(record=delivered.record, actor=coordinator)
    db.session.commit()
    url = f"/certificates/{certificate.code}"
    with queries() as counter:
        assert client.get(url).status_code == 200
    assert counter.count == 1, counter.statements


def test_two_requests_issuing_at_once_get_the_one_certificate(app, db, delivered, coordinator, monkeypatch):
    """The second request found none, then lost the insert to the first: it answers with the winner's row."""
    winner, _ = services.issue_certificate(record=delivered.record, actor=coordinator)
    db.session.commit()
    looked = []
    real_find = services.find_certificate

    def find_as_if_not_yet_issued(record):
        looked.append(record.id)
        return None if len(looked) == 1 else real_find(record)

    monkeypatch.setattr(services, "find_certificate", find_as_if_not_yet_issued)
    certificate, issued = services.issue_certificate(record=delivered.record, actor=delivered.holder)
    assert (certificate.id, certificate.code, issued) == (winner.id, winner.code, False)
    db.session.commit()  # the transaction is still usable after the refused insert
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1

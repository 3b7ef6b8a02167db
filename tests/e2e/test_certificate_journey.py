"""A member of staff downloads the certificate of a session they attended and checks it on the public page as an
employer would; the trainer downloads the session's attendee list."""

from __future__ import annotations

import csv
import io
import re

from pypdf import PdfReader

STAFF = "tom.walker@barnet.example"
TRAINER = "amira.haddad@barnet.example"
COORDINATOR = "sam.rosengard@barnet.example"


def _attended(demo_data) -> tuple[int, int]:
    """Tom attended a WRAP session Amira led two hours ago; she signed the register off. Returns the session's id
    and Tom's."""
    from sqlalchemy import select

    from tests.integration.attendance.conftest import book, past_session
    from tracker.accounts.models import UserAccount
    from tracker.attendance import services, sign_off
    from tracker.people.models import Person

    with demo_data() as db:
        tom, amira = (
            db.session.scalar(select(UserAccount).join(Person).where(Person.email == email))
            for email in (STAFF, TRAINER)
        )
        training_session = past_session(lead=amira.person)
        book(training_session, tom.person)
        services.mark_everyone_attended(training_session=training_session, actor=amira)
        sign_off.sign_off_register(training_session=training_session, actor=amira)
        return training_session.id, tom.person_id


def test_staff_download_a_certificate_that_the_public_page_confirms(page, demo_data, open_page):
    session_id, tom_id = _attended(demo_data)
    page.sign_in(STAFF)
    page.nav("My training")
    page.check("my training with a certificate")
    button = page.page.get_by_role("button", name=re.compile("^Download certificate")).first
    with page.page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.startswith("certificate-")
    text = " ".join(PdfReader(download.value.path()).pages[0].extract_text().split())
    assert "Certificate of attendance" in text and "Tom Walker" in text and "Amira Haddad" in text
    code = re.search(r"/certificates/([A-Z2-7]{12})", text).group(1)

    employer = open_page()  # no sign-in: the address on the certificate (and in its QR code)
    employer.goto(f"/certificates/{code}")
    assert "This certificate is genuine" in employer.page.locator("main").inner_text()
    assert "T. Walker" in employer.page.locator("main").inner_text()
    employer.check("certificate check")

    trainer = open_page()
    trainer.sign_in(TRAINER)
    trainer.goto(f"/sessions/{session_id}/manage")
    trainer.check("session with the attendee list")
    with trainer.page.expect_download() as download:
        trainer.page.get_by_role("link", name="download as CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(io.StringIO(file.read())))
    (tom,) = [row for row in rows if row["email"] == STAFF]
    assert (tom["attendance"], tom["signed_off"], tom["record_made"]) == ("attended", "yes", "yes")

    coordinator = open_page()
    coordinator.sign_in(COORDINATOR)
    coordinator.goto(f"/people/{tom_id}/training-records")
    coordinator.check("training records with a certificate")
    with coordinator.page.expect_download() as download:
        coordinator.page.get_by_role("button", name=re.compile("^Download certificate")).first.click()
    again = " ".join(PdfReader(download.value.path()).pages[0].extract_text().split())
    assert code in again  # the same certificate, whoever downloads it

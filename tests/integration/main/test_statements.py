"""The accessibility statement and privacy notice: GOV.UK's model sections, with the council's details and the
retention period taken from configuration (the same RETENTION_MONTHS the purge uses)."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import make_config
from tests.factories import make_user
from tracker.accounts.models import Role
from tracker.invites.emails import render_email

COUNCIL = {
    "TRACKER_COUNCIL_NAME": "Borough of Testshire",
    "TRACKER_COUNCIL_EMAIL": "accessible.training@testshire.example",
    "TRACKER_DPO_EMAIL": "dpo@testshire.example",
    "TRACKER_COUNCIL_ADDRESS": "Civic Centre, 5 Market Square, Testbury, TS1 2AB",
}


@pytest.fixture
def app_config(database_url):
    return make_config(database_url, RETENTION_MONTHS=18, **COUNCIL)


def text_of(response) -> str:
    """The page's main content as text (tags dropped, entities read)."""
    main = response.get_data(as_text=True).split('id="main-content"')[1].split("</main>")[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def test_the_privacy_notice_names_the_council_its_officer_and_the_retention_the_purge_uses(client):
    response = client.get("/privacy")
    assert response.status_code == 200
    text = text_of(response)
    assert "Borough of Testshire is the controller" in text
    assert "Civic Centre 5 Market Square Testbury TS1 2AB" in text  # one address line each
    assert text.count("dpo@testshire.example") >= 2  # the officer, and where subject access requests go
    assert "18 months after your leave date" in text
    assert "72 months" not in text
    for right in ("access", "rectification", "erasure", "restriction", "objection"):
        assert f"{right}:" in text
    assert "Article 6(1)(e), public task" in text and "Article 6(1)(b), the employment contract" in text
    assert "subject access request" in text and "within one month" in text
    assert "Wycliffe House" in text and "SK9 5AF" in text and "0303 123 1113" in text
    assert 'href="https://ico.org.uk/make-a-complaint/"' in response.get_data(as_text=True)


def test_the_retention_period_in_years_when_it_is_whole_years(app, client):
    app.config["RETENTION_MONTHS"] = 72
    assert "72 months (6 years) after your leave date" in text_of(client.get("/privacy"))


def test_the_accessibility_statement_follows_the_model_with_the_councils_contacts(client):
    response = client.get("/accessibility")
    assert response.status_code == 200
    text = text_of(response)
    page = response.get_data(as_text=True)
    assert "This service is run by Borough of Testshire" in text
    assert 'href="mailto:accessible.training@testshire.example"' in page
    for heading in (
        "How accessible this service is",
        "Feedback and contact information",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
    ):
        assert heading in text
    assert "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard" in text
    assert "Equality Advisory and Support Service (EASS)" in text
    assert 'href="https://www.equalityadvisoryservice.com/"' in page
    assert re.search(
        r"This statement was prepared on \d{1,2} \w+ 20\d\d\. It was last reviewed on \d{1,2} \w+ 20\d\d", text
    )
    assert re.search(r"This service was last tested on \d{1,2} \w+ 20\d\d", text)
    assert "Example Council" not in text


def test_every_page_links_the_statements_and_the_api_page_from_its_footer(client, signed_in):
    for page in (client.get("/sign-in"), signed_in(make_user(Role.STAFF)).get("/my-training")):
        footer = page.get_data(as_text=True).split("<footer")[1]
        assert 'href="/accessibility"' in footer and 'href="/privacy"' in footer
        assert 'href="/api-reference"' in footer
        assert "openapi.json" not in footer  # machines find the JSON from the API page


def test_the_header_footer_and_emails_name_the_configured_council(app, client):
    page = client.get("/sign-in").get_data(as_text=True)
    header, footer = page.split("</header>")[0], page.split("<footer")[1]
    assert "Borough of Testshire" in header and "Prevent training for Borough of Testshire" in footer
    assert "Barnet" not in page and "Example Council" not in page
    with app.test_request_context():
        text, html_body = render_email(
            "sign_in_link", {"link": "http://tracker.test/x", "email": "a@testshire.example", "lifetime": "30 minutes"}
        )
    assert "Borough of Testshire: Prevent training" in text
    assert "sent automatically by Borough of Testshire" in html_body


@pytest.mark.parametrize("path", ["/privacy", "/accessibility"])
def test_the_statements_read_nothing_from_the_database(client, queries, path):
    with queries() as counter:
        assert client.get(path).status_code == 200
    assert counter.count == 0

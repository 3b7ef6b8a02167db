"""A council starting from an empty database with only the README: its "Starting from an empty database"
commands run as they are written, as subprocesses in the production configuration, on SQLite and on
PostgreSQL; the coordinator they make then signs in, publishes a session and books someone from the roster."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import make_config
from tests.support.databases import create_postgres_database, drop_postgres_database, sqlite_url
from tracker import create_app
from tracker.common.time import utc_now

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
COORDINATOR_PASSWORD = "first coordinator of Barnet 2026"


def readme_block(marker: str, language: str) -> str:
    """The fenced block of `language` that follows the README's `<!-- marker ... -->` comment."""
    text = README.read_text()
    match = re.search(rf"<!-- {re.escape(marker)}[ :].*?-->\s*```{language}\n(.*?)```", text, re.S)
    assert match, f"README has no {language} block after <!-- {marker} -->"
    return match.group(1)


@pytest.fixture
def empty_database(backend, tmp_path):
    if backend == "sqlite":
        yield sqlite_url(tmp_path, "council.db")
    else:
        url = create_postgres_database("tracker_first_run")
        yield url
        drop_postgres_database(url)


def run_first_run_commands(database_url: str, home: Path) -> subprocess.CompletedProcess:
    (home / "roster.csv").write_text(readme_block("first-run roster", "csv"))
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TRACKER_ENV": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "first-run-test-secret-" + "x" * 32,
        "TRACKER_BASE_URL": "https://prevent-training.barnet.example",
        "REDIS_URL": os.environ.get("TRACKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        # The council named on the privacy notice and accessibility statement (production requires them).
        "TRACKER_COUNCIL_NAME": "London Borough of Barnet",
        "TRACKER_COUNCIL_EMAIL": "prevent.training@barnet.example",
        "TRACKER_DPO_EMAIL": "data.protection@barnet.example",
        "TRACKER_COUNCIL_ADDRESS": "2 Bristol Avenue, Colindale, London, NW9 4EW",
    }
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_block("first-run", "sh")],
        cwd=ROOT,
        env=environment,
        input=COORDINATOR_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_readme_first_run_ends_with_a_published_session_and_a_booking(empty_database, tmp_path):
    result = run_first_run_commands(empty_database, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout
    assert "Created account" in output and "coordinator" in output
    assert "Created organisation" in output and "Added WRAP" in output
    token = output.strip().splitlines()[-1]
    assert token.startswith("ptt_")

    app = create_app(make_config(empty_database))
    with app.app_context():
        client = app.test_client()
        # The coordinator signs in with the password they chose, and sees the home page.
        response = client.post(
            "/sign-in", data={"email": "sam.rosengard@barnet.gov.uk", "password": COORDINATOR_PASSWORD}
        )
        assert response.status_code == 302
        assert "Sam Rosengard" in client.get("/").get_data(as_text=True)

        # The import placed the first coordinator in their organisation (they had none before it).
        api = {"Authorization": f"Bearer {token}"}
        people = client.get("/api/v1/people?per_page=50", headers=api).get_json()
        assert people["total"] == 4
        by_email = {p["email"]: p for p in people["items"]}
        organisations = {
            o["name"]: o["id"] for o in client.get("/api/v1/organisations", headers=api).get_json()["items"]
        }
        assert by_email["sam.rosengard@barnet.gov.uk"]["organisation_id"] == organisations["London Borough of Barnet"]
        assert by_email["sam.rosengard@barnet.gov.uk"]["employee_ref"] == "B1001"
        courses = {c["code"]: c for c in client.get("/api/v1/courses", headers=api).get_json()["items"]}
        assert set(courses) == {"WRAP", "PREVENT-BASIC", "HO-ELEARN", "CTLP-BRIEFING"}
        assert courses["WRAP"]["validity_months"] == 36 and courses["WRAP"]["target_percent"] == 85

        # The first session, published, and the first booking on it.
        starts = (utc_now() + timedelta(days=14)).replace(hour=9, minute=30, second=0, microsecond=0)
        response = client.post(
            "/api/v1/sessions",
            headers=api,
            json={
                "course_code": "WRAP",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=2)).isoformat(),
                "venue": "Barnet House, Room 4.12",
                "capacity": 20,
                "status": "published",
            },
        )
        assert response.status_code == 201, response.get_json()
        session = response.get_json()
        assert session["status"] == "published" and session["places_left"] == 20
        tom = by_email["tom.walker@barnet.gov.uk"]
        response = client.post(f"/api/v1/sessions/{session['id']}/bookings", headers=api, json={"person_id": tom["id"]})
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["status"] == "confirmed"
        assert client.get(f"/api/v1/sessions/{session['id']}", headers=api).get_json()["places_left"] == 19
        from tracker.extensions import db

        db.session.remove()
        db.engine.dispose()

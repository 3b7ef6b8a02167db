"""Browser journeys: the app served on 127.0.0.1 with demo data, driven by Playwright in Debian's Chromium.

- One server per run (werkzeug in a thread) on a migrated SQLite file; every test starts from freshly
  loaded demo data (`reset_demo`).
- CSRF protection is on, as in production; the Content-Security-Policy stays on too: axe-core is
  evaluated through the DevTools protocol (which CSP does not block), and any CSP violation or
  JavaScript error on a page fails the test.
- `page.check(name)` runs axe-core (WCAG 2.0/2.1/2.2 A and AA) and saves a screenshot under
  test-artifacts/e2e/<test>/; a failing test saves one more.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_config
from tests.support.databases import clean_tables, migrate, sqlite_url
from tracker import create_app

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "prevent-demo-2026"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(config, items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
        for item in items:
            if "tests/e2e/" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def e2e_app(tmp_path_factory):
    config = make_config(
        sqlite_url(tmp_path_factory.mktemp("e2e")),
        WTF_CSRF_ENABLED=True,
        TRACKER_BASE_URL="http://127.0.0.1",
    )
    app = create_app(config)
    migrate(app)
    return app


@pytest.fixture(scope="session")
def base_url(e2e_app):
    server = make_server("127.0.0.1", 0, e2e_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    e2e_app.config["TRACKER_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def reset_demo(e2e_app):
    """Fresh demo data for each journey."""
    from tracker.demo.data import load_demo
    from tracker.extensions import db

    clean_tables(e2e_app)
    with e2e_app.app_context():
        load_demo()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return e2e_app


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class CheckedPage:
    """A Playwright page that fails on JavaScript errors and CSP violations, and checks accessibility."""

    def __init__(self, page, base_url: str, artifact_dir: Path) -> None:
        self.page = page
        self.base_url = base_url
        self.artifact_dir = artifact_dir
        self.problems: list[str] = []
        self.shots = 0
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error: {error}"))
        page.on("console", self._on_console)
        page.on("response", self._on_response)

    def _on_console(self, message) -> None:
        # A failed sub-resource is reported by _on_response with its URL; a 4xx page itself is not a problem.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console error: {message.text}")

    def _on_response(self, response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.problems.append(f"{response.status} for {response.url}")

    def __getattr__(self, name):
        return getattr(self.page, name)

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 500, f"{path}: {response and response.status}"
        return response

    def screenshot(self, name: str) -> Path:
        self.artifact_dir.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        path = self.artifact_dir / f"{self.shots:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check(self, name: str) -> None:
        """axe-core at WCAG 2.2 A/AA: no violations; no JS errors or CSP refusals so far; a screenshot."""
        self.screenshot(name)
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        violations = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in result["violations"]
        ]
        assert violations == [], f"axe-core on {name} ({self.page.url}):\n{json.dumps(violations, indent=2)}"
        assert self.problems == [], f"on {name}: {self.problems}"

    def click_and_wait(self, locator) -> None:
        """Click something that submits a form or follows a link, and wait for the next page."""
        with self.page.expect_navigation():
            locator.click()

    def press_button(self, name: str) -> None:
        self.click_and_wait(self.page.get_by_role("button", name=name, exact=True))

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> None:
        self.goto("/sign-in")
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        self.press_button("Sign in")
        assert "/sign-in" not in self.page.url, f"sign-in failed for {email}"

    def sign_out(self) -> None:
        self.press_button("Sign out")


def _artifact_dir(request) -> Path:
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)


@pytest.fixture(params=["desktop", "phone"])
def viewport(request):
    return request.param


@pytest.fixture
def page(browser, base_url, reset_demo, request, viewport):
    context = browser.new_context(viewport=PHONE if viewport == "phone" else DESKTOP, base_url=base_url)
    raw = context.new_page()
    artifact_dir = _artifact_dir(request)
    shutil.rmtree(artifact_dir, ignore_errors=True)
    checked = CheckedPage(raw, base_url, artifact_dir)
    yield checked
    if getattr(request.node, "failed", False):
        checked.screenshot("failure")
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.failed = True
    return report

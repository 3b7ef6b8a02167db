"""Browser journeys: the app served on 127.0.0.1 with demo data, driven by Playwright in Debian's Chromium.

- One server per run (werkzeug in a thread) on a migrated SQLite file; every test starts from fresh demo
  data (`reset_demo`: the demo is loaded once per run and its database copied back before each test).
- CSRF protection is on, as in production; the Content-Security-Policy stays on too: axe-core is
  evaluated through the DevTools protocol (which CSP does not block), and any CSP violation or
  JavaScript error on a page fails the test.
- `page.check(name)` runs axe-core (WCAG 2.0/2.1/2.2 A and AA) and saves a screenshot under
  test-artifacts/e2e/<test>/; a failing test saves one more.
- Keyboard only: `page.tab_to(locator)` presses Tab (or Shift+Tab) until the control has focus and
  asserts a visible focus indicator; `page.press_key("Enter")` presses a key that loads the next page.
- `open_page()` opens a second person's browser (its own cookies) at the same viewport; `demo_data()`
  gives an app context for setting the scene with the services (committed before the browser goes on).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
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
PHONE = {"width": 320, "height": 640}  # WCAG 1.4.10 reflow is judged at 320 CSS pixels
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


def closed_before_sending(app):
    """Hand the dev server each response whole, its file already closed.

    Werkzeug's server does not close a response when the browser drops the connection part-way (Chromium does,
    for a favicon or a page it navigates away from), and the open file then warns at some later garbage
    collection, failing whichever test runs then. No page here streams, so buffering changes nothing else.
    """

    def buffered(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return buffered


@pytest.fixture(scope="session")
def base_url(e2e_app):
    server = make_server("127.0.0.1", 0, closed_before_sending(e2e_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    e2e_app.config["TRACKER_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def _database_path(app) -> str:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database


def _copy_database(source: str, target: str) -> None:
    """Copy one SQLite database over another with SQLite's backup API (whole, WAL and all)."""
    source_connection, target_connection = sqlite3.connect(source), sqlite3.connect(target)
    try:
        source_connection.backup(target_connection)
    finally:
        source_connection.close()
        target_connection.close()


@pytest.fixture(scope="session")
def demo_snapshot(e2e_app, tmp_path_factory) -> str:
    """The demo data loaded once per run, kept as a copy of the database file."""
    from tracker.demo.data import load_demo
    from tracker.extensions import db

    clean_tables(e2e_app)
    with e2e_app.app_context():
        load_demo()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    snapshot = str(tmp_path_factory.mktemp("e2e-demo") / "demo.db")
    _copy_database(_database_path(e2e_app), snapshot)
    return snapshot


@pytest.fixture
def reset_demo(e2e_app, demo_snapshot):
    """Fresh demo data for each journey: the snapshot copied back over the served database (a second or
    two faster per test than loading the demo again)."""
    from tracker.extensions import db

    with e2e_app.app_context():
        db.engine.dispose()  # no pooled connection keeps the old pages
    _copy_database(demo_snapshot, _database_path(e2e_app))
    return e2e_app


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


#: The page's width, the window's, and the first few elements reaching past the window's right edge.
WIDER_THAN_WINDOW = """() => {
    const window = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll("body *")]
        .filter(element => element.getBoundingClientRect().right > window + 1)
        .slice(-5)
        .map(element => `${element.tagName.toLowerCase()}.${[...element.classList].join(".")} "${
            (element.textContent || "").trim().slice(0, 40)}"`);
    return [document.documentElement.scrollWidth, window, wide];
}"""


#: Table wrappers that scroll sideways but cannot take the focus, or have no accessible name.
UNREACHABLE_SCROLLING_TABLES = """() => [...document.querySelectorAll(".app-table-wrapper")]
    .filter(wrapper => wrapper.scrollWidth > wrapper.clientWidth + 1)
    .filter(wrapper => wrapper.tabIndex < 0 || !wrapper.getAttribute("aria-label"))
    .map(wrapper => (wrapper.querySelector("caption") || wrapper).textContent.trim().slice(0, 60))"""


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
        """axe-core at WCAG 2.2 A/AA: no violations; the page reflows at its width and its scrolling tables take
        the keyboard; no JS errors or CSP refusals so far; then a screenshot (last, since a full-page screenshot
        resizes the window, which the page's scripts react to; a failing check leaves the failure screenshot)."""
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
        # Reflow (WCAG 1.4.10, which axe does not test): the page itself never scrolls sideways; a wide
        # table scrolls inside its own wrapper.
        width, window, wide = self.page.evaluate(WIDER_THAN_WINDOW)
        assert width <= window + 1, f"{name} ({self.page.url}) is {width}px wide in a {window}px window: {wide}"
        # A table that scrolls sideways can be scrolled from the keyboard: its wrapper takes the focus and is named.
        unreachable = self.page.evaluate(UNREACHABLE_SCROLLING_TABLES)
        assert unreachable == [], f"{name} ({self.page.url}): tables a keyboard cannot scroll: {unreachable}"
        assert self.problems == [], f"on {name}: {self.problems}"
        self.screenshot(name)

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

    def control(self, name: str):
        """The link or button called `name` (exactly) in the page's main content."""
        main = self.page.locator("main")
        return main.get_by_role("link", name=name, exact=True).or_(main.get_by_role("button", name=name, exact=True))

    def go(self, name: str) -> None:
        """Press the link or button called `name` in the main content and wait for the next page."""
        self.click_and_wait(self.control(name).first)

    def follow(self, name: str) -> None:
        """Follow the link called `name` (exactly) inside the page's main content."""
        self.click_and_wait(self.page.locator("main").get_by_role("link", name=name, exact=True).first)

    def nav(self, name: str) -> None:
        """Follow a link of the service navigation, opening its menu first on a narrow screen."""
        menu = self.page.locator(".govuk-service-navigation__toggle")
        if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
            menu.click()
        self.click_and_wait(self.page.locator(".govuk-service-navigation").get_by_role("link", name=name, exact=True))

    def flash(self) -> str:
        """The text of the success (or other) notification banner on the page."""
        return self.page.locator(".govuk-notification-banner").inner_text()

    # --- Keyboard only ---------------------------------------------------------------------------------

    def focused(self, locator) -> bool:
        return locator.evaluate("element => element === document.activeElement")

    def tab_to(self, locator, *, backwards: bool = False, limit: int = 120) -> None:
        """Press Tab (Shift+Tab backwards) until `locator` has the focus, then check the focus is visible."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            if self.focused(locator):
                break
            self.page.keyboard.press(key)
        else:
            raise AssertionError(f"{key} never reached {locator} on {self.page.url}")
        self.assert_focus_visible()

    def assert_focus_visible(self) -> None:
        """The focused control shows GOV.UK's focus indicator: an opaque outline or a box shadow, and
        (for links and buttons) the yellow focus colour."""
        style = self.page.evaluate(
            """() => {
                const element = document.activeElement;
                const css = getComputedStyle(element);
                return {
                    tag: element.tagName, text: (element.innerText || element.value || element.id || '').slice(0, 60),
                    focusVisible: element.matches(':focus-visible'),
                    outline: css.outlineStyle !== 'none' && parseFloat(css.outlineWidth) > 0
                        && css.outlineColor !== 'transparent' && !css.outlineColor.endsWith(', 0)'),
                    shadow: css.boxShadow !== 'none',
                    background: css.backgroundColor,
                };
            }"""
        )
        assert style["tag"] != "BODY", f"nothing has the focus on {self.page.url}"
        assert style["focusVisible"], f"focus on {style['tag']} {style['text']!r} is not :focus-visible"
        assert style["outline"] or style["shadow"], f"no visible focus indicator on {style['tag']} {style['text']!r}"

    def screenshot_focus(self, name: str) -> Path:
        """A screenshot of the focused control (with its focus indicator) and a little around it."""
        self.artifact_dir.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        path = self.artifact_dir / f"{self.shots:02d}-focus-{re.sub(r'[^a-z0-9]+', '-', name.lower())}.png"
        box = self.page.locator(":focus").bounding_box()
        assert box is not None, "the focused control is not on screen"
        margin = 12
        self.page.screenshot(
            path=str(path),
            full_page=True,
            clip={
                "x": max(box["x"] - margin, 0),
                "y": max(box["y"] - margin, 0),
                "width": box["width"] + 2 * margin,
                "height": box["height"] + 2 * margin,
            },
        )
        return path

    def press_key(self, key: str) -> None:
        """Press a key that submits a form or follows a link, and wait for the next page."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)

    def type_into(self, locator, text: str) -> None:
        """Tab to a field and type into it (keyboard only)."""
        self.tab_to(locator)
        self.page.keyboard.type(text)

    def type_date(self, name: str, day) -> None:
        """Tab to GOV.UK's date input `name` and type the day, month and year into its three boxes (keyboard only)."""
        for part, value in (("day", day.day), ("month", day.month), ("year", day.year)):
            self.type_into(self.page.locator(f"#{name}-{part}"), str(value))


def _artifact_dir(request) -> Path:
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)


@pytest.fixture(params=["desktop", "phone"])
def viewport(request):
    return request.param


@pytest.fixture
def open_page(browser, base_url, reset_demo, request, viewport):
    """Open a browser page with its own cookies (one per person in the journey), at the test's viewport.
    Screenshots of the second and later pages go to `<test>/<label>/`."""
    artifact_dir = _artifact_dir(request)
    shutil.rmtree(artifact_dir, ignore_errors=True)
    opened: list[tuple[object, CheckedPage]] = []

    def open_one(label: str | None = None) -> CheckedPage:
        context = browser.new_context(
            viewport=PHONE if viewport == "phone" else DESKTOP,
            base_url=base_url,
            accept_downloads=True,
            locale="en-GB",
            timezone_id="Europe/London",
        )
        directory = artifact_dir / label if label else artifact_dir
        checked = CheckedPage(context.new_page(), base_url, directory)
        opened.append((context, checked))
        return checked

    yield open_one
    for context, checked in opened:
        if getattr(request.node, "failed", False):
            checked.screenshot("failure")
        context.close()


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture
def demo_data(reset_demo):
    """`with demo_data() as db: ...`: an app context on the demo database; commits at the end, and lets
    go of the connection so the server's requests never wait on the test's lock."""
    from tracker.extensions import db

    @contextmanager
    def context() -> Iterator[object]:
        with reset_demo.app_context():
            try:
                yield db
                db.session.commit()
            finally:
                db.session.remove()

    return context


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.failed = True
    return report


def fill_date(page, name: str, value) -> None:
    """Type a date (a `date` or YYYY-MM-DD) into GOV.UK's day, month and year boxes of date field `name`."""
    from datetime import date as _date

    day = _date.fromisoformat(value) if isinstance(value, str) else value
    page.fill(f"#{name}-day", str(day.day))
    page.fill(f"#{name}-month", str(day.month))
    page.fill(f"#{name}-year", str(day.year))

"""The web side of `make bench`: the app as gunicorn serves it, measured with wrk; SQL statements per page.

- `create_bench_app(url)`: the product app plus two routes that exist only here (never in the product):
  `/bench/bare`, the cheapest request the same app can answer (the yardstick of every throughput ratio),
  and `/bench/coverage-sql`, the coverage numbers from the one hand-written statement (`bench.handwritten`)
  for the coordinator, the yardstick of the coverage page.
- `prepare(app, factor)` adds what the pages need to a built data set: a coordinator, a member of staff
  with a booking history, people who book, and upcoming sessions (their number grows with the data set).
- `serve(url)` runs gunicorn (`gunicorn()`, which `make stress` uses too) with sync workers (as STACK.md advises: gthread's keep-alive gave unstable
  figures); `sign_in` signs a person in over HTTP and returns their cookie and CSRF token; `run_wrk` runs
  wrk with a Lua script that counts the status codes it saw; `worker_memory` reads the workers' VmHWM.
- `count_statements(app, web)` counts the SQL statements of one request to each page (in process); `page_times`
  times the pages in process on two data sets, their requests alternating.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

from config import EXAMPLE_COUNCIL, Config

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-only-not-secret"  # noqa: S105
PASSWORD = "Bench load test, 2026"  # noqa: S105
COORDINATOR_EMAIL = "coordinator@bench.example"
#: People who book places during the booking POST measurement (each books each upcoming session at most once).
BOOKERS = 100
COOKIE = "tracker_session"


# --- The app ------------------------------------------------------------------------------------------------


def bench_config(url: str, *, csrf: bool = True) -> Config:
    """Production settings, except: a fixed secret (every worker signs the same cookies), plain HTTP cookies,
    no rate limits (the bench signs in 100 people from one address), cheap password hashes (signing in is not
    what is measured), and no SMTP (email waits in the outbox, as it does until a worker sends it)."""
    config = Config()
    config.ENV_NAME = "bench"
    config.SECRET_KEY = SECRET
    config.SQLALCHEMY_DATABASE_URI = url
    config.SESSION_COOKIE_SECURE = False
    config.RATELIMIT_ENABLED = False
    config.PASSWORD_HASH_PROFILE = "fast"  # noqa: S105
    config.MAIL_SERVER = None
    config.TRACKER_BASE_URL = "http://127.0.0.1"
    for name, value in EXAMPLE_COUNCIL.items():  # the council named in headers and emails
        setattr(config, name, value)
    config.WTF_CSRF_ENABLED = csrf
    return config


def create_bench_app(url: str, *, csrf: bool = True):
    """The tracker on `url`, with the bench's two extra routes."""
    from flask import current_app
    from flask_login import current_user

    from bench import dataset, handwritten
    from tracker import create_app
    from tracker.access_policy import POLICY, roles
    from tracker.accounts.models import Role
    from tracker.common.permissions import PUBLIC
    from tracker.courses.models import Course
    from tracker.extensions import db

    app = create_app(bench_config(url, csrf=csrf))

    def bare():
        return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}

    def coverage_sql():
        assert current_user.is_authenticated and current_app  # the coordinator, like the coverage page
        course_id = db.session.scalar(select(Course.id).where(Course.code == dataset.COURSE_CODE))
        numbers = handwritten.coverage_numbers(
            db.session.connection(), course_id=course_id, as_of=dataset.AS_OF, period_start=dataset.PERIOD_START
        )
        body = "".join(f"{key}\t{vars(value)}\n" for key, value in numbers.items())
        return body, 200, {"Content-Type": "text/plain; charset=utf-8"}

    app.add_url_rule("/bench/bare", "bench_bare", bare)
    app.add_url_rule("/bench/coverage-sql", "bench_coverage_sql", coverage_sql)
    POLICY["bench_bare"] = PUBLIC
    POLICY["bench_coverage_sql"] = roles(Role.COORDINATOR)
    return app


def gunicorn_app():
    """gunicorn's entry point (`bench.web:gunicorn_app()`): the bench app on BENCH_DATABASE_URL."""
    return create_bench_app(os.environ["BENCH_DATABASE_URL"])


# --- What the pages need ------------------------------------------------------------------------------------


@dataclass
class WebData:
    """Who and what the measured pages are about."""

    coordinator: str
    staff: str
    bookers: list[str]
    upcoming_session_ids: list[int]
    session_id: int

    def pages(self) -> dict[str, tuple[str, str]]:
        """Page name -> (path, who is signed in)."""
        from bench import dataset

        coverage = f"/coverage?course={dataset.COURSE_CODE}&as_of={dataset.AS_OF}&period_start={dataset.PERIOD_START}"
        return {
            "Sessions list": ("/sessions", self.staff),
            "Session page": (f"/sessions/{self.session_id}", self.staff),
            "My training": ("/my-training", self.staff),
            "Coverage page": (coverage, self.coordinator),
        }

    def listing_pages(self) -> dict[str, tuple[str, str]]:
        """Pages of a fixed number of rows from lists that grow with the data (timed at both sizes only)."""
        return {
            "People list": ("/people", self.coordinator),
            "People search (a common surname)": ("/people?q=Surname042", self.coordinator),
        }


#: The pages (of `pages` and `listing_pages`) that show a fixed number of rows however large the data.
FIXED_ROW_PAGES = ("Sessions list", "Session page", "People list", "People search (a common surname)")


def upcoming_count(factor: float) -> int:
    """Upcoming sessions added to a data set of this scale: 100 at full scale, 10 at a tenth (less than a page
    of the sessions list, so a query per row would show in the statement counts)."""
    return max(5, round(100 * factor))


def staff_places(factor: float) -> int:
    """Upcoming places the member of staff holds (My training lists them all, so the page grows with them)."""
    return max(2, round(20 * factor))


def prepare(app, factor: float) -> WebData:
    """Accounts, upcoming sessions and bookings for the pages, added to the data set in `app`'s database."""
    from tracker.accounts import services as accounts
    from tracker.accounts.models import Role, UserAccount
    from tracker.booking.models import Booking, BookingSource
    from tracker.booking.services import book_place
    from tracker.common.time import utc_now
    from tracker.courses.models import Course, SessionStatus, SessionTrainer, TrainerPart, TrainingSession
    from tracker.coverage.my_requirements import training_status_for_person
    from tracker.extensions import db
    from tracker.people.models import Organisation, Person

    with app.app_context():
        organisation = db.session.scalar(select(Organisation).order_by(Organisation.id))
        coordinator = accounts.create_user(
            email=COORDINATOR_EMAIL,
            first_name="Bench",
            last_name="Coordinator",
            roles={Role.COORDINATOR, Role.TRAINER},
            organisation=organisation,
            password=PASSWORD,
            actor_label="bench",
        )
        # The member of staff: of the people with the most bookings in the data set (the longest history), the
        # first with a requirement wanting a session, so that My training does the same work at every size (it
        # counts the sessions of such courses; for someone wanting none it issues one statement fewer).
        candidates = db.session.scalars(
            select(Booking.person_id)
            .group_by(Booking.person_id)
            .order_by(func.count().desc(), Booking.person_id)
            .limit(50)
        ).all()
        people = [db.session.get(Person, person_id) for person_id in candidates]
        staff = next(
            (person for person in people if any(status.needs_session for status in training_status_for_person(person))),
            people[0],
        )
        accounts.create_user(
            email=staff.email, first_name="", last_name="", roles={Role.STAFF}, password=PASSWORD, actor_label="bench"
        )
        # People of the data set without an account yet (a small data set has fewer than BOOKERS others, and
        # the coordinator's own person would otherwise be among them).
        booker_people = db.session.scalars(
            select(Person)
            .where(Person.end_date.is_(None), Person.id.not_in(select(UserAccount.person_id)))
            .order_by(Person.id)
            .limit(BOOKERS)
        ).all()
        for person in booker_people:
            accounts.create_user(
                email=person.email,
                first_name="",
                last_name="",
                roles={Role.STAFF},
                password=PASSWORD,
                actor_label="bench",
            )

        # Each upcoming session is of a course of its own: a person holds one place per course, and the staff
        # member and each booker book several of them. The courses are no longer offered for new sessions, so
        # the course list on "Find a session" stays the data set's three, as a council's short list would be.
        start = utc_now().replace(hour=9, minute=30, second=0, microsecond=0) + timedelta(days=7)
        upcoming = []
        for n in range(upcoming_count(factor)):
            starts_at = start + timedelta(days=n)
            course = Course(
                code=f"BENCH-{n + 1:03}", name=f"Prevent briefing {n + 1}", duration_minutes=90, is_active=False
            )
            training_session = TrainingSession(
                course=course,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=90),
                venue="Barnet House, 2 Bristol Avenue, Colindale",
                capacity=10_000,
                status=SessionStatus.PUBLISHED,
            )
            training_session.trainers.append(SessionTrainer(person=coordinator.person, part=TrainerPart.LEAD))
            upcoming.append(training_session)
        db.session.add_all(upcoming)
        db.session.flush()
        # Staff's upcoming places (not paged on My training, so their number follows the data set's size).
        for training_session in upcoming[: staff_places(factor)]:
            book_place(training_session=training_session, person=staff, booked_by=staff, source=BookingSource.SELF)
        web = WebData(
            coordinator=COORDINATOR_EMAIL,
            staff=staff.email,
            bookers=[p.email for p in booker_people],
            upcoming_session_ids=[s.id for s in upcoming],
            session_id=upcoming[0].id,
        )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # As the data set's build does: statistics that know the upcoming sessions just added (the planner
            # otherwise took "sessions still to come" for a handful and planned My training around that).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
        db.session.remove()
    return web


def count_bookings_by(app, emails: list[str]) -> int:
    from tracker.booking.models import Booking, BookingStatus
    from tracker.extensions import db
    from tracker.people.models import Person

    with app.app_context():
        try:
            return db.session.scalar(
                select(func.count())
                .select_from(Booking)
                .join(Person, Person.id == Booking.person_id)
                .where(Person.email.in_(emails), Booking.status == BookingStatus.CONFIRMED)
            )
        finally:
            db.session.remove()


# --- SQL statements per page (in process) -------------------------------------------------------------------


@contextmanager
def counting(engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _signed_in_client(app, email: str):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, f"could not sign in {email}: {response.status_code}"
    return client


def count_statements(app, web: WebData) -> dict[str, int]:
    """SQL statements of one request to each page (after one warm-up request), and of one booking POST."""
    from tracker.extensions import db

    counts: dict[str, int] = {}
    with app.app_context():
        engine = db.engine
    for name, (path, email) in web.pages().items():
        client = _signed_in_client(app, email)
        assert client.get(path).status_code == 200, f"{name}: {path}"
        with counting(engine) as statements:
            response = client.get(path)
        assert response.status_code == 200, f"{name}: {path} answered {response.status_code}"
        counts[name] = len(statements)
    client = _signed_in_client(app, web.staff)  # not one of the bookers, whose places wrk may have taken
    first, second = web.upcoming_session_ids[-2:]
    assert client.post(f"/sessions/{first}/book").status_code == 302
    with counting(engine) as statements:
        response = client.post(f"/sessions/{second}/book")
    assert response.status_code == 302
    counts["Booking POST"] = len(statements)
    return counts


#: Requests timed per page and data set in `page_times` (the coverage page: `COVERAGE_TIMED_REQUESTS`).
TIMED_REQUESTS = 100
COVERAGE_TIMED_REQUESTS = 3


def page_times(sizes: dict[str, tuple[Any, WebData]], *, requests: int = TIMED_REQUESTS) -> dict[str, dict[str, float]]:
    """{page: {size: median milliseconds}} of `requests` requests to each page, in process (the test client, no
    HTTP server), signed in, on each data set of `sizes` ({label: (bench app, its WebData)}). The requests
    alternate between the data sets, so that whatever else the machine does falls on each alike."""
    times: dict[str, dict[str, float]] = {}
    first = next(iter(sizes.values()))[1]
    for name in [*first.pages(), *first.listing_pages()]:
        clients = {}
        for label, (app, web) in sizes.items():
            path, email = {**web.pages(), **web.listing_pages()}[name]
            clients[label] = (_signed_in_client(app, email), path)
            clients[label][0].get(path)  # warm-up
        taken: dict[str, list[float]] = {label: [] for label in sizes}
        for _ in range(min(requests, COVERAGE_TIMED_REQUESTS) if name == "Coverage page" else requests):
            for label, (client, path) in clients.items():
                started = time.perf_counter()
                response = client.get(path)
                taken[label].append(time.perf_counter() - started)
                assert response.status_code == 200, f"{name}: {path} answered {response.status_code}"
        times[name] = {label: statistics.median(values) * 1000 for label, values in taken.items()}
    return times


# --- gunicorn, signing in over HTTP, wrk ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    base_url: str
    workers: int

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []


@contextmanager
def gunicorn(
    app_spec: str,
    *,
    workers: int,
    port: int,
    env: dict[str, str],
    ready: Callable[[str, subprocess.Popen], bool],
    worker_timeout: int = 120,
) -> Iterator[subprocess.Popen]:
    """gunicorn with `workers` sync workers (as STACK.md advises) serving `app_spec` on 127.0.0.1:`port`, in a
    process group of its own; yields once `ready(base_url, process)` is true (within a minute), and stops the
    whole group afterwards."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        str(worker_timeout),
        "--log-level",
        "warning",
        app_spec,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if ready(base_url, process):
                    break
            except OSError:  # not listening yet, or a worker still starting
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def serve(url: str, *, workers: int = 2) -> Iterator[Server]:
    """The bench app on `url` under gunicorn, on a free local port, once every worker is up."""
    port = free_port()

    def ready(base_url: str, process: subprocess.Popen) -> bool:
        with urllib.request.urlopen(base_url + "/bench/bare", timeout=5) as response:
            return response.status == 200 and len(Server(process, base_url, workers).worker_pids()) == workers

    env = {**os.environ, "BENCH_DATABASE_URL": url}
    with gunicorn("bench.web:gunicorn_app()", workers=workers, port=port, env=env, ready=ready) as process:
        yield Server(process, f"http://127.0.0.1:{port}", workers)


@dataclass
class SignedIn:
    email: str
    cookie: str
    csrf_token: str


def sign_in(base_url: str, email: str, *, page_with_form: str = "/my-training") -> SignedIn:
    """Sign in through the sign-in page (with its CSRF token), then read a fresh token from `page_with_form`."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def token(path: str) -> str:
        with opener.open(base_url + path, timeout=60) as response:
            html = response.read().decode("utf-8")
        field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)
        value = re.search(r'value="([^"]+)"', field.group(0)) if field else None
        assert value, f"no CSRF token on {path}"
        return value.group(1)

    form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token("/sign-in")})
    with opener.open(base_url + "/sign-in", data=form.encode(), timeout=60) as response:
        assert "/sign-in" not in response.geturl(), f"could not sign in {email}"
    csrf_token = token(page_with_form)
    cookie = next(c.value for c in jar if c.name == COOKIE)
    return SignedIn(email, cookie, csrf_token)


WRK_STATUS_LUA = """
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  statuses = {}
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("STATUS %d %d\\n", status, count))
  end
end
"""

WRK_GET_LUA = """
wrk.headers["Cookie"] = COOKIE_HEADER
"""

#: Each request books the next (person, session) pair: thread n of N takes pairs n, n + N, n + 2N, ...
WRK_BOOK_LUA = """
function request()
  local k = counter * THREADS + id
  counter = counter + 1
  local person = PEOPLE[(k % #PEOPLE) + 1]
  local session_id = SESSIONS[(math.floor(k / #PEOPLE) % #SESSIONS) + 1]
  return wrk.format("POST", "/sessions/" .. session_id .. "/book", {
    ["Cookie"] = person.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "csrf_token=" .. person.token)
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII is a valid Lua string


@dataclass
class WrkResult:
    requests_per_second: float
    requests: int
    statuses: dict[int, int] = field(default_factory=dict)
    errors: str = ""

    def unexpected(self, expected: int) -> dict[int, int]:
        return {status: count for status, count in self.statuses.items() if status != expected}


def wrk_available() -> str | None:
    return shutil.which("wrk")


#: wrk's open connections: requests in flight at once (and, when wrk stops, at most this many still queued).
WRK_CONNECTIONS = 16


def run_wrk(
    url: str,
    *,
    seconds: float,
    threads: int = 2,
    connections: int = WRK_CONNECTIONS,
    cookie: str | None = None,
    bookings: tuple[list[SignedIn], list[int]] | None = None,
    start_counter: int = 0,
) -> WrkResult:
    """wrk against `url` (a GET with `cookie`, or booking POSTs over `bookings`' people and sessions)."""
    script = WRK_STATUS_LUA
    if cookie:
        script += WRK_GET_LUA.replace("COOKIE_HEADER", _lua_string(f"{COOKIE}={cookie}"))
    if bookings:
        people, sessions = bookings
        table = ",\n".join(
            f"{{cookie = {_lua_string(f'{COOKIE}={p.cookie}')}, token = {_lua_string(p.csrf_token)}}}" for p in people
        )
        script = script.replace("function init(args)\n", f"function init(args)\n  counter = {start_counter}\n")
        script += f"PEOPLE = {{\n{table}\n}}\nSESSIONS = {{{', '.join(map(str, sessions))}}}\nTHREADS = {threads}\n"
        script += WRK_BOOK_LUA
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-wrk-", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(
            [
                wrk_available() or "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",  # wrk takes whole seconds
                "--timeout",
                "60s",
                "-s",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 120,
        ).stdout
    finally:
        os.unlink(handle.name)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Socket errors:.*", output)
    statuses = {int(s): int(n) for s, n in re.findall(r"^STATUS (\d+) (\d+)$", output, re.MULTILINE)}
    if rate is None or total is None:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    return WrkResult(float(rate.group(1)), int(total.group(1)), statuses, errors.group(0) if errors else "")


def worker_memory(server: Server) -> list[tuple[int, int, int]]:
    """(pid, VmHWM kB, VmRSS kB) of each worker."""
    figures = []
    for pid in server.worker_pids():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        values = dict(re.findall(r"^(VmHWM|VmRSS):\s+(\d+) kB", status, re.MULTILINE))
        figures.append((pid, int(values.get("VmHWM", 0)), int(values.get("VmRSS", 0))))
    return figures

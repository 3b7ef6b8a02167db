"""A booking surge (`python -m bench.surge`, and the `surge` section of `make bench`): a popular series opens.

500 people (`--people`) arrive over `--arrival` seconds (20: the issue's "500 people within 60 seconds",
with the arrivals packed into its first third), each with a browser of their own: they sign in
with a password, open one of 20 sessions (`--sessions`) that hold 200 places in all, and book. The product
(`wsgi:app`, production settings: CSRF, argon2id, Redis for the limits) runs under gunicorn with `--workers`
sync workers (4) on a new PostgreSQL database, then on an SQLite file, each holding a tenth of the bench's
data set (2,000 people, 10,000 bookings) beside the surge's people and sessions. While they book, a probe asks
the bare `/healthz` route of the same server every 50 ms, so the booking POST's latency is shown beside the
bare route's under the same load.

Checks (exit 1 if one fails): no 5xx and no failed requests; everyone booked within 60 seconds; no session
with more places than it holds; every confirmed place has its invitation in the outbox; the places went in
arrival order (a person whose booking was answered before another's was sent is never behind them: not
waiting while they are confirmed, nor later on the waiting list). Goal: p99 of the booking POST ≤ 0.5 s.

    python -m bench.surge [--backends postgresql,sqlite] [--people 500] [--sessions 20] [--places 200]
                          [--workers 4] [--arrival 20]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from sqlalchemy import create_engine, text

from bench import dataset
from bench.databases import scratch_database
from bench.web import free_port

PASSWORD = "surge test passphrase 2026"  # noqa: S105  (accounts in a throwaway database)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
P99_GOAL = 0.5
DEADLINE_SECONDS = 60


def say(message: str) -> None:
    print(message, flush=True)


@contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tracker-surge-") as directory:
            yield f"sqlite:///{directory}/surge.db"
        return
    with scratch_database("tracker_surge") as url:
        yield url


# --- The data -----------------------------------------------------------------------------------------------


def prepare(url: str, secret_key: str, *, people: int, sessions: int, places: int) -> tuple[list[str], list[int]]:
    """Migrate, build a tenth of the bench's data set, give `people` of it a sign-in, and publish `sessions`
    upcoming sessions holding `places` in all. Returns the people's emails and the sessions' ids."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from config import EXAMPLE_COUNCIL, Config
    from tracker import create_app
    from tracker.accounts import services as accounts
    from tracker.accounts.models import Role, UserAccount
    from tracker.accounts.passwords import hash_password
    from tracker.common.time import utc_now
    from tracker.courses.models import Course, SessionStatus, SessionTrainer, TrainerPart, TrainingSession
    from tracker.extensions import db
    from tracker.people.models import Person

    config = Config()
    config.SQLALCHEMY_DATABASE_URI = url
    config.SECRET_KEY = secret_key
    config.TRACKER_BASE_URL = "http://127.0.0.1"
    config.TRACKER_SINGLE_PROCESS = True
    for name, value in EXAMPLE_COUNCIL.items():  # production refuses to start without the council's details
        setattr(config, name, value)
    app = create_app(config)
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            dataset.build(connection, dataset.FULL.times(0.1))
        password_hash = hash_password(PASSWORD)  # one argon2id hash (production parameters) for every account
        chosen = db.session.scalars(
            select(Person)
            .where(
                Person.end_date.is_(None), Person.email.is_not(None), Person.id.not_in(select(UserAccount.person_id))
            )
            .order_by(Person.id)
            .limit(people + 1)
        ).all()
        if len(chosen) < people + 1:
            raise SystemExit(f"the data set has {len(chosen)} people without an account; {people + 1} needed")
        trainer = accounts.create_user(
            email=chosen[0].email, first_name="", last_name="", roles={Role.TRAINER}, actor_label="surge"
        )
        for person in chosen[1:]:
            account = accounts.create_user(
                email=person.email, first_name="", last_name="", roles={Role.STAFF}, actor_label="surge"
            )
            account.password_hash = password_hash
        wrap = db.session.scalar(select(Course).where(Course.code == dataset.COURSE_CODE))
        start = utc_now().replace(hour=9, minute=30, second=0, microsecond=0) + timedelta(days=14)
        each, extra = divmod(places, sessions)
        upcoming = []
        for n in range(sessions):
            starts_at = start + timedelta(days=n)
            training_session = TrainingSession(
                course=wrap,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=90),
                venue="Barnet House, 2 Bristol Avenue, Colindale",
                capacity=each + (1 if n < extra else 0),
                status=SessionStatus.PUBLISHED,
            )
            training_session.trainers.append(SessionTrainer(person=trainer.person, part=TrainerPart.LEAD))
            upcoming.append(training_session)
        db.session.add_all(upcoming)
        db.session.commit()
        emails, ids = [p.email for p in chosen[1:]], [s.id for s in upcoming]
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
        db.session.remove()
        db.engine.dispose()
    return emails, ids


@contextmanager
def serve(url: str, secret_key: str, *, workers: int) -> Iterator[str]:
    """gunicorn serving the product with production settings on `url`; yields its base URL once it answers."""
    from bench import web
    from config import EXAMPLE_COUNCIL

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secret_key,
        "TRACKER_ENV": "production",
        "TRACKER_BASE_URL": f"http://127.0.0.1:{port}",
        "REDIS_URL": os.environ.get("TRACKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "TRACKER_LOG_LEVEL": "WARNING",
        **{name: os.environ.get(name, value) for name, value in EXAMPLE_COUNCIL.items()},
    }
    env.pop("MAIL_SERVER", None)  # invitations stay in the outbox, where the check finds them

    def ready(base_url: str, _process) -> bool:
        try:
            return requests.get(f"{base_url}/healthz", timeout=10).status_code == 200
        except requests.RequestException:
            return False

    with web.gunicorn("wsgi:app", workers=workers, port=port, env=env, ready=ready, worker_timeout=60):
        yield f"http://127.0.0.1:{port}"


# --- The people ---------------------------------------------------------------------------------------------


@dataclass
class Booked:
    email: str
    session_id: int
    sent: float
    answered: float
    status: int


@dataclass
class Run:
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    booked: list[Booked] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies[kind].append(seconds)

    def fail(self, what: str) -> None:
        with self.lock:
            self.failures[what] += 1


def person(base: str, email: str, session_id: int, at: float, run: Run) -> None:
    """One person: waits for their arrival time, signs in, opens the session and books it."""
    time.sleep(max(0.0, at - time.monotonic()))
    http = requests.Session()

    def ask(kind: str, method: str, path: str, **kwargs) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = http.request(method, base + path, timeout=60, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            run.fail(f"{kind}: {error.__class__.__name__}")
            return None
        run.note(kind, response.status_code, time.perf_counter() - started)
        for cookie in http.cookies:  # production cookies are Secure; this run talks HTTP to 127.0.0.1
            cookie.secure = False
        return response

    def token(response: requests.Response | None) -> str | None:
        match = CSRF.search(response.text) if response is not None else None
        return match.group(1) if match else None

    form = token(ask("sign-in page", "GET", "/sign-in"))
    signed_in = ask("sign in", "POST", "/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": form})
    if signed_in is None or signed_in.status_code != 302:
        run.fail("sign-in refused")
        return
    form = token(ask("session page", "GET", f"/sessions/{session_id}"))
    if form is None:
        run.fail("no booking form")
        return
    sent = time.monotonic()
    booked = ask("booking POST", "POST", f"/sessions/{session_id}/book", data={"csrf_token": form})
    if booked is not None:
        with run.lock:
            run.booked.append(Booked(email, session_id, sent, time.monotonic(), booked.status_code))


def probe(base: str, run: Run, stop: threading.Event) -> None:
    """The bare route, every 50 ms while the people book."""
    http = requests.Session()
    while not stop.wait(0.05):
        started = time.perf_counter()
        try:
            response = http.get(base + "/healthz", timeout=60)
        except requests.RequestException as error:
            run.fail(f"bare route: {error.__class__.__name__}")
            continue
        run.note("bare route", response.status_code, time.perf_counter() - started)


def surge(base: str, emails: list[str], session_ids: list[int], arrival: float, seed: int) -> tuple[Run, float]:
    run, rng, stop = Run(), random.Random(seed), threading.Event()
    prober = threading.Thread(target=probe, args=(base, run, stop), daemon=True)
    started = time.monotonic()
    prober.start()
    with ThreadPoolExecutor(max_workers=len(emails)) as pool:
        for n, email in enumerate(emails):
            # The earlier sessions of a series are the popular ones: a quarter of the people want the first two.
            session_id = rng.choice(session_ids[:2]) if rng.random() < 0.25 else rng.choice(session_ids)
            pool.submit(person, base, email, session_id, started + arrival * n / len(emails), run)
    elapsed = time.monotonic() - started
    stop.set()
    prober.join()
    return run, elapsed


# --- The checks ---------------------------------------------------------------------------------------------


def places_in_order(url: str, session_ids: list[int]) -> dict[str, tuple[int, str, int]]:
    """Each surge booking by email: (session, status, its place: confirmed first, then the waiting list)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT p.email, b.session_id, b.status, b.confirmed_at, b.waitlisted_at, b.id"
                    " FROM booking b JOIN person p ON p.id = b.person_id"
                    f" WHERE b.session_id IN ({', '.join(str(int(i)) for i in session_ids)})"
                )
            ).all()
            over = connection.execute(
                text(
                    "SELECT s.id FROM training_session s JOIN booking b ON b.session_id = s.id"
                    " AND b.status IN ('confirmed', 'held')"
                    f" WHERE s.id IN ({', '.join(str(int(i)) for i in session_ids)})"
                    " GROUP BY s.id, s.capacity HAVING count(b.id) > s.capacity"
                )
            ).all()
            uninvited = connection.execute(
                text(
                    "SELECT count(*) FROM booking b WHERE b.status = 'confirmed'"
                    f" AND b.session_id IN ({', '.join(str(int(i)) for i in session_ids)})"
                    " AND NOT EXISTS (SELECT 1 FROM outbox_message m"
                    " WHERE m.booking_id = b.id AND m.ics_method = 'REQUEST')"
                )
            ).scalar()
    finally:
        engine.dispose()
    places: dict[str, tuple[int, str, int]] = {}
    for session_id in session_ids:
        mine = [r for r in rows if r.session_id == session_id]
        confirmed = sorted((r for r in mine if r.status == "confirmed"), key=lambda r: (r.confirmed_at, r.id))
        waiting = sorted((r for r in mine if r.status == "waitlisted"), key=lambda r: (r.waitlisted_at, r.id))
        for rank, r in enumerate([*confirmed, *waiting]):
            places[r.email] = (session_id, r.status, rank)
    places["__overbooked__"] = (len(over), "", 0)
    places["__uninvited__"] = (int(uninvited or 0), "", 0)
    return places


def out_of_order(run: Run, places: dict[str, tuple[int, str, int]]) -> int:
    """Pairs in one session where a booking answered before another was sent stands behind it."""
    wrong = 0
    by_session: dict[int, list[Booked]] = defaultdict(list)
    for booked in run.booked:
        by_session[booked.session_id].append(booked)
    for bookings in by_session.values():
        for first in bookings:
            for later in bookings:
                if first.answered < later.sent and first.email in places and later.email in places:
                    wrong += places[first.email][2] > places[later.email][2]
    return wrong


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Outcome:
    backend: str
    workers: int
    elapsed: float
    latencies: dict[str, tuple[int, float, float, float]]
    checks: list[tuple[bool, str]]

    @property
    def passed(self) -> bool:
        return all(ok for ok, _ in self.checks)


def measure(backend: str, options: argparse.Namespace) -> Outcome:
    secret_key = secrets.token_urlsafe(32)
    with database(backend) as url:
        say(f"[{backend}] migrating, building a tenth of the data set, {options.people} sign-ins...")
        emails, session_ids = prepare(
            url, secret_key, people=options.people, sessions=options.sessions, places=options.places
        )
        with serve(url, secret_key, workers=options.workers) as base:
            say(f"[{backend}] {options.people} people booking over {options.arrival:g} s...")
            run, elapsed = surge(base, emails, session_ids, options.arrival, options.seed)
        places = places_in_order(url, session_ids)
    overbooked, uninvited = places.pop("__overbooked__")[0], places.pop("__uninvited__")[0]
    server_errors = sum(count for status, count in run.statuses.items() if status >= 500)
    booked_ok = sum(1 for b in run.booked if b.status == 302)
    wrong = out_of_order(run, places)
    confirmed = sum(1 for _, status, _ in places.values() if status == "confirmed")
    waiting = sum(1 for _, status, _ in places.values() if status == "waitlisted")
    latencies = {
        kind: (len(v), statistics.median(v), percentile(v, 0.95), percentile(v, 0.99))
        for kind, v in sorted(run.latencies.items())
    }
    post = latencies.get("booking POST", (0, 0.0, 0.0, float("inf")))
    checks = [
        (server_errors == 0, f"no 5xx responses ({server_errors} seen)"),
        (not run.failures, "no failed requests or sign-ins" + (f" ({dict(run.failures)})" if run.failures else "")),
        (
            booked_ok == options.people and elapsed <= DEADLINE_SECONDS,
            f"all {options.people} booked within {DEADLINE_SECONDS} s ({booked_ok} answered with a place, "
            f"{elapsed:.1f} s): {confirmed} confirmed, {waiting} on waiting lists",
        ),
        (overbooked == 0, f"no session over its places ({overbooked} over)"),
        (uninvited == 0, f"every confirmed place has its invitation in the outbox ({uninvited} without)"),
        (wrong == 0, f"places in arrival order ({wrong} pairs out of order)"),
        (post[3] <= P99_GOAL, f"booking POST p99 ≤ {P99_GOAL} s ({post[3]:.3f} s)"),
    ]
    return Outcome(backend, options.workers, elapsed, latencies, checks)


def report(outcomes: list[Outcome], options: argparse.Namespace) -> str:
    from bench.common import markdown_table

    rows = [
        [o.backend, kind, f"{n:,}", f"{p50 * 1000:,.0f} ms", f"{p95 * 1000:,.0f} ms", f"{p99 * 1000:,.0f} ms"]
        for o in outcomes
        for kind, (n, p50, p95, p99) in o.latencies.items()
    ]
    parts = [
        f"{options.people} people, each signing in and booking one of {options.sessions} sessions with "
        f"{options.places} places in all, arriving over {options.arrival:g} s, against gunicorn with "
        f"{options.workers} sync workers (production settings); a probe asks the bare `/healthz` every 50 ms",
        "meanwhile. Goal: booking POST p99 ≤ 0.5 s.",
        "",
        markdown_table(["Backend", "Request", "Count", "p50", "p95", "p99"], rows),
    ]
    for o in outcomes:
        parts += ["", f"{o.backend}: " + "; ".join(("" if ok else "**FAILED** ") + text for ok, text in o.checks) + "."]
    return "\n".join(parts)


def surge_section(bench) -> str:
    """The `surge` section of `make bench`, with the bench's backends and the defaults below."""
    options = parse_args([])
    options.backends = [b for b in ("postgresql", "sqlite") if b in bench.options.backends]
    outcomes = [measure(backend, options) for backend in options.backends]
    bench.notes["surge"] = outcomes
    text_ = report(outcomes, options)
    say("\n" + text_ + "\n")
    return text_


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.surge", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--places", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--arrival", type=float, default=20, help="seconds over which the people arrive")
    parser.add_argument("--seed", type=int, default=2019)
    options = parser.parse_args(argv)
    options.backends = [b.strip() for b in options.backends.split(",") if b.strip()]
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    outcomes = [measure(backend, options) for backend in options.backends]
    say("\n" + report(outcomes, options))
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())

"""`make stress` (`python -m bench.stress`): a load test that stays on this machine.

1. Makes a fresh PostgreSQL database beside BENCH_POSTGRES_URL / TRACKER_TEST_POSTGRES_URL (default
   postgresql+psycopg://postgres@127.0.0.1:5432/test), migrates it and loads the demo, and gives a
   sign-in to `--clients` of the demo's staff (the demo has upcoming WRAP sessions, one already full).
2. Starts gunicorn with `--workers` sync workers (4) on it, with the production configuration (CSRF,
   argon2id, Secure cookies, which the clients send back over plain HTTP to 127.0.0.1).
3. Runs `--clients` (50) concurrent clients for `--seconds` (60), each a thread with its own HTTP
   session: sign in, then in a loop read the session list, a session, My training; book a place
   (or join the waiting list) and cancel one, with the form's CSRF token, as a person would.
4. Checks and prints a summary: requests by status (no 5xx allowed), no session with more confirmed
   places than its capacity (from the database), every confirmed booking with its invitation in the
   outbox, throughput, and latency percentiles by kind of request.

Exits 1 if a check fails. The database is dropped at the end unless `--keep-database`.

    python -m bench.stress [--seconds 60] [--clients 50] [--workers 4] [--port 8765]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url

from bench import web
from bench.databases import conninfo, scratch_database
from bench.web import free_port

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "stress test passphrase 2026"  # noqa: S105  (accounts in a throwaway database)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SESSION_LINK = re.compile(r'href="/sessions/(\d+)"')
CANCEL_LINK = re.compile(r'href="/bookings/(\d+)/cancel')


def say(message: str) -> None:
    print(message, flush=True)


# --- The database -------------------------------------------------------------------------------------------


@contextmanager
def fresh_database(keep: bool) -> Iterator[str]:
    with scratch_database("tracker_stress", keep=keep) as url:
        try:
            yield url
        finally:
            if keep:
                say(f"Database kept: {make_url(url).render_as_string(hide_password=True)}")


def prepare(url: str, secret_key: str, clients: int) -> list[str]:
    """Migrate, load the demo, and give `clients` demo staff of the council a sign-in; their emails."""
    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": secret_key, "TRACKER_ENV": "production"})
    from flask_migrate import upgrade
    from sqlalchemy import select

    from config import EXAMPLE_COUNCIL, Config
    from tracker import create_app
    from tracker.accounts import services as accounts
    from tracker.accounts.models import Role, UserAccount
    from tracker.demo.data import load_demo
    from tracker.extensions import db
    from tracker.people.models import Organisation, Person

    config = Config()
    config.SQLALCHEMY_DATABASE_URI = url
    config.SECRET_KEY = secret_key
    config.TRACKER_BASE_URL = "http://127.0.0.1"
    config.TRACKER_SINGLE_PROCESS = True  # this set-up is one process; production refuses to start otherwise
    for name, value in EXAMPLE_COUNCIL.items():  # and without the council's details
        setattr(config, name, value)
    app = create_app(config)
    with app.app_context():
        upgrade()
        load_demo()
        with_accounts = select(UserAccount.person_id)
        people = db.session.scalars(
            select(Person)
            .join(Organisation)
            .where(
                Organisation.name == "London Borough of Barnet",
                Person.email.is_not(None),
                Person.id.not_in(with_accounts),
            )
            .order_by(Person.id)
            .limit(clients)
        ).all()
        if len(people) < clients:
            raise SystemExit(f"The demo has {len(people)} staff without an account; asked for {clients} clients")
        for person in people:
            accounts.create_user(
                email=person.email,
                first_name=person.first_name,
                last_name=person.last_name,
                roles={Role.STAFF},
                password=PASSWORD,
                actor_label="stress",
            )
        db.session.commit()
        emails = [p.email for p in people]
        db.session.remove()
        db.engine.dispose()
    return emails


# --- The server ------------------------------------------------------------------------------------------


@contextmanager
def gunicorn(url: str, secret_key: str, *, workers: int, port: int) -> Iterator[str]:
    """The product (`wsgi:app`, production settings) on `url`; yields its base URL once /healthz answers."""
    from config import EXAMPLE_COUNCIL

    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret_key, "TRACKER_ENV": "production"}
    # Production refuses to start without these: the public address, and (several workers) the shared limit store.
    env.setdefault("TRACKER_BASE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("REDIS_URL", os.environ.get("TRACKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    for name, value in EXAMPLE_COUNCIL.items():
        env.setdefault(name, value)
    env.pop("MAIL_SERVER", None)  # invitations stay in the outbox, where the check finds them

    def ready(base_url: str, _process) -> bool:
        try:
            return requests.get(f"{base_url}/healthz", timeout=10).status_code == 200
        except requests.RequestException:
            return False

    with web.gunicorn("wsgi:app", workers=workers, port=port, env=env, ready=ready, worker_timeout=60):
        yield f"http://127.0.0.1:{port}"


# --- The clients -------------------------------------------------------------------------------------------


@dataclass
class Results:
    statuses: Counter = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies[kind].append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] += 1


class Client:
    """One person at a browser: signs in, then reads, books and cancels until the deadline."""

    def __init__(self, base: str, email: str, results: Results, rng: random.Random) -> None:
        self.base, self.email, self.results, self.rng = base, email, results, rng
        self.http = requests.Session()
        self.session_ids: list[int] = []

    def request(self, kind: str, method: str, path: str, **kwargs) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.base + path, timeout=60, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            self.results.error(f"{kind}: {error.__class__.__name__}")
            return None
        self.results.record(kind, response.status_code, time.perf_counter() - started)
        for cookie in self.http.cookies:  # production cookies are Secure; this test talks HTTP to 127.0.0.1
            cookie.secure = False
        return response

    def csrf(self, html: str) -> str | None:
        match = CSRF.search(html)
        return match.group(1) if match else None

    def sign_in(self) -> bool:
        page = self.request("sign-in page", "GET", "/sign-in")
        token = self.csrf(page.text) if page is not None else None
        if token is None:
            return False
        response = self.request(
            "sign in", "POST", "/sign-in", data={"email": self.email, "password": PASSWORD, "csrf_token": token}
        )
        return response is not None and response.status_code == 302

    def run(self, deadline: float) -> None:
        if not self.sign_in():
            self.results.error("sign-in failed")
            return
        while time.monotonic() < deadline:
            roll = self.rng.random()
            if roll < 0.20 or not self.session_ids:
                self.list_sessions()
            elif roll < 0.40:
                self.request("my training", "GET", "/my-training")
            elif roll < 0.55:
                self.request("session page", "GET", f"/sessions/{self.rng.choice(self.session_ids)}")
            elif roll < 0.80:
                self.book(self.rng.choice(self.session_ids))
            else:
                self.cancel_one()

    def list_sessions(self) -> None:
        response = self.request("session list", "GET", "/sessions")
        if response is not None and response.status_code == 200:
            self.session_ids = sorted({int(i) for i in SESSION_LINK.findall(response.text)}) or self.session_ids

    def book(self, session_id: int) -> None:
        page = self.request("session page", "GET", f"/sessions/{session_id}")
        if page is None or page.status_code != 200:
            return
        token = self.csrf(page.text)
        if token is None or f"/sessions/{session_id}/book" not in page.text:
            return  # booked already, or booking closed: nothing to press
        self.request("book", "POST", f"/sessions/{session_id}/book", data={"csrf_token": token})

    def cancel_one(self) -> None:
        page = self.request("my training", "GET", "/my-training")
        if page is None or page.status_code != 200:
            return
        bookings = CANCEL_LINK.findall(page.text)
        if not bookings:
            return
        booking_id = self.rng.choice(bookings)
        confirm = self.request("cancel page", "GET", f"/bookings/{booking_id}/cancel")
        token = self.csrf(confirm.text) if confirm is not None and confirm.status_code == 200 else None
        if token:
            self.request("cancel", "POST", f"/bookings/{booking_id}/cancel", data={"csrf_token": token})


def run_clients(base: str, emails: list[str], seconds: float, seed: int) -> tuple[Results, float]:
    results = Results()
    deadline = time.monotonic() + seconds
    clients = [Client(base, email, results, random.Random(seed + n)) for n, email in enumerate(emails)]
    threads = [threading.Thread(target=client.run, args=(deadline,), daemon=True) for client in clients]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return results, time.monotonic() - started


# --- The checks ----------------------------------------------------------------------------------------------


def overbooked_sessions(url: str) -> list[tuple[int, int, int]]:
    """(session, capacity, confirmed and held places) wherever the places exceed the capacity."""
    with psycopg.connect(conninfo(url)) as connection:
        return connection.execute(
            """
            SELECT s.id, s.capacity, count(b.id)
            FROM training_session s JOIN booking b ON b.session_id = s.id AND b.status IN ('confirmed', 'held')
            GROUP BY s.id, s.capacity
            HAVING count(b.id) > s.capacity
            ORDER BY s.id
            """
        ).fetchall()


def bookings_without_invite(url: str) -> tuple[int, list[int]]:
    """How many bookings are confirmed, and the ids of those with no invitation (METHOD:REQUEST) queued."""
    with psycopg.connect(conninfo(url)) as connection:
        confirmed = connection.execute("SELECT count(*) FROM booking WHERE status = 'confirmed'").fetchone()[0]
        missing = connection.execute(
            """
            SELECT b.id FROM booking b
            WHERE b.status = 'confirmed' AND b.source <> 'walk_in'
              AND NOT EXISTS (
                SELECT 1 FROM outbox_message m WHERE m.booking_id = b.id AND m.ics_method = 'REQUEST'
              )
            ORDER BY b.id
            """
        ).fetchall()
    return confirmed, [row[0] for row in missing]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(results: Results, elapsed: float, overbooked, confirmed: int, missing: list[int], args) -> bool:
    total = sum(results.statuses.values())
    server_errors = sum(count for status, count in results.statuses.items() if status >= 500)
    say("")
    say(f"Load test: {args.clients} clients for {args.seconds:g} s against gunicorn ({args.workers} sync workers)")
    say(f"on PostgreSQL with the demo data; {total:,} requests in {elapsed:.1f} s: {total / elapsed:,.1f} requests/s")
    say("")
    say(
        "Requests by status: " + ", ".join(f"{status}: {count:,}" for status, count in sorted(results.statuses.items()))
    )
    if results.errors:
        say("Client errors: " + ", ".join(f"{what}: {count}" for what, count in results.errors.most_common()))
    say("")
    say(f"{'request':<16}{'count':>8}{'median':>10}{'p90':>10}{'p99':>10}{'max':>10}   (milliseconds)")
    everything = [value for values in results.latencies.values() for value in values]
    for kind, values in [*sorted(results.latencies.items()), ("all", everything)]:
        if values:
            say(
                f"{kind:<16}{len(values):>8,}{statistics.median(values) * 1000:>10.0f}"
                f"{percentile(values, 0.9) * 1000:>10.0f}{percentile(values, 0.99) * 1000:>10.0f}"
                f"{max(values) * 1000:>10.0f}"
            )
    say("")
    checks = [
        (server_errors == 0, f"no 5xx responses ({server_errors} seen)"),
        (not results.errors, f"no failed connections or sign-ins ({sum(results.errors.values())} seen)"),
        (not overbooked, f"no session over capacity ({len(overbooked)} over: {overbooked[:5]})"),
        (
            not missing,
            f"every confirmed booking has its invitation in the outbox ({confirmed} confirmed, "
            f"{len(missing)} without: {missing[:10]})",
        ),
        ("book" in results.latencies and "cancel" in results.latencies, "both bookings and cancellations happened"),
    ]
    for passed, text in checks:
        say(f"{'PASS' if passed else 'FAIL'}  {text}")
    return all(passed for passed, _ in checks)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.stress", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long the clients run (default 60)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--port", type=int, default=0, help="port for gunicorn (default: a free one)")
    parser.add_argument("--seed", type=int, default=2019, help="seed for the clients' choices")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database at the end")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    secret_key = secrets.token_urlsafe(32)
    with fresh_database(args.keep_database) as url:
        say(f"Database {make_url(url).database}: migrating, loading the demo, {args.clients} sign-ins...")
        emails = prepare(url, secret_key, args.clients)
        port = args.port or free_port()
        say(f"Starting gunicorn with {args.workers} sync workers on 127.0.0.1:{port}...")
        with gunicorn(url, secret_key, workers=args.workers, port=port) as base:
            say(f"{args.clients} clients signing in, reading, booking and cancelling for {args.seconds:g} s...")
            results, elapsed = run_clients(base, emails, args.seconds, args.seed)
        overbooked = overbooked_sessions(url)
        confirmed, missing = bookings_without_invite(url)
        passed = summary(results, elapsed, overbooked, confirmed, missing, args)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

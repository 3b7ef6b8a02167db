"""The `throughput` section of `make bench`: wrk against gunicorn serving the full data set, each page as a
share of a bare route of the same app in the same server, and the coverage page against a route serving the
hand-written statement (see `bench.web` for the server, the sign-ins and wrk)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bench import dataset, web
from bench.common import markdown_table, say

if TYPE_CHECKING:
    from bench.run import Bench, Built


# --- Section: page throughput with wrk against gunicorn ---------------------------------------------------------

#: Goals (issue #7): a read page serves at least this share of the bare route's rate; the booking POST this
#: share; the coverage page at least half the rate of the route serving the hand-written statement (within 2×).
READ_GOAL = 0.12
POST_GOAL = 0.08
COVERAGE_GOAL = 0.5


def _wrk_figures(bench: Bench, built: Built) -> dict[str, Any]:
    """Every request measured in rounds, each between two runs of the bare route (the machine is shared and
    its load drifts: each round's ratio is to the mean of the bare runs just before and just after it, and the
    median round is the figure, so that one disturbed run does not decide it)."""

    data = built.web
    rounds = bench.options.rounds
    seconds, warm = bench.options.seconds, min(2.0, bench.options.seconds)
    figures: dict[str, Any] = {"measured": {}, "statuses": {}, "errors": {}, "bare": []}
    with web.serve(built.url, workers=bench.options.workers) as server:
        say(f"[{built.backend}] gunicorn: {bench.options.workers} sync workers at {server.base_url}; signing in...")
        bookers = [web.sign_in(server.base_url, email) for email in data.bookers]
        bare_url = server.base_url + "/bench/bare"

        def bare() -> float:
            result = web.run_wrk(bare_url, seconds=seconds / 2)
            if result.unexpected(200) or result.errors:
                figures["errors"]["Bare route"] = f"{result.unexpected(200)} {result.errors}".strip()
            figures["bare"].append(result.requests_per_second)
            return result.requests_per_second

        web.run_wrk(bare_url, seconds=warm)
        before = bare()

        def settle(result) -> None:
            """Let the requests still queued when wrk stopped finish before the next run: up to one per
            connection, at the rate just measured (four seconds of coverage pages otherwise slowed the bare
            run after them, and so the ratio of the next request)."""
            time.sleep(min(30.0, 0.5 + web.WRK_CONNECTIONS / max(result.requests_per_second, 0.5)))

        def measure(name: str, run: Callable[[int], Any], expected: int, before: float) -> float:
            """`rounds` runs of `run(round)`, each followed by a bare run; the median round's figures."""
            results, ratios = [], []
            for number in range(rounds):
                result = run(number)
                settle(result)
                after = bare()
                results.append(result)
                ratios.append((result.requests_per_second / ((before + after) / 2), result, (before + after) / 2))
                say(
                    f"[{built.backend}] {name} round {number + 1}: {result.requests_per_second:,.1f} req/s "
                    f"{result.statuses} {result.errors} (bare {before:,.0f} / {after:,.0f})"
                )
                before = after
            _, middle, middle_bare = sorted(ratios, key=lambda r: r[0])[len(ratios) // 2]
            figures["measured"][name] = {
                "rate": middle.requests_per_second,
                "bare": middle_bare,
                "ratios": [r[0] for r in ratios],
                "load": os.getloadavg()[0],
            }
            statuses: dict[int, int] = {}
            for result in results:
                for status, count in result.statuses.items():
                    statuses[status] = statuses.get(status, 0) + count
                if result.unexpected(expected) or result.errors:
                    figures["errors"][name] = f"{result.unexpected(expected)} {result.errors}".strip()
            figures["statuses"][name] = statuses
            return before

        # Each run signs in afresh: a browser keeps the cookie each response sends, and the sign-in cookie is
        # renewed once its idle clock is 30 seconds old; wrk would replay the old one and have every response
        # renew it (a cost no person's browser pays), so a cookie may not outlive a run.
        def cookie_of(email: str) -> str:
            return web.sign_in(server.base_url, email).cookie

        targets = [(name, path, email) for name, (path, email) in data.pages().items()]
        targets.append(("Hand-written coverage SQL", "/bench/coverage-sql", data.coordinator))
        for name, path, email in targets:
            url = server.base_url + path
            # The warm-up's queue must not eat into the first run.
            settle(web.run_wrk(url, seconds=warm, cookie=cookie_of(email)))
            before = measure(
                name,
                lambda _round, url=url, email=email: web.run_wrk(url, seconds=seconds, cookie=cookie_of(email)),
                200,
                before,
            )

        # Booking POST: each request books the next (person, session) pair, so none is refused as a duplicate:
        # the warm-up and each run book onto sessions of their own.
        sessions = data.upcoming_session_ids
        share = max(1, len(sessions) // (rounds + 1))
        web.run_wrk(server.base_url + "/", seconds=warm, bookings=(bookers, sessions[:share]))
        time.sleep(1)  # requests still in flight when wrk stops are finished by the server, unseen by wrk
        booked_before = web.count_bookings_by(built.web_app, data.bookers)

        def post(number: int):
            mine = sessions[share * (number + 1) : share * (number + 2)] or sessions[-1:]
            fresh = [web.sign_in(server.base_url, email) for email in data.bookers]
            return web.run_wrk(server.base_url + "/", seconds=seconds, bookings=(fresh, mine))

        measure("Booking POST", post, 302, before)
        time.sleep(1)
        figures["booked"] = web.count_bookings_by(built.web_app, data.bookers) - booked_before
        figures["booked_expected"] = figures["statuses"]["Booking POST"].get(302, 0)
        figures["memory"] = web.worker_memory(server)
    return figures


def throughput_section(bench: Bench) -> str:

    if not web.wrk_available():
        return "Not measured: `wrk` is not installed (`apt-get install -y wrk`)."
    measured: dict[str, dict[str, Any]] = {}
    for backend in bench.options.backends:
        built = bench.data_set(backend)
        if built is None:
            continue
        measured[backend] = _wrk_figures(bench, bench.web_ready(built))
    bench.notes["throughput"] = measured
    if not measured:
        return "Not measured: no database was available."

    names = list(next(iter(measured.values()))["measured"])
    header = ["Request"]
    for backend in measured:
        header += [f"{backend} req/s", f"{backend} bare req/s", f"{backend} ratio"]
    header += ["Goal"]
    rows = []
    for name in names:
        row = [name]
        for figures in measured.values():
            m = figures["measured"][name]
            ratio = f"{m['rate'] / m['bare']:.3f}"
            if name == "Coverage page":
                sql = figures["measured"]["Hand-written coverage SQL"]["rate"]
                ratio += f" ({m['rate'] / sql:.2f} of the SQL)"
            row += [f"{m['rate']:,.1f}", f"{m['bare']:,.0f}", ratio]
        row.append(_goal_text(name))
        rows.append(row)
    table = markdown_table(header, rows)
    say("\n" + table + "\n")
    notes = [
        f"gunicorn with {bench.options.workers} sync workers (one request per connection, as STACK.md advises) "
        f"serving the full data set of each database with {web.upcoming_count(bench.options.scale)} upcoming "
        f"sessions added; `wrk -t2 -c{web.WRK_CONNECTIONS} -d{bench.options.seconds:g}s` after a 2-second warm-up, "
        f"{bench.options.rounds} times for each request. "
        "Each ratio is to the bare route of the same app in the same server (`/bench/bare`, added only by "
        f"`bench/web.py`), measured for {bench.options.seconds / 2:g} seconds just before and just after each "
        "run, once the requests wrk left queued have finished (the machine is shared: the mean of those two "
        "bare runs is the run's yardstick). The table shows the median run of each request, so that one run "
        "disturbed by something else on the machine does not decide the figure; every run's ratio is listed "
        "below the table. Read pages are signed in afresh for each run "
        f"(staff; the coordinator for coverage: a browser keeps the cookie each response renews, wrk would "
        f"replay a stale one and have every response renew it); the coverage page is as of {dataset.AS_OF} with sessions "
        f"from {dataset.PERIOD_START}, and is also compared with a route serving the hand-written statement "
        f"(`/bench/coverage-sql`). Each booking POST books the next of {web.BOOKERS} people onto the next "
        "upcoming session, with that person's cookie (signed in afresh for each run) and CSRF token.",
        "",
        table,
        "",
    ]
    for backend, figures in measured.items():
        checks = [
            f"{backend}: wrk saw {_statuses_text(figures['statuses'])}.",
            f"The booking POSTs answered {figures['booked_expected']:,} redirects and made {figures['booked']:,} "
            "bookings"
            + (
                f" (one each, and at most one for each of the {web.WRK_CONNECTIONS} connections still waiting when "
                f"each of the {bench.options.rounds} runs stopped)."
                if 0 <= figures["booked"] - figures["booked_expected"] <= web.WRK_CONNECTIONS * bench.options.rounds
                else " (**a mismatch**)."
            ),
            "Ratios of the runs: "
            + "; ".join(
                f"{name} " + ", ".join(f"{r:.3f}" for r in m["ratios"]) for name, m in figures["measured"].items()
            )
            + ". Load average (1 minute) during the runs: "
            + ", ".join(f"{m['load']:.1f}" for m in figures["measured"].values())
            + ".",
        ]
        if figures["errors"]:
            checks.append("Unexpected: " + "; ".join(f"{k}: {v}" for k, v in figures["errors"].items()) + ".")
        notes.append(" ".join(checks))
        notes.append("")
    return "\n".join(notes).rstrip()


def _goal_text(name: str) -> str:
    if name == "Bare route" or name == "Hand-written coverage SQL":
        return ""
    if name == "Booking POST":
        return f"≥ {POST_GOAL} of bare"
    if name == "Coverage page":
        return f"within 2× of the SQL (≥ {COVERAGE_GOAL} of its rate)"
    return f"≥ {READ_GOAL} of bare"


def _statuses_text(statuses: dict[str, dict[int, int]]) -> str:
    return "; ".join(
        f"{name} " + ", ".join(f"{count:,}× {status}" for status, count in sorted(counts.items()))
        for name, counts in statuses.items()
    )

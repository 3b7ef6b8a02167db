"""The `imports` section of `make bench`: a roster as large as the data set's people (20,000; 200,000 with
`SCALE=10`), checked and imported as `flask people import` does it, on each backend.

Two imports into a new database holding only the organisations: the first adds everyone (departments
created from the paths), the second is the next month's file of the same people with a tenth moved to
another department, one in a hundred leaving and the names of one in fifty changed. Each runs in a process
of its own, so its peak resident memory (`ru_maxrss`) is the import's. Goal: each ≤ 60 s.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import random
import resource
import time
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

GOAL_SECONDS = 60
ORGANISATIONS = ("London Borough of Barnet", "Barnet Homes", "Central London Community Healthcare NHS Trust")
DIRECTORATES = ("Children and Family Services", "Adults and Health", "Housing", "Resources", "Environment")
FIRST = ("Amira", "Ben", "Chloe", "Daniel", "Ella", "Farid", "Grace", "Hassan", "Isla", "Jack", "Kemi", "Liam")
LAST = ("Ahmed", "Brown", "Cohen", "Davies", "Evans", "Fernandes", "Green", "Hughes", "Iqbal", "Jones", "Khan")
HEADER = (
    "organisation,employee_ref,first_name,last_name,email,department,job_title,line_manager_ref,start_date,end_date"
)


def roster(people: int, *, month: int, seed: int = 2019) -> bytes:
    """A roster of `people` rows; month 1 is everyone's first file, month 2 the next one with changes."""
    rng = random.Random(seed + month)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    out.write(HEADER + "\n")
    teams = max(1, people // 60)
    for n in range(people):
        # Teams of 60, each in one organisation and managed by its first member.
        team = home = n // 60
        if month == 2 and rng.random() < 0.1:
            team = rng.randrange(teams)
        department = f"{DIRECTORATES[team % len(DIRECTORATES)]}/Service {team // 10}/Team {team}"
        first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST)) % len(LAST)]
        if month == 2 and rng.random() < 0.02:
            last = last + "-" + LAST[rng.randrange(len(LAST))]
        leaving = month == 2 and rng.random() < 0.01
        writer.writerow(
            [
                ORGANISATIONS[home % len(ORGANISATIONS)],
                f"E{n:07d}",
                first,
                last,
                f"person{n}@bench.example",
                department,
                "Social Worker" if n % 60 else "Team Manager",
                f"E{home * 60:07d}" if n % 60 else "",
                "2020-04-01",
                "2026-06-30" if leaving else "",
            ]
        )
    return out.getvalue().encode()


def _import(url: str, path: str, results: Any) -> None:
    """In a child process: check and import the file as `flask people import` does; report time and memory."""
    from bench.run import make_app
    from tracker.extensions import db
    from tracker.people import roster as roster_service
    from tracker.people import roster_lines

    app = make_app(url)
    with app.app_context():
        data = Path(path).read_bytes()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        summary = roster_service.import_roster(
            roster_lines.read_roster(data), effective=date(2026, 6, 1), actor_label="bench"
        )
        db.session.commit()
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        db.session.remove()
    results.put({"seconds": seconds, "peak_mb": peak / 1024, "before_mb": before / 1024, "summary": summary.lines()})


def _add_organisations(url: str) -> None:
    from bench.run import make_app
    from tracker.extensions import db
    from tracker.people.models import Organisation, OrganisationKind

    app = make_app(url)
    with app.app_context():
        kinds = (OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.HOUSING, OrganisationKind.NHS_TRUST)
        db.session.add_all(Organisation(name=name, kind=kind) for name, kind in zip(ORGANISATIONS, kinds, strict=True))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def measure(backend: str, people: int) -> list[dict[str, Any]]:
    from bench.run import database

    context = multiprocessing.get_context("spawn")
    figures = []
    with database(backend) as url, TemporaryDirectory(prefix="tracker-roster-") as directory:
        _add_organisations(url)
        for month in (1, 2):
            path = Path(directory) / f"roster-{month}.csv"
            path.write_bytes(roster(people, month=month))
            results = context.Queue()
            child = context.Process(target=_import, args=(url, str(path), results))
            child.start()
            figure = results.get(timeout=1800)
            child.join()
            figures.append({"backend": backend, "month": month, "bytes": path.stat().st_size, **figure})
    return figures


def imports_section(bench: Any) -> str:
    from bench import dataset
    from bench.common import markdown_table, say

    people = dataset.FULL.times(bench.options.scale).people
    rows, met, slowest = [], [], 0.0
    for backend in bench.options.backends:
        say(f"[{backend}] importing a roster of {people:,} people, then the next month's...")
        for f in measure(backend, people):
            ok = f["seconds"] <= GOAL_SECONDS
            slowest = max(slowest, f["seconds"])
            met.append(ok)
            changes = ", ".join(f"{count:,} {label.lower()}" for label, count in f["summary"] if count)
            rows.append(
                [
                    backend,
                    "first file" if f["month"] == 1 else "next month",
                    f"{f['bytes'] / 1e6:,.1f} MB",
                    f"{f['seconds']:,.1f} s",
                    f"{f['peak_mb']:,.0f} MB ({f['before_mb']:,.0f} MB before)",
                    changes,
                    "yes" if ok else "**no**",
                ]
            )
    bench.notes["imports"] = (people, slowest, all(met))
    table = markdown_table(
        ["Backend", "Import", "File", "Checked and imported", "Peak memory", "Outcome", "≤ 60 s"], rows
    )
    say("\n" + table + "\n")
    return "\n".join(
        [
            f"A roster of {people:,} people in {len(ORGANISATIONS)} organisations, checked and imported as `flask people "
            "import` does it (`tracker.people.roster.import_roster`, then one commit) into a new database holding",
            "only the organisations; then the next month's file of the same people (a tenth moved, one in a hundred",
            "leaving, one in fifty renamed). Each import runs in a process of its own: its peak resident memory is",
            "shown beside what the process held before the import began. Goal: each within 60 s.",
            "",
            table,
        ]
    )

"""What every section of the bench uses: printing as it goes, medians of interleaved runs, Markdown tables."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def say(message: str) -> None:
    print(message, flush=True)


def interleaved_medians(runs: list[Callable[[], Any]], repeat: int) -> list[tuple[float, Any]]:
    """Median wall time of each of `runs` over `repeat` rounds, after a warm-up round; each round runs
    them one after the other, so a busy spell on a shared machine slows them alike. Returns
    (median seconds, last result) per run."""
    results = [run() for run in runs]
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for index, run in enumerate(runs):
            started = time.perf_counter()
            results[index] = run()
            times[index].append(time.perf_counter() - started)
    return [(statistics.median(t), r) for t, r in zip(times, results, strict=True)]


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)

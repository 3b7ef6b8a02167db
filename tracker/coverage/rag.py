"""The arithmetic every figure uses: percent rounded half up, and RAG against the course's target."""

from __future__ import annotations

from enum import StrEnum

#: Points below target that are still amber (85 target: 75–84 amber, under 75 red).
AMBER_BAND = 10


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def percent(part: int, whole: int) -> int | None:
    """part / whole × 100 rounded half up to a whole number, in integers (no float rounding); None if whole is 0."""
    if whole <= 0:
        return None
    return (200 * part + whole) // (2 * whole)


def rag(rounded_percent: int | None, target: int) -> Rag | None:
    """Green at or above target, amber within AMBER_BAND points below, red below that; None without a percent."""
    if rounded_percent is None:
        return None
    if rounded_percent >= target:
        return Rag.GREEN
    if rounded_percent >= target - AMBER_BAND:
        return Rag.AMBER
    return Rag.RED


def gap_to_target(trained: int, required: int, target: int) -> int:
    """How many more people must be trained for the *rounded* percent to reach the target (0 if it does).

    percent(t, r) >= target  <=>  (200t + r) // 2r >= target  <=>  200t >= r(2 target - 1).
    """
    if required <= 0:
        return 0
    needed = -(-required * (2 * target - 1) // 200)  # ceiling division
    return max(min(needed, required) - trained, 0)

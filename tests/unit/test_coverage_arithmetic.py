"""Coverage arithmetic: percent rounds half up in integers, RAG from the rounded percent, gap to target."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.coverage.people_to_train import PersonTrainingStatus, status_from
from tracker.coverage.queries import gap_to_target, percent_of, rag_for
from tracker.coverage.trend import quarter_ends


@pytest.mark.parametrize(
    ("trained", "required", "percent"),
    [
        # The seed report's own figures (DESIGN.md's checks), Tables 1, 3, 4 and 5.
        (422, 480, 88),
        (402, 479, 84),
        (400, 482, 83),
        (10_169, 11_900, 85),
        (880, 1_162, 76),
        (228, 462, 49),
        (251, 290, 87),
        (495, 536, 92),
        (496, 532, 93),
        (1_007, 1_201, 84),
        # Exactly half rounds up, never to even; just under half rounds down.
        (1, 8, 13),  # 12.5
        (169, 200, 85),  # 84.5
        (337, 400, 84),  # 84.25
        (1, 200, 1),  # 0.5
        (199, 200, 100),  # 99.5
        (3, 8, 38),  # 37.5
        (0, 5, 0),
        (5, 5, 100),
    ],
)
def test_percent_rounds_half_up(trained, required, percent):
    assert percent_of(trained, required) == percent


def test_no_percent_when_nobody_is_required():
    assert percent_of(0, 0) is None
    assert rag_for(None, 85) is None
    assert gap_to_target(0, 0, 85) == 0


def test_float_rounding_would_get_these_wrong():
    # round() rounds half to even and binary floats drift: the integer formula does neither.
    assert round(12.5) == 12 and percent_of(1, 8) == 13
    assert percent_of(169, 200) == 85  # 84.5


@pytest.mark.parametrize(
    ("percent", "rag"),
    [(100, "green"), (85, "green"), (84, "amber"), (75, "amber"), (74, "red"), (0, "red")],
)
def test_rag_thresholds_for_an_85_target(percent, rag):
    assert rag_for(percent, 85) == rag


def test_rag_follows_the_course_target():
    assert rag_for(90, 95) == "amber" and rag_for(84, 95) == "red" and rag_for(95, 95) == "green"


def test_rag_uses_the_rounded_percent():
    # 169/200 = 84.5% rounds to 85: green, though the raw fraction is below 85%.
    assert rag_for(percent_of(169, 200), 85) == "green"


@pytest.mark.parametrize(
    ("trained", "required", "gap"),
    [
        (400, 482, 8),  # 408/482 = 84.6% -> 85
        (228, 462, 163),  # 391/462 = 84.6% -> 85
        (251, 290, 0),
        (169, 200, 0),
        (168, 200, 1),
        (0, 1, 1),
        (0, 10, 9),  # 9/10 = 90%; 8/10 = 80% is short
    ],
)
def test_gap_to_target_is_the_people_still_to_train(trained, required, gap):
    assert gap_to_target(trained, required, 85) == gap
    assert percent_of(trained + gap, required) >= 85
    if gap:
        assert percent_of(trained + gap - 1, required) < 85


def test_gap_to_a_100_target_may_stop_short_of_everyone_by_rounding():
    assert gap_to_target(0, 482, 100) == 480  # 480/482 = 99.6% rounds to 100
    assert gap_to_target(0, 3, 100) == 3


def test_quarter_ends_within_two_years_up_to_the_as_of_date():
    assert quarter_ends(date(2018, 12, 31)) == [
        date(2017, 3, 31),
        date(2017, 6, 30),
        date(2017, 9, 30),
        date(2017, 12, 31),
        date(2018, 3, 31),
        date(2018, 6, 30),
        date(2018, 9, 30),
        date(2018, 12, 31),
    ]
    assert quarter_ends(date(2019, 2, 28))[0] == date(2017, 3, 31)
    assert quarter_ends(date(2019, 2, 28))[-1] == date(2018, 12, 31)


@pytest.mark.parametrize(
    ("expires_on", "forever", "expired", "status"),
    [
        (None, True, None, "valid"),
        (date(2019, 6, 1), False, None, "valid"),
        (date(2019, 4, 1), False, None, "expiring"),  # 90 days after 1 January 2019
        (date(2019, 4, 2), False, None, "valid"),
        (None, False, date(2018, 1, 1), "expired"),
        (None, False, None, "never_trained"),
    ],
)
def test_status_from_records(expires_on, forever, expired, status):
    assert status_from(
        expires_on=expires_on, valid_forever=forever, last_expired_on=expired, as_of=date(2019, 1, 1)
    ) == PersonTrainingStatus(status)

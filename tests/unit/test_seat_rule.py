"""The seat-quota arithmetic (`tracker.booking.seat_rule.Seats`), without a database."""

from __future__ import annotations

from tracker.booking.seat_rule import Seats

HOMES, COUNCIL = 1, 2


def test_without_quotas_every_free_seat_is_anyones():
    seats = Seats(capacity=3, taken={None: 2})
    assert seats.left_for(HOMES) == seats.left_for(None) == 1


def test_held_places_go_only_to_their_organisation_until_the_open_ones_run_out():
    seats = Seats(capacity=10, held={HOMES: 4}, taken={None: 6})
    assert seats.left_for(COUNCIL) == 0  # the six open places are taken
    assert seats.left_for(HOMES) == 4  # its four held places are still free


def test_an_organisation_beyond_its_quota_takes_open_places():
    seats = Seats(capacity=10, held={HOMES: 2}, taken={HOMES: 5})
    assert seats.open_taken == 3
    assert seats.left_for(COUNCIL) == 5
    assert seats.left_for(HOMES) == 5


def test_take_counts_against_the_organisation_or_the_open_places():
    seats = Seats(capacity=4, held={HOMES: 2}).take(HOMES).take(COUNCIL).take(COUNCIL)
    assert seats.taken == {HOMES: 1, None: 2}
    assert seats.left_for(COUNCIL) == 0
    assert seats.left_for(HOMES) == 1


def test_a_quota_over_places_others_have_booked_is_not_consistent():
    assert Seats(capacity=10, held={HOMES: 5}, taken={None: 5}).consistent
    assert not Seats(capacity=10, held={HOMES: 5}, taken={None: 6}).consistent
    assert not Seats(capacity=4, held={HOMES: 3, COUNCIL: 2}).consistent

"""A recipient's name never reads as a second address (issue 16, item 5): Python's header folder drops
the quotes around a long display name, so `'A'*50 + ' (c) <boss@attacker.example>, y'` was read by mail
clients as two recipients."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.invites.emails import OutgoingEmail, build_message, display_name

VICTIM = "victim@example.org"


def recipients(name: str) -> list:
    outgoing = OutgoingEmail(
        id=1,
        recipient_email=VICTIM,
        recipient_name=name,
        subject="Your place",
        body_text="text",
        body_html="<p>html</p>",
        ics=None,
        ics_method=None,
        created_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    raw = build_message(outgoing, sender=("Prevent training", "prevent@barnet.example")).as_bytes()
    return list(email.message_from_bytes(raw, policy=policy.default)["To"].addresses)


def test_the_attackers_name_is_one_recipient():
    name = "A" * 50 + " (c) <boss@attacker.example>, y"
    (only,) = recipients(name)
    assert only.addr_spec == VICTIM
    assert "attacker" not in only.display_name or "@" not in only.display_name


def test_ordinary_names_keep_their_letters():
    assert display_name("Siobhán O'Neill-Smith") == "Siobhán O'Neill-Smith"
    assert display_name("Dr. J. Smith") == "Dr J Smith"
    assert display_name('Sam "Rosie" Rosengard, MBE') == "Sam Rosie Rosengard MBE"


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=200))
def test_any_name_is_exactly_one_recipient_the_right_one(name):
    (only,) = recipients(name)
    assert only.addr_spec == VICTIM


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["A" * 40, " ", "<", ">", ",", "@", '"', "(", ")", "x@y.example", ";", ":", "\\"]), max_size=30
    )
)
def test_hostile_pieces_in_any_order_are_one_recipient(pieces):
    (only,) = recipients("".join(pieces))
    assert only.addr_spec == VICTIM

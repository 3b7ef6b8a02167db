"""The access policy table: every endpoint of the app, pages and API, with who may use it.

Enforced before every request (deny by default, see tracker.common.permissions). A route missing
here is refused with 403, and tests/integration/test_access_policy.py fails until it is added.
Values are an Access for every method, or a dict of method -> Access where methods differ.
Object-level rules (your team, your register, your organisation) are checked in the services.
"""

from __future__ import annotations

from tracker.accounts.models import Role
from tracker.common.permissions import PUBLIC, SIGNED_IN, Access, roles

COORDINATOR = roles(Role.COORDINATOR)
TRAINERS = roles(Role.COORDINATOR, Role.TRAINER)
MANAGERS = roles(Role.COORDINATOR, Role.MANAGER)
BOOKERS = roles(Role.COORDINATOR, Role.MANAGER, Role.PARTNER)
COVERAGE_READERS = roles(Role.COORDINATOR, Role.MANAGER)
PARTNERS = roles(Role.COORDINATOR, Role.PARTNER)

POLICY: dict[str, Access | dict[str, Access]] = {
    # --- Framework: static files and GOV.UK Frontend assets ---------------------------------------
    "static": PUBLIC,
    "assets": PUBLIC,
    "vendor": PUBLIC,
    # --- Signing in (accounts) ----------------------------------------------------------------------
    "auth.sign_in": PUBLIC,
    "auth.sign_out": SIGNED_IN,
    # --- Home ---------------------------------------------------------------------------------------
    "main.home": SIGNED_IN,
    "main.health": PUBLIC,
    "main.accessibility": PUBLIC,
    "main.privacy": PUBLIC,
    # --- People: organisations, departments, people, roster import (people/) ----------------------
    # --- User accounts (accounts/) ------------------------------------------------------------------
    # --- Courses, requirements, sessions, trainers (courses/) -----------------------------------------
    # Sessions: trainers and the coordinator; object check `sessions.can_manage_session` (a trainer
    # manages only the sessions they deliver).
    "sessions.my_sessions": TRAINERS,
    "sessions.create_session": TRAINERS,
    "sessions.create_series": TRAINERS,
    "sessions.show_session": TRAINERS,
    "sessions.edit_session": TRAINERS,
    "sessions.publish_session": TRAINERS,
    "sessions.cancel_session": TRAINERS,
    # --- Finding sessions and booking (booking/) ------------------------------------------------------
    # Anyone signed in browses and books themselves; booking or cancelling for someone else is checked
    # per person with `booking.services.can_book_for` / `can_cancel` (team, organisation, anyone).
    "booking.list_sessions": SIGNED_IN,
    "booking.show_session": SIGNED_IN,
    "booking.book": SIGNED_IN,
    "booking.my_training": SIGNED_IN,
    "booking.cancel_booking": SIGNED_IN,
    "booking.book_team": roles(Role.MANAGER),
    "booking.book_people": COORDINATOR,
    "booking.partner_attendees": roles(Role.PARTNER),
    # --- Registers, training records, imports (attendance/) -------------------------------------------
    # --- Coverage, my team, partner returns, board report (coverage/) -------------------------------
    # --- Invites, outbox, calendar feeds (invites/) ---------------------------------------------------
    # --- Training requests and public booking (requests/) ---------------------------------------------
    # --- Audit log and data protection (audit/) -------------------------------------------------------
    # --- JSON API (api/): the OpenAPI document is public; resources need a bearer token -----------
    "api-docs.openapi_json": PUBLIC,
    "api_organisations.Organisations": {"GET": SIGNED_IN, "POST": COORDINATOR},
    # Sessions: anyone reads (drafts only their team); trainers and the coordinator create; changing or
    # cancelling one is for the trainers who deliver it and the coordinator (object check in the handler).
    "api_sessions.Sessions": {"GET": SIGNED_IN, "POST": TRAINERS},
    "api_sessions.SessionById": {"GET": SIGNED_IN, "PATCH": TRAINERS},
    "api_sessions.CancelSession": TRAINERS,
    # Bookings: anyone books themselves; others per `can_book_for` / `can_cancel` in the handler.
    "api_bookings.SessionBookings": SIGNED_IN,
    "api_bookings.CancelBooking": SIGNED_IN,
}

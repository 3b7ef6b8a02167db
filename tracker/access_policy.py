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
    # --- Finding sessions and booking (booking/) ------------------------------------------------------
    # --- Registers, training records, imports (attendance/) -------------------------------------------
    # --- Coverage, my team, partner returns, board report (coverage/) -------------------------------
    "coverage.coverage_report": COVERAGE_READERS,
    "coverage.department_detail": COVERAGE_READERS,
    "coverage.export_csv": COVERAGE_READERS,
    "coverage.my_team": MANAGERS,
    "coverage.book_untrained": MANAGERS,
    # --- Invites, outbox, calendar feeds (invites/) ---------------------------------------------------
    # --- Training requests and public booking (requests/) ---------------------------------------------
    # --- Audit log and data protection (audit/) -------------------------------------------------------
    # --- JSON API (api/): the OpenAPI document is public; resources need a bearer token -----------
    "api-docs.openapi_json": PUBLIC,
    "api_organisations.Organisations": {"GET": SIGNED_IN, "POST": COORDINATOR},
    "api_coverage.Coverage": COVERAGE_READERS,
}

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
    # Coordinator only: these pages hold everyone's personal details. Managers see their team on the
    # coverage pages; partner contacts their organisation's people through booking.
    "people.list_organisations": COORDINATOR,
    "people.new_organisation": COORDINATOR,
    "people.organisation": COORDINATOR,
    "people.edit_organisation": COORDINATOR,
    "people.mark_reviewed": COORDINATOR,
    "people.new_department": COORDINATOR,
    "people.department": COORDINATOR,
    "people.rename_department": COORDINATOR,
    "people.add_manager": COORDINATOR,
    "people.remove_manager": COORDINATOR,
    "people.list_people": COORDINATOR,
    "people.new_person": COORDINATOR,
    "people.person": COORDINATOR,
    "people.edit_person": COORDINATOR,
    "people.move_person": COORDINATOR,
    "people.mark_leaver": COORDINATOR,
    "people.cancel_leaving": COORDINATOR,
    "people.roster_import": COORDINATOR,
    # --- User accounts (accounts/) ------------------------------------------------------------------
    "accounts.list_users": COORDINATOR,
    "accounts.new_user": COORDINATOR,
    "accounts.user": COORDINATOR,
    "accounts.edit_roles": COORDINATOR,
    "accounts.disable_user": COORDINATOR,
    "accounts.enable_user": COORDINATOR,
    "accounts.set_password": COORDINATOR,
    # --- Courses, requirements, sessions, trainers (courses/) -----------------------------------------
    "courses.list_courses": COORDINATOR,
    "courses.new_course": COORDINATOR,
    "courses.course": COORDINATOR,
    "courses.edit_course": COORDINATOR,
    "courses.add_equivalent": COORDINATOR,
    "courses.remove_equivalent": COORDINATOR,
    "courses.list_requirements": COORDINATOR,
    "courses.new_requirement": COORDINATOR,
    "courses.remove_requirement": COORDINATOR,
    # --- Finding sessions and booking (booking/) ------------------------------------------------------
    # --- Registers, training records, imports (attendance/) -------------------------------------------
    # --- Coverage, my team, partner returns, board report (coverage/) -------------------------------
    # --- Invites, outbox, calendar feeds (invites/) ---------------------------------------------------
    # --- Training requests and public booking (requests/) ---------------------------------------------
    # --- Audit log and data protection (audit/) -------------------------------------------------------
    # --- JSON API (api/): the OpenAPI document is public; resources need a bearer token -----------
    "api-docs.openapi_json": PUBLIC,
    "api_organisations.Organisations": {"GET": SIGNED_IN, "POST": COORDINATOR},
    "api_organisations.Departments": {"GET": SIGNED_IN, "POST": COORDINATOR},
    # People hold personal data: coordinators see everyone, managers their team, partner contacts
    # their own organisation (the handlers narrow lists and refuse other people with 403).
    "api_people.People": {"GET": BOOKERS, "POST": COORDINATOR},
    "api_people.PersonById": {"GET": BOOKERS, "PATCH": COORDINATOR},
    "api_courses.Courses": {"GET": SIGNED_IN, "POST": COORDINATOR},
    "api_courses.Requirements": {"GET": SIGNED_IN, "POST": COORDINATOR},
}

"""The access policy table: every endpoint of the app, pages and API, with who may use it.

Enforced before every request (deny by default, see tracker.accounts.permissions). A route missing
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
    "auth.change_password": SIGNED_IN,
    # Emailed single-use links: asking is public (the same answer for any address, rate-limited); the
    # token in the address is the credential for choosing a password or signing in (links.py).
    "links.forgotten_password": PUBLIC,
    "links.ask_for_sign_in_link": PUBLIC,
    "links.check_email": PUBLIC,
    "links.choose_password": PUBLIC,
    "links.sign_in_with_link": PUBLIC,
    # Sign-in with an organisation's account: the start only redirects (state kept in the cookie); the callback
    # checks that state, the nonce and PKCE (Authlib) before anything is written.
    "oidc.start": PUBLIC,
    "oidc.callback": PUBLIC,
    # --- Home ---------------------------------------------------------------------------------------
    "main.home": SIGNED_IN,
    "main.health": PUBLIC,
    "main.ready": PUBLIC,  # counts only; the nginx site lets only monitoring addresses reach it
    "main.accessibility": PUBLIC,
    "main.privacy": PUBLIC,
    "main.api_reference": PUBLIC,  # the OpenAPI document as a page: no more than /api/v1/openapi.json shows
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
    "accounts.send_password_link": COORDINATOR,
    # --- Courses, requirements, sessions, trainers (courses/) -----------------------------------------
    "trainers.list_trainers": COORDINATOR,
    "trainers.add_trainee": COORDINATOR,
    "trainers.accredit": COORDINATOR,
    "trainers.trainer_detail": TRAINERS,  # object check: their own pathway, or the coordinator
    "courses.list_courses": COORDINATOR,
    "courses.new_course": COORDINATOR,
    "courses.add_standard_courses": COORDINATOR,
    "courses.course": COORDINATOR,
    "courses.edit_course": COORDINATOR,
    "courses.add_equivalent": COORDINATOR,
    "courses.remove_equivalent": COORDINATOR,
    "courses.list_requirements": COORDINATOR,
    "courses.new_requirement": COORDINATOR,
    "courses.remove_requirement": COORDINATOR,
    # Sessions: trainers and the coordinator; object check `session_queries.can_manage_session` (a trainer
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
    "booking.cancel_booking": SIGNED_IN,
    # Holding places for organisations (seat quotas) is the coordinator's: it decides who may book.
    "quotas.held_places": COORDINATOR,
    "quotas.release_places": COORDINATOR,
    "booking.book_team": roles(Role.MANAGER),
    "booking.book_people": COORDINATOR,
    "booking.partner_attendees": roles(Role.PARTNER),
    # --- My training (my_training/): one's own places, requirements, record and feed -----------------------
    "my_training.show": SIGNED_IN,
    # --- Registers, training records, imports (attendance/) -------------------------------------------
    # Trainers pass the gate; the register's own trainers only (lead or co-trainer marks, an observer
    # reads) are let in by can_view_register / can_mark_register. Reopening and records: coordinator.
    "attendance.register": TRAINERS,
    "attendance.mark": TRAINERS,
    "attendance.mark_all": TRAINERS,
    "attendance.walk_in": TRAINERS,
    "attendance.new_walk_in": TRAINERS,
    "attendance.sign_off": TRAINERS,
    "attendance.sign_in_sheet": TRAINERS,
    "attendance.reopen": COORDINATOR,
    "attendance.import_training_records": COORDINATOR,
    "attendance.person_records": COORDINATOR,
    "attendance.add_evidence": COORDINATOR,
    "attendance.remove_record": COORDINATOR,
    # --- Certificates of attendance and attendee lists (certificates/, sessions/attendee_routes) ----------
    # Issuing and downloading: the person the record is about and the coordinator (`can_have_certificate`).
    "certificates.issue": SIGNED_IN,
    "certificates.download": SIGNED_IN,
    # The code in the address is what the holder hands out; it shows initial, surname, course and dates only.
    "certificates.check": PUBLIC,
    # A session's bookings and attendance: its delivering trainers and the coordinator (`can_manage_session`).
    "attendee_list.export_csv": TRAINERS,
    "attendee_list.export_xlsx": TRAINERS,
    # --- Post-session evaluation (evaluations/) ----------------------------------------------------------
    # The token in the emailed link is the credential (only its hash is stored); the answers name nobody.
    "evaluations.give_feedback": PUBLIC,
    "evaluations.feedback_sent": PUBLIC,
    # Results by course, trainer and period: the coordinator's (small groups are suppressed in any case).
    "evaluations.evaluation_results": COORDINATOR,
    # --- Self check-in (checkin/) ---------------------------------------------------------------------------
    # The code screen and the register's arrivals: whoever may see the register (`can_view_register`).
    "checkin.show_code": TRAINERS,
    "checkin.arrivals": TRAINERS,
    # Attendees: the rotating code shown in the room, then the signed pass in the address, let them reach the
    # check-in page; they then sign in, or confirm a code emailed to their booked address (rate-limited).
    "checkin.start": PUBLIC,
    "checkin.check_in": PUBLIC,
    "checkin.ask_for_email_code": PUBLIC,
    "checkin.enter_email_code": PUBLIC,
    # --- Coverage, my team, partner returns, board report (coverage/) -------------------------------
    "returns.list_returns": PARTNERS,  # a partner sees their own organisation's only
    "returns.submit_return": PARTNERS,  # object check in the service: own organisation, or the coordinator
    "returns.return_detail": PARTNERS,  # object check: own organisation, or the coordinator
    "coverage.coverage_report": COVERAGE_READERS,
    "coverage.department_detail": COVERAGE_READERS,
    "coverage.export_csv": COVERAGE_READERS,
    "coverage.my_team": MANAGERS,
    "coverage.book_untrained": MANAGERS,
    "coverage.booked_untrained": MANAGERS,  # what the manager's own booking just did (kept in their session)
    "refreshers.digest_preference": MANAGERS,  # the manager's own weekly email (refreshers/)
    # The board report and demand planning: the coordinator's (every organisation's figures and requests).
    "board.board_report": COORDINATOR,
    "board.export_csv": COORDINATOR,
    "board.export_xlsx": COORDINATOR,
    "board.demand_planning": COORDINATOR,
    "board.not_reached": COORDINATOR,
    # --- Invites, outbox, calendar feeds (invites/) ---------------------------------------------------
    "invites.outbox": COORDINATOR,
    "invites.outbox_message": COORDINATOR,
    "invites.outbox_message_html": COORDINATOR,
    "invites.retry_message": COORDINATOR,
    "invites.calendar_feed": SIGNED_IN,
    "invites.create_calendar_feed": SIGNED_IN,
    "invites.revoke_calendar_feed": SIGNED_IN,
    # The secret in the address is the credential (calendar apps cannot sign in); unknown or revoked: 404.
    "invites.feed": PUBLIC,
    # --- Training requests and public booking (requests/) ---------------------------------------------
    "requests.request_training": PUBLIC,
    "requests.request_sent": PUBLIC,
    "requests.list_requests": COORDINATOR,
    "requests.request_detail": COORDINATOR,
    "requests.schedule_session": COORDINATOR,
    # Booking without an account: the signed link token is the credential for confirm and cancel.
    "public.list_sessions": PUBLIC,
    "public.book": PUBLIC,
    "public.check_email": PUBLIC,
    "public.confirm_request": PUBLIC,  # the signed, timed link emailed to the address that asked
    "public.confirm_place": PUBLIC,
    "public.cancel_place": PUBLIC,
    # --- Audit log and data protection (audit/) -------------------------------------------------------
    "audit.audit_log": COORDINATOR,
    "audit.export_json": COORDINATOR,
    "audit.export_csv": COORDINATOR,
    # --- JSON API (api/): the OpenAPI document is public; resources need a bearer token -----------
    "api-docs.openapi_json": PUBLIC,
    "api_organisations.Organisations": {"GET": SIGNED_IN, "POST": COORDINATOR},
    "api_returns.PartnerReturns": PARTNERS,  # object check: a partner's own organisation
    "api_attendance.SessionAttendance": TRAINERS,
    "api_attendance.RegisterSignOff": TRAINERS,
    "api_organisations.Departments": {"GET": SIGNED_IN, "POST": COORDINATOR},
    # People hold personal data: coordinators see everyone, managers their team, partner contacts
    # their own organisation (the handlers narrow lists and refuse other people with 403).
    "api_people.People": {"GET": BOOKERS, "POST": COORDINATOR},
    "api_people.PersonById": {"GET": BOOKERS, "PATCH": COORDINATOR},
    "api_courses.Courses": {"GET": SIGNED_IN, "POST": COORDINATOR},
    "api_courses.Requirements": {"GET": SIGNED_IN, "POST": COORDINATOR},
    # Sessions: anyone reads (drafts only their team); trainers and the coordinator create; changing or
    # cancelling one is for the trainers who deliver it and the coordinator (object check in the handler).
    "api_sessions.Sessions": {"GET": SIGNED_IN, "POST": TRAINERS},
    "api_sessions.SessionById": {"GET": SIGNED_IN, "PATCH": TRAINERS},
    "api_sessions.CancelSession": TRAINERS,
    "api_held_places.HeldPlaces": COORDINATOR,
    # Bookings: anyone books themselves; others per `can_book_for` / `can_cancel` in the handler.
    "api_bookings.SessionBookings": SIGNED_IN,
    "api_bookings.CancelBooking": SIGNED_IN,
    "api_coverage.Coverage": COVERAGE_READERS,
    "api_board.BoardReport": COORDINATOR,
    # Certificates: the record's person or the coordinator (handler check); attendee lists: as on the pages.
    "api_certificates.RecordCertificate": SIGNED_IN,
    "api_certificates.RecordCertificatePdf": SIGNED_IN,
    "api_attendees.SessionAttendees": TRAINERS,
    "api_attendees.SessionAttendeesCsv": TRAINERS,
    "api_attendees.SessionAttendeesXlsx": TRAINERS,
    "api_evaluations.Evaluations": COORDINATOR,
}

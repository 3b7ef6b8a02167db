"""What a signed-in person can do, derived from the access policy so links never outrun permissions."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for

from tracker.accounts.permissions import access_for


@dataclass(frozen=True)
class Task:
    endpoint: str
    label: str
    description: str
    #: Shown in the service navigation bar as well as on the home page.
    in_nav: bool = False


#: Home-page tasks in the order a person meets them; each appears only if the policy lets them in.
TASKS: list[Task] = [
    Task(
        "booking.list_sessions",
        "Find a session",
        "Browse upcoming WRAP and other Prevent sessions and book a place.",
        True,
    ),
    Task(
        "my_training.show",
        "My training",
        "Your bookings, waiting list places, training record and calendar feed.",
        True,
    ),
    Task("coverage.my_team", "My team", "Who in your team is trained, expiring or never trained; book them on.", True),
    Task("sessions.my_sessions", "Sessions I deliver", "Create, publish and edit your sessions; open registers.", True),
    Task(
        "booking.partner_attendees",
        "Book your organisation's staff",
        "Book named attendees from your organisation.",
        False,
    ),
    Task(
        "returns.list_returns", "Compliance returns", "Submit your organisation's quarterly compliance figures.", True
    ),
    Task(
        "coverage.coverage_report",
        "Coverage",
        "Trained against required, per organisation and department, as of any date.",
        True,
    ),
    Task("board.board_report", "Board report", "The Health and Wellbeing Board report for a period.", True),
    Task(
        "evaluations.evaluation_results",
        "Session feedback",
        "What attendees said about sessions: confidence before and after, usefulness, trainers.",
        False,
    ),
    Task(
        "board.demand_planning",
        "Demand planning",
        "Sessions to plan so each department reaches the target by a date.",
        False,
    ),
    Task(
        "people.list_organisations",
        "Organisations and people",
        "Organisations, departments, people and roster imports.",
        True,
    ),
    Task(
        "attendance.import_training_records",
        "Import training records",
        "Bring in historic training records from a CSV file.",
        False,
    ),
    Task(
        "courses.list_courses",
        "Courses and requirements",
        "Courses, validity, targets and who must complete them.",
        False,
    ),
    Task("trainers.list_trainers", "Trainers", "Trainers and trainees on the pathway.", False),
    Task("accounts.list_users", "User accounts", "Sign-ins and roles.", False),
    Task("requests.list_requests", "Training requests", "Requests from organisations asking for training.", True),
    Task("invites.outbox", "Outbox", "Every email the service has sent or will send.", True),
    Task("audit.audit_log", "Audit log", "Who did what, and when.", False),
]


def tasks_for(user) -> list[Task]:
    """The tasks the policy lets `user` in to (worked out once per set of roles: every page's navigation
    asks, and the answer depends on nothing else)."""
    if user is None or not user.is_authenticated:
        return []
    known: dict[frozenset, list[Task]] = current_app.extensions.setdefault("tracker.tasks_by_roles", {})
    held = user.roles
    if held not in known:
        known[held] = [task for task in TASKS if _allowed(task, user)]
    return known[held]


def _allowed(task: Task, user) -> bool:
    if task.endpoint not in current_app.view_functions:
        return False
    access = access_for(task.endpoint, "GET")
    return access is not None and access.allows(user)


def service_navigation(user) -> list[dict]:
    """Items for the service navigation (base.html, GOV.UK markup): the tasks marked for the bar. The current
    page's task is marked; a page with no task of its own (one training request, demand planning) marks the
    bar's task of its blueprint, when there is just one."""
    current = request.endpoint or ""
    in_nav = [task for task in tasks_for(user) if task.in_nav]
    active = {task.endpoint for task in in_nav if task.endpoint == current}
    if not active:
        same_blueprint = {task.endpoint for task in in_nav if task.endpoint.split(".")[0] == request.blueprint}
        active = same_blueprint if len(same_blueprint) == 1 else set()
    return [{"href": url_for(task.endpoint), "text": task.label, "active": task.endpoint in active} for task in in_nav]

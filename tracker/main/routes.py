"""Home page, health checks and the statements every service publishes."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.main.navigation import tasks_for
from tracker.main.readiness import check_readiness

bp = Blueprint("main", __name__)


@bp.route("/")
def home() -> ResponseReturnValue:
    """The home page: the tasks this person's roles allow."""
    return render_template("main/home.html", tasks=tasks_for(current_user))


@bp.route("/healthz")
def health() -> ResponseReturnValue:
    """Liveness: this process answers (nothing else is asked, so a database outage does not get it restarted)."""
    return {"status": "ok"}


@bp.route("/readyz")
def ready() -> ResponseReturnValue:
    """Readiness: database, migrations at head, outbox worker heartbeat, backlog; 503 unless all is well."""
    result = check_readiness()
    return result.as_json(), 200 if result.ready else 503


@bp.route("/accessibility")
def accessibility() -> ResponseReturnValue:
    """Accessibility statement."""
    return render_template("main/accessibility.html")


@bp.route("/privacy")
def privacy() -> ResponseReturnValue:
    """Privacy notice: what is held, why, and for how long."""
    return render_template("main/privacy.html")


@bp.app_context_processor
def layout_context() -> dict:
    from flask import current_app, g

    from tracker.main.navigation import service_navigation

    # Context processors run for every render_template of a request, and every GOV.UK form field is one
    # (govuk_frontend_wtf renders each through a template): work out the navigation once per request.
    if "nav_items" not in g:
        g.nav_items = service_navigation(current_user)
    return {
        "service_name": "Prevent training",
        "organisation_brand": current_app.config.get("TRACKER_BRAND", "London Borough of Barnet"),
        "nav_items": g.nav_items,
    }

"""Home page, health checks and the statements every service publishes."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.main import statements
from tracker.main.api_reference import reference_for
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
    """Accessibility statement (GOV.UK's model), with the council's contact details from configuration."""
    return render_template(
        "main/accessibility.html",
        council=statements.council_from_config(current_app.config),
        statements=statements,
    )


@bp.route("/privacy")
def privacy() -> ResponseReturnValue:
    """Privacy notice: who holds what, why, for how long (RETENTION_MONTHS, as the purge), rights, complaints."""
    return render_template("main/privacy.html", council=statements.council_from_config(current_app.config))


@bp.route("/api-reference")
def api_reference() -> ResponseReturnValue:
    """The JSON API for people: every operation of the OpenAPI document, with its permission and schemas."""
    return render_template("main/api_reference.html", reference=reference_for(current_app))


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
        "organisation_brand": current_app.config["TRACKER_COUNCIL_NAME"],
        "nav_items": g.nav_items,
    }

"""Prevent Training Tracker: the Flask application factory."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import Config, config_from_environment
from tracker.common.types import MAX_ID

ROOT = Path(__file__).resolve().parent.parent


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every route: an id beyond a 32-bit integer cannot exist, so it is a 404 at routing
    rather than a database error (PostgreSQL refuses such a number in an `integer` comparison)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config: Config | type[Config] | None = None) -> Flask:
    """Build the app: configuration, extensions, templates, blueprints, policies, errors and commands."""
    config = config or config_from_environment()
    if isinstance(config, type):
        config = config()
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=None,
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config)
    _refuse_mistakes(app, config)
    app.config.setdefault("RATELIMIT_STORAGE_URI", config.ratelimit_storage_uri())
    hops = app.config.get("TRACKER_PROXY_HOPS") or 0
    if hops:
        # Only the last `hops` entries of X-Forwarded-For were written by our proxies; anything before them came
        # from the client and is ignored. The same count applies to X-Forwarded-Proto (HTTPS redirect, HSTS).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from tracker.common import observability

    observability.init_app(app)  # JSON logs with a request id; Sentry when SENTRY_DSN is set

    _init_templates(app)
    _init_extensions(app)
    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    _register_blueprints(app)
    _register_assets(app)

    from tracker import security

    security.init_app(app)
    from tracker import errors

    errors.init_app(app)
    from tracker import cli

    cli.init_app(app)
    from tracker.invites import services as invites

    invites.init_app(app)  # booking and session events -> the email outbox
    from tracker.evaluations import invitations as evaluations

    evaluations.init_app(app)  # a register signed off -> evaluation requests in the outbox
    from tracker.common import macros

    macros.init_app(app)  # last: the macros see the Jinja globals as they are now (csrf_token among them)
    return app


class ConfigurationError(RuntimeError):
    """The configuration cannot run the service safely; the message names every problem and its fix."""


def _refuse_mistakes(app: Flask, config: Config) -> None:
    if not app.config.get("SECRET_KEY"):
        raise ConfigurationError("SECRET_KEY is not set: set it in the environment (see README, Configuration).")
    if app.config["ENV_NAME"] == "production":
        problems = config.problems()
        if problems:
            raise ConfigurationError(
                "The production configuration is not safe to start (see docs/deploy.md):\n- " + "\n- ".join(problems)
            )


def _init_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    from tracker.common import filters
    from tracker.courses import display

    filters.init_app(app)
    display.init_app(app)


def _init_extensions(app: Flask) -> None:
    from tracker import models  # noqa: F401  (every model known to SQLAlchemy and Alembic)
    from tracker.common import unit_of_work
    from tracker.common.database import configure_engine
    from tracker.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    unit_of_work.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from tracker.accounts.session import init_login

    init_login(app)
    from tracker.accounts import oidc

    oidc.init_app(app)  # refuses to start on a misconfigured OpenID Connect provider


#: Modules with a `bp` Blueprint, registered in this order (one line each: several people add to it).
BLUEPRINT_MODULES = [
    "tracker.accounts.routes",
    "tracker.accounts.link_routes",
    "tracker.main.routes",
    "tracker.audit.routes",
    "tracker.courses.trainer_routes",
    "tracker.coverage.return_routes",
    "tracker.requests.routes",
    "tracker.requests.public_routes",
    "tracker.invites.routes",
    "tracker.attendance.routes",
    "tracker.people.routes",
    "tracker.accounts.admin_routes",
    "tracker.courses.routes",
    "tracker.sessions.routes",
    "tracker.booking.routes",
    "tracker.booking.quota_routes",
    "tracker.my_training.routes",
    "tracker.coverage.routes",
    "tracker.coverage.board_routes",
    "tracker.refreshers.routes",
    "tracker.accounts.oidc_routes",
    "tracker.certificates.routes",
    "tracker.sessions.attendee_routes",
    "tracker.evaluations.routes",
    "tracker.checkin.routes",
]


def _register_blueprints(app: Flask) -> None:
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(import_module(name).bp)

    from tracker.api import init_api

    init_api(app)


def _register_assets(app: Flask) -> None:
    from tracker.common import assets

    assets.init_app(app)

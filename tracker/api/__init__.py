"""The JSON API under /api/v1: flask-smorest resources over the same services as the pages.

- Authentication: `Authorization: Bearer <token>` (tracker.accounts.permissions); no cookies, so no CSRF token.
- Permissions: the access policy table (tracker/access_policy.py), as for pages; object checks in services.
- Errors: `{"error": {"code", "message", "fields"}}` with 400/401/403/404/409/422 (tracker.errors).
- Lists: `{"items": [...], "total": N}` with `page` and `per_page` (up to 500) — see tracker.api.common.
- The OpenAPI document is generated at /api/v1/openapi.json from the schemas and decorators.

Each resource group is a module here with its own `blp` (a flask_smorest.Blueprint named `api_<thing>`);
add it to RESOURCE_MODULES.
"""

from __future__ import annotations

from importlib import import_module

import marshmallow as ma
from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api

#: Modules under tracker.api, each exposing `blp`.
RESOURCE_MODULES = [
    "organisations",
    "returns",
    "attendance",
    "people",
    "courses",
    "sessions",
    "held_places",
    "bookings",
    "coverage",
    "board",
    "certificates",
    "attendees",
    "evaluations",
]


class ApiErrorDetail(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw())


class ApiErrorSchema(ma.Schema):
    """The error body of every API response with a 4xx or 5xx status."""

    error = ma.fields.Nested(ApiErrorDetail, required=True)


class CommonResponses(BasePlugin):
    """Document the error statuses every operation shares, from what the app enforces for all of them.

    - 401: every operation needs a bearer token.
    - 403: the access policy allows only some roles for this endpoint and method.
    - 404: the path names an object by id.
    - 400: text holding a NUL character (tracker.common.security), or a body that is not JSON.

    Statuses particular to an operation (409, a 403 from an object check, 422 from a rule) are declared
    on it with `alt_response`. There is no catch-all "default" response, so the schema says exactly which
    statuses each operation answers (schemathesis holds the API to it).
    """

    def operation_helper(self, path=None, operations=None, **kwargs):
        from tracker.accounts.permissions import access_for

        rule = kwargs.get("rule")
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", "UNAUTHORIZED")
            access = access_for(rule.endpoint, method.upper()) if rule is not None else None
            if access is not None and access.roles:
                responses.setdefault("403", "FORBIDDEN")
            if rule is not None and rule.arguments:
                responses.setdefault("404", "NOT_FOUND")
            responses.setdefault("400", "BAD_REQUEST")


class TrackerApi(Api):
    ERROR_SCHEMA = ApiErrorSchema
    #: No catch-all response: CommonResponses and each operation's alt_response list every status.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        """Errors are rendered by tracker.errors for the whole app (JSON under /api/, pages elsewhere)."""


def init_api(app: Flask) -> TrackerApi:
    from tracker.extensions import csrf

    app.config.update(
        API_TITLE="Prevent Training Tracker API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "servers": [{"url": "/"}],
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{"bearerAuth": []}],
            "info": {
                "description": "Bearer tokens come from `flask --app wsgi tokens create EMAIL`. "
                "The token's user's roles apply, as on the pages."
            },
        },
    )
    api = TrackerApi(app, spec_kwargs={"extra_plugins": [CommonResponses()]})
    for name in RESOURCE_MODULES:
        blueprint = import_module(f"tracker.api.{name}").blp
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
        csrf.exempt(blueprint)
    return api

"""Error pages (GOV.UK style) for people, JSON errors for the API; never a stack trace."""

from __future__ import annotations

from flask import Flask, flash, make_response, redirect, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import NoResultFound, OperationalError
from werkzeug.exceptions import HTTPException

from tracker.common.errors import TrackerError
from tracker.common.permissions import is_api_request
from tracker.common.unit_of_work import keep_despite_error
from tracker.extensions import db

API_CODES = {
    400: "bad_request",
    401: "unauthorised",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def api_error(status: int, message: str, *, code: str | None = None, fields: dict | None = None):
    body = {"error": {"code": code or API_CODES.get(status, "error"), "message": message, "fields": fields or {}}}
    response = (body, status)
    if status == 401:
        return body, status, {"WWW-Authenticate": 'Bearer realm="api"'}
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        db.session.rollback()
        if is_api_request():
            return api_error(400, error.description)
        flash("The form had expired or was sent from somewhere else. Nothing was changed: please try again.", "error")
        return render_template("errors/400.html", message=error.description), 400

    @app.errorhandler(NoResultFound)
    def no_result(_error):
        db.session.rollback()
        return _http_error(404, "Not found")

    @app.errorhandler(TrackerError)
    def tracker_error(error: TrackerError):
        db.session.rollback()
        if is_api_request():
            fields = {error.field: [error.message]} if error.field else {}
            return api_error(error.status, error.message, code=error.code, fields=fields)
        return render_template("errors/rule.html", message=error.message, status=error.status), error.status

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        db.session.rollback()
        app.logger.error("Database error: %s", error)
        if is_api_request():
            return api_error(503, "The database is unavailable. Nothing was changed; try again shortly.")
        return render_template("errors/503.html"), 503

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code >= 500:
            db.session.rollback()
        if error.code == 429:
            from tracker.common.audit import record_event

            db.session.rollback()
            record_event(
                "auth.rate_limited",
                actor_label=request.form.get("email") or request.remote_addr,
                after={"path": request.path},
            )
            keep_despite_error()
        response = make_response(_http_error(error.code or 500, error.description, error))
        for name, value in error.get_headers():
            if name in KEPT_ERROR_HEADERS:  # a 405 says which methods are allowed
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return _http_error(500, "Sorry, there is a problem with the service")


#: Headers of an HTTP error that the rendered page or JSON error keeps.
KEPT_ERROR_HEADERS = frozenset({"Allow", "Retry-After", "WWW-Authenticate"})


def _validation_fields(error: HTTPException) -> dict:
    """webargs puts field errors in error.data["messages"], by location ("json", "query"): merge them."""
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    fields: dict = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            fields.update(location_errors)
    return fields


def _http_error(status: int, description: str | None, error: HTTPException | None = None):
    if is_api_request():
        fields = _validation_fields(error) if error is not None else {}
        message = "Some fields are not valid: see fields" if fields else (description or API_CODES.get(status, "error"))
        return api_error(status, message, fields=fields)
    if status == 401:
        return redirect("/sign-in")
    if request_ctx.url_adapter is None:  # refused before routing (e.g. an untrusted Host): no URLs to build
        return f"{status} {description or ''}", status, {"Content-Type": "text/plain; charset=utf-8"}
    template = f"errors/{status}.html" if status in (400, 403, 404, 405, 413, 429, 500, 503) else "errors/generic.html"
    return render_template(template, status=status, description=description), status

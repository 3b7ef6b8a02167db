"""What an operator sees: one log line per event (JSON in production) carrying the request's id, the id in the
`X-Request-Id` response header, one line per request, and errors sent to Sentry when `SENTRY_DSN` is set.

The request id is nginx's (`X-Request-Id`, which the shipped site sets on every request it passes on) when it
looks like one, else a new one: the same id is in nginx's access log, every line the app logs while serving the
request, the response header, and the Sentry event, so one complaint ("it failed at 10:02", with the id from the
error page's response) leads to every line about it.

Nothing personal is logged by this module: a request's line names its route's pattern (`/feed/<token>.ics`, not
the token), never its query string, form or cookies; Sentry events are scrubbed the same way (`scrub_event`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler
from flask.wrappers import Response

REQUEST_ID_HEADER = "X-Request-Id"
#: An id from the proxy is kept only if it is this shape (nginx's $request_id is 32 hex digits).
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_EMAIL = re.compile(r"[^\s@\"'<>()]+@[^\s@\"'<>()]+\.[A-Za-z]{2,}")
_HANDLER_MARK = "_tracker_handler"
request_log = logging.getLogger("tracker.request")


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record ("-" outside a request: CLI commands, the outbox worker)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request_id, extra fields, exception."""

    STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id() or "-",
        }
        for key, value in record.__dict__.items():
            if key not in self.STANDARD and key not in line and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(log_format: str, level: str = "INFO") -> None:
    """Send every logger's records to standard error (journald keeps them) in one format, once per process."""
    root = logging.getLogger()
    if any(getattr(h, _HANDLER_MARK, False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin at every start


def _incoming_id() -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _SAFE_ID.match(given) else uuid.uuid4().hex


def scrub_text(text: str) -> str:
    return _EMAIL.sub("[email]", text)


def scrub_event(event: dict, _hint: dict | None = None) -> dict:
    """Sentry's `before_send`: keep what locates the fault (route, method, stack, request id), drop what names
    a person (cookies, headers, form and JSON bodies, query strings, the user, email addresses in messages)."""
    req = event.get("request")
    if isinstance(req, dict):
        url = str(req.get("url") or "")
        event["request"] = {"method": req.get("method"), "url": url.split("?", 1)[0]}
    event.pop("user", None)
    event.pop("breadcrumbs", None)
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = scrub_text(exception["value"])
    if isinstance(event.get("message"), str):
        event["message"] = scrub_text(event["message"])
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        for key in ("message", "formatted"):
            if isinstance(logentry.get(key), str):
                logentry[key] = scrub_text(logentry[key])
        logentry.pop("params", None)
    return event


def init_sentry(app: Flask) -> None:
    """Errors to Sentry, scrubbed; no performance tracing, no local variables, no breadcrumbs, no PII."""
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=app.config["SENTRY_DSN"],
        environment=app.config.get("SENTRY_ENVIRONMENT") or "production",
        integrations=[FlaskIntegration()],
        # No user, no request bodies, no local variables or source lines (they may hold names and emails); the rest
        # goes through `scrub_event`.
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "stack_frame_variables": False,
            "frame_context_lines": 0,
        },
        max_breadcrumbs=0,
        traces_sample_rate=0,
        before_send=scrub_event,
    )

    @app.before_request
    def _tag_request_id() -> None:
        sentry_sdk.get_isolation_scope().set_tag("request_id", g.request_id)


def init_app(app: Flask) -> None:
    # `make run` keeps the development server's own output as it was; tests keep pytest's capture.
    if not app.config.get("TESTING") and app.config.get("ENV_NAME") != "development":
        configure_logging(app.config.get("TRACKER_LOG_FORMAT") or "json", app.config.get("TRACKER_LOG_LEVEL") or "INFO")
        app.logger.removeHandler(default_handler)

    @app.before_request
    def _start() -> None:
        g.request_id = _incoming_id()
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
            started = g.get("request_started")
            request_log.info(
                "%s %s %s",
                request.method,
                request.url_rule.rule if request.url_rule else "(no route)",
                response.status_code,
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "route": request.url_rule.rule if request.url_rule else None,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                    "client": request.remote_addr,
                },
            )
        return response

    if app.config.get("SENTRY_DSN"):
        init_sentry(app)

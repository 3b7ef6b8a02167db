"""One unit of work per request, CLI command and worker step: services flush, and this commits once at the end.

A request that answers below 400 commits; an error answer (a `TrackerError` or any exception, turned into a
page or a JSON error by `tracker.errors`) rolls back. A route that catches a rule's error and answers with
the form again rolls back itself before answering (`db.session.rollback()`), so nothing half-done is kept.
An error answer that records what was refused (a denied page, a refused sign-in) rolls back, records, and
calls `keep_despite_error()`.
CLI commands and the outbox worker use `unit_of_work()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app, g
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import db


def init_app(app: Flask) -> None:
    @app.after_request
    def _end_unit_of_work(response: Response) -> Response:
        session = db.session()
        if response.status_code < 400 or g.get("keep_despite_error"):
            session.expire_on_commit = False  # the page is made; the session ends with the request
            try:
                session.commit()
            except SQLAlchemyError as error:  # the connection was lost, say: answered as any database error
                session.rollback()
                return current_app.make_response(current_app.handle_user_exception(error))
        else:
            session.rollback()
        return response


def keep_despite_error() -> None:
    """This request answers with an error but commits what the session holds now: the record of what was
    refused (roll back the rest first)."""
    g.keep_despite_error = True


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block did, or roll it all back if it raised."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()

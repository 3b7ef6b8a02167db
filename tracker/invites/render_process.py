"""The outbox worker's renderer: a process of its own that turns claimed rows into the bytes sent.

Rendering a message (two templates, the .ics with icalendar, the MIME message and its flattening) costs more
CPU than talking SMTP, and a thread cannot overlap the two under one GIL. So `outbox work` forks one child
with its app when it first has mail to send; the child renders the batch's rows in order, a few at a time,
while the worker sends the ones already rendered over its one SMTP connection (bench/results.md, issue 15:
the worker went from 0.6 to about 1.0 of a bare smtplib loop).

The child only renders: it never touches the database (its inherited connections are let go unused,
`engine.dispose(close=False)`, as SQLAlchemy advises after a fork), and a row it cannot render comes back
with the reason instead of its bytes.
"""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import Message
from types import SimpleNamespace

from flask import Flask, current_app
from sqlalchemy import Row

from tracker.extensions import db
from tracker.invites.emails import build_message, message_id_for, render_outgoing, sender_address

#: Rows handed to the child at a time: fewer round trips between the processes, and the first message
#: still goes out after rendering a handful.
ROWS_PER_HANDOVER = 10


@dataclass(frozen=True)
class Rendered:
    """One claimed row ready to send (its bytes, as smtplib's `send_message` would flatten it), or why not. They
    come back in the order of the rows given."""

    recipient_email: str = ""
    message_id: str = ""
    data: bytes = b""
    error: str | None = None


def smtp_bytes(message: Message) -> bytes:
    """The message flattened as `smtplib.SMTP.send_message` flattens it. (Addresses are ASCII: `build_message`
    refuses any other, and such a row fails as not rendered, on the Outbox page.)"""
    with io.BytesIO() as out:
        BytesGenerator(out).flatten(message, linesep="\r\n")
        return out.getvalue()


def render_for_sending(columns: dict) -> Rendered:
    """Render one claimed row (its columns) to what is sent. Runs in the child, within the app's context."""
    row = SimpleNamespace(**columns)
    try:
        email = render_outgoing(row)
        sender = current_app.config["MAIL_DEFAULT_SENDER"]
        from_address = sender_address(sender).addr_spec
        message = build_message(email, sender=sender)
        data = smtp_bytes(message)
    except Exception as error:  # a row that cannot be rendered never will be: it fails, on the Outbox page
        current_app.logger.exception("Outbox message %s could not be rendered", row.id)
        return Rendered(error=f"Not rendered: {error!r}")
    return Rendered(email.recipient_email, message_id_for(email, from_address), data)


def _enter(app: Flask) -> None:
    """The child's start: the app's context for the templates and settings, none of the parent's connections."""
    app.app_context().push()
    db.engine.dispose(close=False)


class RenderProcess:
    """The child that renders, forked with the worker's app on first use and stopped by `close()`."""

    def __init__(self, app: Flask) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=_enter, initargs=(app,)
        )

    def render(self, rows: Sequence[Row]) -> Iterator[Rendered]:
        """The rows rendered, in their order, as the child finishes them. Closing the iterator early drops
        the rows not yet rendered."""
        return self._pool.map(render_for_sending, [dict(row._mapping) for row in rows], chunksize=ROWS_PER_HANDOVER)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

"""The coordinator's Outbox pages, a person's calendar feed page, and the feed itself."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.common.errors import TrackerError
from tracker.common.paging import paginate
from tracker.extensions import db
from tracker.invites import feeds, outbox, services
from tracker.invites.emails import render_outgoing
from tracker.invites.models import OutboxMessage, OutboxStatus

bp = Blueprint("invites", __name__)

PER_PAGE = 50
#: The session key holding a just-made feed token until the page shows it (once).
NEW_FEED_TOKEN = "new_calendar_feed_token"  # noqa: S105  (a session key, not a secret)
#: The HTML of an email is shown in a sandboxed frame, served with a policy that allows nothing active.
EMAIL_HTML_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'; sandbox"
)


@bp.route("/outbox", endpoint="outbox")
def outbox_list() -> ResponseReturnValue:
    """Every email the service has sent or will send, newest first, filtered by status."""
    raw_status = request.args.get("status") or None
    status = OutboxStatus(raw_status) if raw_status in {s.value for s in OutboxStatus} else None
    page = paginate(services.outbox_query(status=status), per_page=PER_PAGE)
    return render_template(
        "invites/outbox.html",
        messages=page.items,
        total=page.total,
        status=status,
        counts=services.count_outbox_by_status(),
        statuses=list(OutboxStatus),
        pagination=page.pagination(),
        mail_configured=outbox.mail_configured(),
    )


@bp.route("/outbox/<int:message_id>")
def outbox_message(message_id: int) -> ResponseReturnValue:
    """One message: its status and history, its text, its HTML (sandboxed) and its calendar file."""
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template(
        "invites/message.html",
        message=message,
        rendered=render_outgoing(message),
        mail_configured=outbox.mail_configured(),
    )


@bp.route("/outbox/<int:message_id>/html")
def outbox_message_html(message_id: int) -> ResponseReturnValue:
    """The HTML of a message, for a sandboxed frame: no scripts, no requests, no forms, nothing active."""
    message = db.get_or_404(OutboxMessage, message_id)
    response = make_response(render_outgoing(message).body_html)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = EMAIL_HTML_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
def retry_message(message_id: int) -> ResponseReturnValue:
    """Send a failed message again."""
    message = db.get_or_404(OutboxMessage, message_id)
    try:
        services.retry_message(message=message, actor=current_user)
    except TrackerError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash("The message is back in the queue and will be sent again", "success")
    return redirect(url_for("invites.outbox_message", message_id=message_id))


@bp.route("/my-training/calendar-feed")
def calendar_feed() -> ResponseReturnValue:
    """Your calendar feed: make, replace or turn off the secret address your calendar subscribes to."""
    person = current_user.person
    token = feeds.find_active_token(person)
    new_token = session.pop(NEW_FEED_TOKEN, None)
    new_url = None
    if new_token and token is not None and feeds.hash_feed_token(new_token) == token.token_hash:
        new_url = feeds.feed_url(new_token)
    back = url_for("my_training.show")
    return render_template("invites/calendar_feed.html", token=token, new_url=new_url, back=back)


@bp.route("/my-training/calendar-feed/new", methods=["POST"])
def create_calendar_feed() -> ResponseReturnValue:
    """Make a new feed address (any older one stops working)."""
    token = feeds.create_feed_token(person=current_user.person)
    session[NEW_FEED_TOKEN] = token
    flash("Your new calendar feed address is ready. Any older address no longer works.", "success")
    return redirect(url_for("invites.calendar_feed"))


@bp.route("/my-training/calendar-feed/revoke", methods=["POST"])
def revoke_calendar_feed() -> ResponseReturnValue:
    """Turn the feed off: its address stops working."""
    revoked = feeds.revoke_feed_tokens(person=current_user.person)
    session.pop(NEW_FEED_TOKEN, None)
    if revoked:
        flash("Your calendar feed is turned off. Its address no longer works.", "success")
    return redirect(url_for("invites.calendar_feed"))


@bp.route("/calendar/<token>.ics")
def feed(token: str) -> ResponseReturnValue:
    """A person's calendar feed; the secret in the address is the credential. 304 when nothing changed."""
    person = feeds.find_feed_person(token)
    if person is None:
        abort(404)
    built = feeds.build_feed(person)
    response = make_response(built.body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="prevent-training.ics"'
    response.set_etag(built.etag)
    response.last_modified = built.last_modified
    response.make_conditional(request)
    return response

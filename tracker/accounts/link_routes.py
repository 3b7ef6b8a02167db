"""Emailed single-use links: "Forgotten your password?", set-your-password, and signing in by email link.

Asking for a link answers the same page with the same status whether or not the address is known, and is
limited per client address and per email address (shared through Redis by every web process when REDIS_URL
is set). Following a link shows a page with a button: a GET never uses it (mail scanners follow links).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.accounts import links
from tracker.accounts.forms import AskForLinkForm, ChoosePasswordForm, UseLinkForm
from tracker.accounts.models import LinkPurpose
from tracker.accounts.routes import begin_session, is_safe_next
from tracker.accounts.services import end_session, normalise_email
from tracker.common.errors import TrackerError
from tracker.common.forms import field_error
from tracker.extensions import db, limiter

bp = Blueprint("links", __name__)


def _per_address() -> str:
    return current_app.config["LINK_LIMIT_PER_ADDRESS"]


def _per_email() -> str:
    return current_app.config["LINK_LIMIT_PER_EMAIL"]


def _email_key() -> str:
    return "link-email:" + normalise_email(request.form.get("email", ""))[:254]


def _safe_next() -> str | None:
    target = request.args.get("next")
    return target if is_safe_next(target) else None


def _refused(kind: str) -> ResponseReturnValue:
    """One page, one status, for an unknown, expired, used or superseded link."""
    db.session.rollback()
    return render_template("auth/link_not_valid.html", kind=kind), 410


def _organisation_sign_in_only(form: AskForLinkForm) -> bool:
    """For a domain that signs in only with its organisation's account, say so next to the field (a rule about
    the domain, the same for every address in it: it tells nothing about the person)."""
    refusal = links.must_use_organisation_sign_in(form.email.data)
    if refusal:
        form.email.errors.append(refusal)
    return bool(refusal)


def _end_current_session() -> None:
    """Someone already signed in (as anyone) who follows a link: their old session ends on the server too."""
    if current_user.is_authenticated:
        end_session(current_user.get_id())


@bp.route("/forgotten-password", methods=["GET", "POST"])
@limiter.limit(_per_address, methods=["POST"])
@limiter.limit(_per_email, methods=["POST"], key_func=_email_key)
def forgotten_password() -> ResponseReturnValue:
    """Ask for a password reset link by email (the same answer whether or not the address is known)."""
    form = AskForLinkForm()
    if form.validate_on_submit() and not _organisation_sign_in_only(form):
        links.request_password_reset(email=form.email.data)
        return redirect(url_for("links.check_email", kind="password"))
    return render_template("auth/forgotten_password.html", form=form)


@bp.route("/sign-in-link", methods=["GET", "POST"])
@limiter.limit(_per_address, methods=["POST"])
@limiter.limit(_per_email, methods=["POST"], key_func=_email_key)
def ask_for_sign_in_link() -> ResponseReturnValue:
    """Ask for a sign-in link by email, for people without a password (the same answer for any address)."""
    form = AskForLinkForm()
    if form.validate_on_submit() and not _organisation_sign_in_only(form):
        links.request_sign_in_link(email=form.email.data, next_url=_safe_next())
        return redirect(url_for("links.check_email", kind="sign-in"))
    return render_template("auth/ask_for_sign_in_link.html", form=form, next_url=_safe_next())


@bp.route("/check-your-email")
def check_email() -> ResponseReturnValue:
    """After asking for a link: what to expect, without saying whether the address is known."""
    kind = "sign-in" if request.args.get("kind") == "sign-in" else "password"
    return render_template("auth/check_email.html", kind=kind)


@bp.route("/choose-password/<token>", methods=["GET", "POST"])
def choose_password(token: str) -> ResponseReturnValue:
    """From a reset or set-password link: choose a password, then you are signed in (everywhere else out)."""
    try:
        link = links.find_usable_link(token, links.PASSWORD_PURPOSES)
    except TrackerError:
        return _refused("password")
    purpose, email = link.purpose, link.person.email
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            user = links.choose_password(token=token, password=form.password.data)
        except links.LinkError:
            return _refused("password")
        except TrackerError as error:
            db.session.rollback()
            field_error(form, "password", error.message)
        else:
            _end_current_session()
            begin_session(user)
            flash("Your password is saved and you are signed in", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/choose_password.html", form=form, purpose=purpose, email=email)


@bp.route("/sign-in-link/<token>", methods=["GET", "POST"])
def sign_in_with_link(token: str) -> ResponseReturnValue:
    """From a sign-in link: a Sign in button; pressing it uses the link and starts a sign-in session (ending any
    session this browser had)."""
    try:
        link = links.find_usable_link(token, (LinkPurpose.SIGN_IN,))
    except TrackerError:
        return _refused("sign-in")
    email = link.person.email
    form = UseLinkForm()
    if form.validate_on_submit():
        try:
            user = links.use_sign_in_link(token=token)
        except TrackerError:
            return _refused("sign-in")
        _end_current_session()
        begin_session(user)
        return redirect(_safe_next() or url_for("main.home"))
    return render_template(
        "auth/use_sign_in_link.html",
        form=form,
        email=email,
        signed_in_as=current_user if current_user.is_authenticated else None,
    )

"""Signing in and out, and changing your own password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from tracker.accounts import oidc, services
from tracker.accounts.forms import ChangePasswordForm, SignInForm
from tracker.common.audit import record_event
from tracker.common.errors import TrackerError
from tracker.common.forms import field_error
from tracker.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_limit_per_address() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _login_limit_per_account() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    """Only failed attempts count against the limits (a success redirects)."""
    return response.status_code != 302


def is_safe_next(target: str | None) -> bool:
    """`next` may only lead to a path on this site: no scheme, no host, no backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def begin_session(user) -> None:
    """Open a server-side sign-in session for `user`, commit (with whatever the request did), and give the
    browser a fresh cookie holding only the session's token."""
    token = services.start_session(
        user=user, ip_address=request.remote_addr, user_agent=request.headers.get("User-Agent")
    )
    session.clear()
    user.current_session_token = token
    login_user(user)
    session["seen"] = int(services.utc_now().timestamp())


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_login_limit_per_address, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit_per_account, methods=["POST"], key_func=_account_key, deduct_when=_failed)
def sign_in() -> ResponseReturnValue:
    """Sign in with email address and password."""
    next_url = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        if refusal := oidc.password_sign_in_refusal(form.email.data):
            form.email.errors.append(refusal)  # their organisation's sign-in only: no password is checked
            return render_template("auth/sign_in.html", form=form)
        user = services.authenticate(email=form.email.data, password=form.password.data)
        if user is None:
            record_event("auth.sign_in_failed", actor_label=services.normalise_email(form.email.data))
            form.email.errors.append("Enter a correct email address and password")
        else:
            begin_session(user)
            return redirect(next_url if is_safe_next(next_url) else url_for("main.home"))
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> ResponseReturnValue:
    """End the sign-in session on the server, so a copy of the cookie is worthless."""
    services.end_session(current_user.get_id())
    record_event("auth.signed_out", object_type="user", object_id=current_user.id)
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> ResponseReturnValue:
    """Change your own password: your other sign-in sessions end, this one stays."""
    user = current_user._get_current_object()
    if not user.password_hash:
        return render_template("auth/change_password.html", form=None)
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(
                user=user,
                current_password=form.current_password.data,
                new_password=form.password.data,
                keep_token=current_user.get_id(),
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field or "password", error.message)
        else:
            flash("Your password is changed. You are signed out everywhere else.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)

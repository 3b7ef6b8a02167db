"""Flask-Login wiring: the cookie carries a server-side session token; idle and absolute timeouts apply."""

from __future__ import annotations

from flask import Flask, current_app, session

from tracker.accounts import services
from tracker.common.time import utc_now
from tracker.extensions import login_manager


def init_login(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue"
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side session is the protection

    @login_manager.user_loader
    def load_user(token: str):
        now = int(utc_now().timestamp())
        idle_limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
        seen = session.get("seen")
        if not isinstance(seen, int) or now - seen > idle_limit:
            return None
        user = services.load_session_user(token)
        if user is not None and now - seen > 30:
            session["seen"] = now  # the idle clock lives in the signed cookie: no write per request
        return user

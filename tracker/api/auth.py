"""Bearer-token authentication for /api/v1 (no cookies, so no CSRF token)."""

from __future__ import annotations

from flask import request

from tracker.accounts.models import UserAccount
from tracker.accounts.services import find_api_user


def load_api_user() -> UserAccount | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return find_api_user(token.strip())

"""A test client whose requests run like production ones: their own app context and database session."""

from __future__ import annotations

import contextvars
import re

from flask import current_app, has_app_context
from flask.testing import FlaskClient


class IsolatedClient(FlaskClient):
    """Each request gets a fresh app context (so a fresh database session, torn down at the end), even
    when the test itself holds an app context for factories and assertions. The test's pending writes
    are committed first, as they would be before a real request could see them."""

    def open(self, *args, **kwargs):
        if has_app_context() and current_app._get_current_object() is self.application:
            from tracker.extensions import db

            db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context() and current_app._get_current_object() is self.application:
            from tracker.extensions import db

            db.session.expire_all()
        return response

    def csrf_token(self, path: str = "/sign-in") -> str:
        """A CSRF token from a page's form (for the tests that run with CSRF protection on)."""
        html = self.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, f"no csrf_token on {path}"
        return match.group(1)

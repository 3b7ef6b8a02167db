"""Domain errors: each carries a GOV.UK-style message, a stable code, and optionally the field at fault."""

from __future__ import annotations


class TrackerError(Exception):
    """A rule said no. Routes show `message` next to `field`; the API answers with `code` and `status`."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class NotAllowedError(TrackerError):
    code = "forbidden"
    status = 403


class ConflictError(TrackerError):
    code = "conflict"
    status = 409

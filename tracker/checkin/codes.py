"""The code a trainer shows for a session, and the pass that scanning it gives.

The shown code changes every CHECKIN_CODE_MINUTES (a "window"); a code works in its own window and the next one,
so a code is good for between one and two windows after it appears. A code is six characters derived from the
session's id and the window by HMAC under SECRET_KEY: nothing is stored, every web process agrees, and nobody
without the key can make one. The QR code holds the check-in address with the code; the same code can be typed
at /check-in.

A valid code gives a pass: a signed, timed token naming the session, in the address of the check-in page, so that
signing in or waiting for an emailed code (which takes longer than a code lasts) does not need the code again.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tracker.common.errors import TrackerError

#: RFC 4648 base32: no 0, 1, 8 or 9, so what is read off a screen as one of those is taken for O, I or B.
CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
CODE_LENGTH = 6
#: A code older than this many hours is "not valid" rather than "expired" (and costs nothing more to check).
EXPIRED_LOOKBACK_HOURS = 12
#: How long a pass (the check-in page reached from a valid code) works: time to sign in, or to get an emailed code.
PASS_MINUTES = 30
PASS_SALT = "check-in-pass"  # noqa: S105 (a salt, not a secret)


class CheckInCodeError(TrackerError):
    """A shown code or a pass that cannot be used."""

    status = 400


class CodeExpiredError(CheckInCodeError):
    code = "check_in_code_expired"


class CodeNotValidError(CheckInCodeError):
    code = "check_in_code_not_valid"


def window_minutes() -> int:
    return max(int(current_app.config["CHECKIN_CODE_MINUTES"]), 1)


def window_at(moment: datetime) -> int:
    return int(moment.timestamp()) // (window_minutes() * 60)


def window_start(window: int) -> datetime:
    return datetime.fromtimestamp(window * window_minutes() * 60, tz=UTC)


def code_for(session_id: int, window: int) -> str:
    """The code of a session in one window."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"check-in:{session_id}:{window}".encode(), hashlib.sha256).digest()
    return "".join(CODE_ALPHABET[byte % len(CODE_ALPHABET)] for byte in digest[:CODE_LENGTH])


def normalise_code(text: str | None) -> str | None:
    """The code from what someone typed (any case, spaces and hyphens), or None if it cannot be one."""
    code = "".join(ch for ch in (text or "").upper() if ch not in " -").translate(LOOKALIKES)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


@dataclass(frozen=True)
class ShownCode:
    code: str
    #: When the page should fetch the next code (the end of this window).
    changes_at: datetime
    #: The last moment this code is accepted (the end of the next window).
    works_until: datetime


def current_code(session_id: int, *, now: datetime) -> ShownCode:
    window = window_at(now)
    return ShownCode(code_for(session_id, window), window_start(window + 1), window_start(window + 2))


def match_code(code: str, session_ids: list[int], *, now: datetime) -> int:
    """The session (among `session_ids`) whose code this is now. Raises CodeExpiredError for a code that was one of
    theirs in the last EXPIRED_LOOKBACK_HOURS, CodeNotValidError otherwise (mistyped, forged, or older)."""
    window = window_at(now)
    for session_id in session_ids:
        if any(hmac.compare_digest(code, code_for(session_id, w)) for w in (window, window - 1)):
            return session_id
    oldest = window - (EXPIRED_LOOKBACK_HOURS * 60) // window_minutes()
    for session_id in session_ids:
        if any(hmac.compare_digest(code, code_for(session_id, w)) for w in range(window - 2, oldest - 1, -1)):
            raise CodeExpiredError(
                "This code has expired: scan the code on the screen again, or type the code it shows now",
                field="code",
            )
    raise CodeNotValidError("This code is not right: check it against the code on the screen", field="code")


# --- The pass ----------------------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PASS_SALT)


def make_pass(session_id: int) -> str:
    return _serializer().dumps({"s": session_id})


def session_id_from_pass(token: str) -> int:
    """The session a pass is for. Raises CodeExpiredError (older than PASS_MINUTES) or CodeNotValidError."""
    try:
        payload = _serializer().loads(token, max_age=int(timedelta(minutes=PASS_MINUTES).total_seconds()))
    except SignatureExpired as error:
        raise CodeExpiredError(
            "This check-in page has expired: scan the code on the screen again", field="code"
        ) from error
    except BadSignature as error:
        raise CodeNotValidError("This check-in link is not valid: scan the code on the screen again") from error
    session_id = payload.get("s") if isinstance(payload, dict) else None
    if not isinstance(session_id, int):
        raise CodeNotValidError("This check-in link is not valid: scan the code on the screen again")
    return session_id

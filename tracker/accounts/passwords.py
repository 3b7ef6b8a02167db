"""Password hashing (argon2id) and the password policy: a minimum length and no common passwords."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

MIN_LENGTH = 12
MAX_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def _hasher(profile: str) -> PasswordHasher:
    if profile == "fast":  # tests only: the same algorithm (argon2id), cheaper parameters
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    # argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 18 ms of one core a check,
    # where argon2-cffi's default (64 MiB, 3 passes, 4 lanes) takes 145 ms, so 500 people signing in at 09:00
    # do not hold two cores for a minute (docs/decisions.md, "Sign-in sessions").
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def _profile() -> str:
    return current_app.config.get("PASSWORD_HASH_PROFILE", "default") if has_app_context() else "default"


def hash_password(password: str) -> str:
    return _hasher(_profile()).hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check so a missing account is not told apart by timing.
        _hasher(_profile()).hash(password)
        return False
    try:
        return _hasher(_profile()).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash that has just verified was made with other parameters than today's (hash it again)."""
    try:
        return _hasher(_profile()).check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why a new password is refused, as a GOV.UK-style message, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return "Password is too easy to guess: choose a password that is not a common one"
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) > 3:
        return "Password must not contain your email address"
    return None

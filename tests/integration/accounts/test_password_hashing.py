"""Passwords: argon2id with OWASP's minimum parameters in production, and older hashes renewed at sign-in."""

from __future__ import annotations

from argon2 import PasswordHasher

from tests.conftest import PASSWORD
from tests.factories import make_user
from tracker.accounts import passwords, services
from tracker.accounts.models import Role


def test_production_hashes_are_argon2id_with_owasps_minimum():
    hashed = passwords._hasher("default").hash("correct horse battery staple")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_hash_with_older_parameters_still_signs_in_and_is_renewed(app, db):
    user = make_user(Role.STAFF)
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)  # argon2-cffi's default
    user.password_hash = old
    db.session.flush()

    assert services.authenticate(email=user.person.email, password=PASSWORD) == user
    assert user.password_hash != old and not passwords.needs_rehash(user.password_hash)
    assert passwords.verify_password(user.password_hash, PASSWORD)
    assert services.authenticate(email=user.person.email, password="not the password at all") is None


def test_a_wrong_password_changes_nothing(app, db):
    user = make_user(Role.STAFF)
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)
    user.password_hash = old
    assert services.authenticate(email=user.person.email, password="not the password at all") is None
    assert user.password_hash == old

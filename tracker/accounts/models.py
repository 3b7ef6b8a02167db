"""User accounts, their roles, server-side sign-in sessions and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime, enum_column
from tracker.extensions import db
from tracker.people.models import Person


class Role(StrEnum):
    COORDINATOR = "coordinator"
    TRAINER = "trainer"
    MANAGER = "manager"
    STAFF = "staff"
    PARTNER = "partner"

    @property
    def label(self) -> str:
        return {
            Role.COORDINATOR: "Prevent coordinator",
            Role.TRAINER: "Trainer",
            Role.MANAGER: "Manager",
            Role.STAFF: "Staff",
            Role.PARTNER: "Partner contact",
        }[self]


class UserAccount(db.Model):
    """A login for a person. `is_active` False ends every session and refuses sign-in."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    #: argon2id hash, never the password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="account")
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    # Flask-Login: the value kept in the cookie is the sign-in session's token, not the user id,
    # so that signing out (or disabling the account) makes a copied cookie worthless.
    current_session_token = None

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.current_session_token

    def __repr__(self) -> str:
        return f"<UserAccount {self.id} person={self.person_id}>"


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))

    user: Mapped[UserAccount] = relationship(back_populates="role_rows")


class LoginSession(db.Model):
    """A server-side sign-in session; the browser holds only its random token (we store the hash)."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[UserAccount] = relationship()


class ApiToken(db.Model):
    """A bearer token for /api/v1; only its SHA-256 hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters, shown so a person can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[UserAccount] = relationship()


class LinkPurpose(StrEnum):
    """What an emailed single-use link does when followed."""

    #: "Forgotten your password?": choose a new password.
    PASSWORD_RESET = "password_reset"  # noqa: S105  (a purpose, not a password)
    #: Sent when the coordinator makes an account: choose a first password.
    SET_PASSWORD = "set_password"  # noqa: S105
    #: For someone without a password (booked by a manager, a partner or from the public page): sign in once.
    SIGN_IN = "sign_in"


class AccountLink(db.Model):
    """A single-use link sent by email. Only the SHA-256 hash of its token is stored; using it, or
    sending a newer link of the same purpose to the same person, ends it."""

    __tablename__ = "account_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose, "link_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when followed, or when a newer link of the same purpose replaced it.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class ExternalIdentity(db.Model):
    """An account's sign-in at an OpenID Connect provider (Microsoft Entra ID, an NHS trust's tenant, …):
    the provider's issuer and the person's subject there, which stays the same when their email changes."""

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: The configured provider's name (e.g. "microsoft"), for display and audit.
    provider: Mapped[str] = mapped_column(String(50))
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[UserAccount] = relationship()

"""Accounts and what hangs off them: roles, login sessions, invitations, password resets, login attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.enums import LabelledEnum
from core.db.locking import Versioned
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db


class Role(LabelledEnum):
    CANDIDATE = "candidate", "Candidate"
    ASSESSOR = "assessor", "Assessor"
    IQA = "iqa", "Internal quality assurer"
    EXAMINER = "examiner", "External examiner"
    COURSE_LEADER = "course_leader", "Course leader"
    ADMIN = "admin", "Administrator"


# The order roles appear in on the home page and in the navigation: the day-to-day role first.
ROLE_ORDER: tuple[Role, ...] = (
    Role.CANDIDATE,
    Role.ASSESSOR,
    Role.IQA,
    Role.EXAMINER,
    Role.COURSE_LEADER,
    Role.ADMIN,
)


_ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)


class User(Versioned, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (normalise_email), so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The person's school, college or university, as they would write it.
    organisation: Mapped[str | None] = mapped_column(String(200))
    # None until the person accepts their invitation and chooses a password: they cannot sign in before.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Set by the login machinery: which login session this request belongs to (never stored here).
    auth_session_id = None  # str | None; a plain attribute, deliberately not mapped

    @property
    def has_joined(self) -> bool:
        """Whether the person has chosen a password (accepted their invitation)."""
        return self.password_hash is not None

    @property
    def roles(self) -> list[Role]:
        held = {Role(r.role) for r in self.role_rows}
        return [r for r in ROLE_ORDER if r in held]

    def has_role(self, *roles: Role | str) -> bool:
        held = {r.role for r in self.role_rows}
        return any(str(r) in held for r in roles)

    # Flask-Login protocol. The id it stores in the cookie is the login session's, not the user's, so a
    # session can be ended on the server (logout, password change, disabling) and a replayed cookie fails.
    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.auth_session_id

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_rows")


class TokenRow:
    """A row found by the random token a cookie or an emailed link carries; only the token's SHA-256 is
    stored, so a leaked database opens nothing. Every token expires."""

    # The keys first in each table, as the migrations made them.
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, sort_order=-1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginSession(TokenRow, db.Model):
    """One signed-in browser, found by its cookie's token."""

    __tablename__ = "login_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship()


class Invitation(TokenRow, db.Model):
    """An invitation to join with a role. Valid 7 days, single use."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_known"),)

    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invited_by: Mapped[User | None] = relationship()


class PasswordReset(TokenRow, db.Model):
    """A password-reset link. Valid 1 hour, single use."""

    __tablename__ = "password_resets"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """Failed logins, reset requests, wrong second-factor codes (`mfa`), and public certificate checks that
    could be guesses (`verify`: a number that is not a certificate's, a name checked against one), counted per
    account (or certificate number) and per address for throttling.

    Kept in the database, not in process memory, so the limit holds across workers and app servers.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "attempted_at"),
        Index("ix_login_attempts_ip_at", "ip_address", "attempted_at"),
        CheckConstraint("kind IN ('login', 'reset', 'verify', 'mfa')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="login")
    email: Mapped[str] = mapped_column(String(254))
    ip_address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

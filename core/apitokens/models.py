"""An API token: a bearer secret that acts as one account, for some scopes, until it expires or is revoked.

Only the token's SHA-256 is stored (TokenRow); its first characters are kept so people can tell tokens apart
in a list and match one found in a log. The rate limit counts requests in the row itself (a fixed one-minute
window), so it holds across workers and app servers like the login throttle.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import TokenRow, User
from core.db.enums import LabelledEnum
from core.db.timeutil import UK, UTCDateTime
from core.extensions import db


class TokenKind(LabelledEnum):
    SERVICE = "service", "Service account"
    PERSONAL = "personal", "A person's account"


class Scope(LabelledEnum):
    """What a token may do; the account it acts as still decides which records it reaches."""

    READ = "read", "Read qualifications, cohorts, enrolments, progress, released results and awards"
    ENROL = "enrol", "Enrol candidates into cohorts"


class TokenStatus(LabelledEnum):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class ApiToken(TokenRow, db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("kind IN ('service', 'personal')", name="kind_known"),
        CheckConstraint("window_count >= 0", name="window_count_positive"),
    )

    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    # The first characters of the token ("wmk_AbCdEf"), never enough to use it.
    prefix: Mapped[str] = mapped_column(String(16))
    # Space-separated Scope values, in the enum's order.
    scopes: Mapped[str] = mapped_column(String(100))
    # The account the token acts as: every permission predicate is asked about this person.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The key drawn with the issuing form: the same form sent twice (a double click, a reload) issues one.
    form_key: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The rate limit's window: when it began and how many requests it has counted.
    window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def scope_list(self) -> list[Scope]:
        return [Scope(s) for s in self.scopes.split()]

    @property
    def works_until(self) -> date:
        """The last UK day the token works (it stops at the midnight after it)."""
        return (self.expires_at.astimezone(UK) - timedelta(seconds=1)).date()

    def status_at(self, now: datetime) -> TokenStatus:
        """Active, expired or revoked at this moment (revoked wins: it was someone's decision)."""
        if self.revoked_at is not None:
            return TokenStatus.REVOKED
        return TokenStatus.ACTIVE if self.expires_at > now else TokenStatus.EXPIRED

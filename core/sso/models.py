"""Accounts at an OpenID provider linked to Waymark accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db


class ExternalIdentity(db.Model):
    """A person's account at one provider (its `sub`), linked to their Waymark account.

    Sign-ins find the person by (provider, subject), never again by address: an address can be reassigned
    at the provider (a leaver's to a newcomer), a subject never is. One link per provider and account, so a
    second provider account with the same address cannot take the first one's place.
    """

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"), UniqueConstraint("user_id", "provider"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The deployment's name for the provider (WAYMARK_OIDC_PROVIDERS), as in the sign-in address.
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    # The verified address that made the link (or the account), kept to explain the link later.
    email: Mapped[str] = mapped_column(String(254))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

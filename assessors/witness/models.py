"""Witness testimony: a one-time link to a named person at the school, bound to one evidence version."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.locking import Versioned
from core.db.statemachine import HasStatus, Transitions, status_check, status_column
from core.db.timeutil import UTCDateTime, utcnow
from core.errors import InvalidTransition
from core.extensions import db


class WitnessStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    REVOKED = "revoked"


# A request is closed once: the witness confirms or declines, or the candidate's side revokes it.
WITNESS_MOVES = Transitions.graph(
    WitnessStatus,
    {WitnessStatus.PENDING: (WitnessStatus.CONFIRMED, WitnessStatus.DECLINED, WitnessStatus.REVOKED)},
    noun="This request",
)


class WitnessRequest(HasStatus, Versioned, db.Model):
    """A request for testimony. Only the SHA-256 of the link token is kept: a leaked database is no key."""

    __tablename__ = "witness_requests"
    __table_args__ = (
        status_check(WitnessStatus),
        Index("ix_witness_requests_candidate", "candidate_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id", ondelete="CASCADE"), index=True)
    # The exact version the witness reads, and the hash the testimony is bound to.
    version_id: Mapped[int] = mapped_column(ForeignKey("evidence_versions.id"))
    version_hash: Mapped[str] = mapped_column(String(64))
    family: Mapped[str] = mapped_column(String(20))
    module_code: Mapped[str] = mapped_column(String(20))
    criteria_refs: Mapped[str] = mapped_column(Text)  # space-separated refs the witness is asked about
    witness_name: Mapped[str] = mapped_column(String(200))
    witness_email: Mapped[str] = mapped_column(String(254))
    witness_role: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[WitnessStatus] = status_column(WitnessStatus, 10, default=WitnessStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the witness typed: their name and role, the criteria they confirm, a comment.
    response_name: Mapped[str | None] = mapped_column(String(200))
    response_role: Mapped[str | None] = mapped_column(String(200))
    confirmed_refs: Mapped[str] = mapped_column(Text, default="")
    comment_md: Mapped[str] = mapped_column(Text, default="")
    # The testimony as evidence in the candidate's portfolio, once confirmed.
    testimony_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="SET NULL")
    )

    TRANSITIONS = WITNESS_MOVES

    @property
    def refs(self) -> list[str]:
        return self.criteria_refs.split()

    def is_open(self, now: datetime) -> bool:
        """Pending and not expired: the link still works."""
        return self.status == WitnessStatus.PENDING and now < self.expires_at

    def close(self, dst: WitnessStatus, now: datetime) -> None:
        """Confirm, decline or revoke a pending request, or raise InvalidTransition."""
        if self.status != WitnessStatus.PENDING:
            raise InvalidTransition(f"This request was already {self.status}.")
        if dst != WitnessStatus.REVOKED and now >= self.expires_at:
            raise InvalidTransition("This link has expired.")
        self.move_to(dst)
        self.responded_at = now


class LinkState(StrEnum):
    """Whether a witness link still opens its page, or why not (derived from the request and the clock)."""

    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"

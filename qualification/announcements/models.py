"""An announcement to a cohort, and who it was sent to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db.enums import LabelledEnum
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db

TITLE_MAX = 200
BODY_MAX = 20_000


class Audience(LabelledEnum):
    """Who an announcement is sent to (the cohort's staff read every one on the cohort page)."""

    COHORT = "cohort", "Everyone in the cohort"
    BEHIND = "behind", "Candidates behind on a module"


class Announcement(db.Model):
    """Written once and never edited: what the candidates were sent is what the page keeps."""

    __tablename__ = "announcements"
    __table_args__ = (
        # The form that posted it: the same form sent twice (a double click, a resent POST) posts once.
        UniqueConstraint("cohort_id", "form_key"),
        CheckConstraint("audience IN ('cohort', 'behind')", name="audience_known"),
        CheckConstraint("(audience = 'behind') = (module_code IS NOT NULL)", name="module_when_behind"),
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_length"),
        CheckConstraint("recipient_count >= 0", name="recipient_count_positive"),
        # The cohort page and the list: newest first, paged by id.
        Index("ix_announcements_cohort_newest", "cohort_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    # Accounts are disabled rather than deleted; if one ever is deleted, the announcement stays.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_md: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(10))
    # The module those behind are behind on (audience "behind" only).
    module_code: Mapped[str | None] = mapped_column(String(20))
    # How many candidates it was sent to, fixed when it was sent (the rows below say who).
    recipient_count: Mapped[int] = mapped_column(Integer)
    form_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")

    @property
    def audience_enum(self) -> Audience:
        return Audience(self.audience)


class AnnouncementRecipient(db.Model):
    """One candidate an announcement was sent to: a targeted one is theirs to read, not the whole cohort's."""

    __tablename__ = "announcement_recipients"
    __table_args__ = (UniqueConstraint("announcement_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

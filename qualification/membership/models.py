"""Breaks in learning: the days a candidate's deadlines and turnaround clocks stand still."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db
from qualification.cohorts.models import CohortMember


class LearningBreak(db.Model):
    """One break of one candidate in one cohort: from `starts_on` up to, not including, `ends_on` (the day
    they came back); open (`ends_on` NULL) while they are away."""

    __tablename__ = "learning_breaks"
    __table_args__ = (
        CheckConstraint("expected_return_on > starts_on", name="return_after_start"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        # One open break per membership, even if two course leaders record one at the same moment.
        Index(
            "uq_learning_breaks_open",
            "member_id",
            unique=True,
            sqlite_where=text("ends_on IS NULL"),
            postgresql_where=text("ends_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("cohort_members.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    expected_return_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[CohortMember] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def is_open(self) -> bool:
        return self.ends_on is None

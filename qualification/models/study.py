"""A candidate's side of a cohort: the optional modules they chose, and the sessions they booked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.extensions import db
from core.timeutil import UTCDateTime, utcnow
from qualification.models.cohorts import CohortMember, CohortSession


class PathwayChoice(db.Model):
    """One optional module a candidate chose for their award (changeable until the cohort's deadline)."""

    __tablename__ = "pathway_choices"
    __table_args__ = (UniqueConstraint("member_id", "module_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("cohort_members.id", ondelete="CASCADE"), index=True)
    module_code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[CohortMember] = relationship()


class SessionBooking(db.Model):
    __tablename__ = "session_bookings"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        CheckConstraint("status IN ('booked', 'cancelled')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="booked")
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[CohortSession] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

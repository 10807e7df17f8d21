"""A candidate's side of a cohort: the optional modules they chose, and the sessions they booked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db
from qualification.cohorts.models import CohortMember


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

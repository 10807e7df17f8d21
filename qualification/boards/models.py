"""An exam board meeting for a cohort, and its decision on each candidate it considered.

A registry issues nothing on the strength of the rules alone: the board confirms (ratifies) each result, or
defers a candidate with a reason; a deferred candidate comes to a later board of the same cohort.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db.enums import LabelledEnum
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db
from qualification.cohorts.models import Cohort


class BoardOutcome(LabelledEnum):
    RATIFIED = "ratified", "Ratified"
    DEFERRED = "deferred", "Deferred"


class ExamBoard(db.Model):
    """One meeting of the exam board for one cohort, on `held_on` (the date its certificates carry)."""

    __tablename__ = "exam_boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    held_by: Mapped[User | None] = relationship()
    decisions: Mapped[list[BoardDecision]] = relationship(back_populates="board", order_by="BoardDecision.id")


class BoardDecision(db.Model):
    """The board's decision on one candidate's award (or one module taken as CPD): ratified, or deferred."""

    __tablename__ = "board_decisions"
    __table_args__ = (
        UniqueConstraint("board_id", "candidate_id", "code"),
        CheckConstraint("outcome IN ('ratified', 'deferred')", name="outcome_known"),
        CheckConstraint("outcome <> 'deferred' OR reason <> ''", name="deferred_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("exam_boards.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The award's code, or the module's for a module taken as stand-alone CPD.
    code: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    board: Mapped[ExamBoard] = relationship(back_populates="decisions")
    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])

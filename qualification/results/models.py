"""What a candidate has achieved: module results (with credits) and criterion results.

Written only by the qualification package's results service, which the assessment area calls when a decision
is *released* (or an APL claim accepted and released). Lower packages read these rows (the gap view, the
transcript) without knowing how the decision was made.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.enums import LabelledEnum
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db


class AchievedBy(LabelledEnum):
    ASSESSMENT = "assessment", "Assessed"
    APL = "apl", "Prior learning (APL)"


class CriterionOutcome(StrEnum):
    MET = "met"
    NOT_YET_MET = "not yet met"
    MET_BY_APL = "met by APL"


class ModuleResult(db.Model):
    """A module achieved by a candidate, with the credits and level it carries onto the transcript."""

    __tablename__ = "module_results"
    __table_args__ = (
        CheckConstraint("how IN ('assessment', 'apl')", name="how_known"),
        CheckConstraint("credits >= 0", name="credits_positive"),
        Index("ix_module_results_candidate", "candidate_id", "family", "revoked_at"),
        Index("ix_module_results_cohort", "cohort_id", "revoked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    family: Mapped[str] = mapped_column(String(20))
    module_code: Mapped[str] = mapped_column(String(20))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))
    title: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    credits: Mapped[int] = mapped_column(Integer)
    how: Mapped[str] = mapped_column(String(12))
    achieved_on: Mapped[date] = mapped_column(Date)
    # What decided it: "assessment:<id>" for a released decision (an APL decision is an assessment too).
    source: Mapped[str] = mapped_column(String(40), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the decision is reopened by the IQA or course leader; a revoked result no longer counts.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CriterionResult(db.Model):
    """The released result of one criterion for one candidate; the latest released decision wins."""

    __tablename__ = "criterion_results"
    __table_args__ = (
        UniqueConstraint("candidate_id", "family", "module_code", "criterion_ref"),
        CheckConstraint("outcome IN ('met', 'not yet met', 'met by APL')", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family: Mapped[str] = mapped_column(String(20))
    module_code: Mapped[str] = mapped_column(String(20))
    criterion_ref: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[str] = mapped_column(String(12))
    # By which assessment method it was met, in words, as the released decision recorded it.
    met_by: Mapped[str] = mapped_column(String(300), default="", server_default="")
    source: Mapped[str] = mapped_column(String(40), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

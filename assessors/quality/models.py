"""Internal quality assurance: a sampling plan per cohort, trainee assessors, and external examiner access."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.locking import Versioned
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db


class SamplingPlan(Versioned, db.Model):
    """How much of each assessor's work the IQA samples in a cohort, and the risk rules that always sample."""

    __tablename__ = "sampling_plans"
    __table_args__ = (
        CheckConstraint("base_percent BETWEEN 0 AND 100", name="base_percent_in_range"),
        CheckConstraint("first_decisions BETWEEN 0 AND 100", name="first_decisions_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), unique=True)
    base_percent: Mapped[int] = mapped_column(Integer, default=10)
    first_decisions: Mapped[int] = mapped_column(Integer, default=5)  # an assessor's first N decisions
    all_apl: Mapped[bool] = mapped_column(Boolean, default=True)
    all_referrals: Mapped[bool] = mapped_column(Boolean, default=True)
    all_trainees: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TraineeAssessor(db.Model):
    """An assessor in training in a cohort: every decision they make is sampled when the plan says so."""

    __tablename__ = "trainee_assessors"
    __table_args__ = (UniqueConstraint("cohort_id", "assessor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class ExaminerAccess(db.Model):
    """Read-only access for an external examiner to a sample of a cohort, ending automatically on a date."""

    __tablename__ = "examiner_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    examiner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")
    # Access ends at the end of this day (UK time); revoking ends it at once.
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    candidates: Mapped[list[ExaminerSampleCandidate]] = relationship(
        cascade="all, delete-orphan", order_by="ExaminerSampleCandidate.id"
    )


class ExaminerSampleCandidate(db.Model):
    """One candidate in an examiner's sample: their released decisions and the evidence behind them."""

    __tablename__ = "examiner_sample_candidates"
    __table_args__ = (UniqueConstraint("access_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    access_id: Mapped[int] = mapped_column(ForeignKey("examiner_access.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

"""Submissions: a module submitted for assessment, frozen as a snapshot of (criterion, evidence version)
pairs. Every attempt is kept, and a snapshot names versions, so what was submitted never changes when the
working copy does.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.paging import keyset_index
from core.db.statemachine import HasStatus, Transitions, status_check, status_column
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db
from portfolio.evidence.models import EvidenceVersion


class SubmissionStatus(StrEnum):
    SUBMITTED = "submitted"  # awaiting assessment, or assessed but not yet released
    WITHDRAWN = "withdrawn"
    ACHIEVED = "achieved"  # a released decision
    REFERRED = "referred"  # a released decision: the candidate may resubmit


U = SubmissionStatus
# Withdrawn by the candidate before marking starts; a released decision settles the attempt, and reopening
# that decision puts it back to submitted.
SUBMISSION_MOVES = Transitions.graph(
    SubmissionStatus,
    {
        U.SUBMITTED: (U.WITHDRAWN, U.ACHIEVED, U.REFERRED),
        U.ACHIEVED: (U.SUBMITTED,),
        U.REFERRED: (U.SUBMITTED,),
    },
    noun="This submission",
)


_WAITING_FIRST = "status = 'submitted' AND attempt <= 1"
_WAITING_AGAIN = "status = 'submitted' AND attempt > 1"


class Submission(HasStatus, db.Model):
    """A module submitted for assessment: a frozen snapshot of the mapped evidence. Every attempt is kept."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("candidate_id", "family", "module_code", "attempt"),
        status_check(SubmissionStatus),
        Index("ix_submissions_cohort_status", "cohort_id", "status", "submitted_at"),
        # The assessor queue reads waiting attempts nobody has started marking in these orders
        # (assessors/queue/queries/branches.py): first attempts and resubmissions are two kinds of row.
        keyset_index("ix_submissions_waiting_first", "submitted_at", "id", where=_WAITING_FIRST),
        keyset_index("ix_submissions_waiting_again", "submitted_at", "id", where=_WAITING_AGAIN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    family: Mapped[str] = mapped_column(String(20))
    module_code: Mapped[str] = mapped_column(String(20))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    status: Mapped[SubmissionStatus] = status_column(SubmissionStatus, 10, default=SubmissionStatus.SUBMITTED)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Set when the assessor starts marking: from then on the candidate can no longer withdraw the attempt.
    marking_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 over the sorted entries' (criterion, content hash) pairs: the snapshot's fingerprint.
    snapshot_hash: Mapped[str] = mapped_column(String(64))
    statement_md: Mapped[str] = mapped_column(Text, default="")

    TRANSITIONS = SUBMISSION_MOVES

    entries: Mapped[list[SubmissionEntry]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SubmissionEntry.id"
    )


class SubmissionEntry(db.Model):
    """One (criterion, evidence version) pair of a snapshot."""

    __tablename__ = "submission_entries"
    __table_args__ = (UniqueConstraint("submission_id", "criterion_ref", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    criterion_ref: Mapped[str] = mapped_column(String(30))
    version_id: Mapped[int] = mapped_column(ForeignKey("evidence_versions.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(1000), default="")

    submission: Mapped[Submission] = relationship(back_populates="entries")
    version: Mapped[EvidenceVersion] = relationship()

"""Marking: one assessment per submitted attempt (or round of an APL claim), judged criterion by criterion.

The workflow follows Moodle's marking workflow, extended with IQA review. The transition table below is the
single statement of which moves are legal and who makes them; services call `Assessment.move_to`, which
raises InvalidTransition on anything else.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.enums import LabelledEnum
from core.db.locking import Versioned
from core.db.paging import keyset_index
from core.db.statemachine import HasStatus, Transitions, status_check, status_column
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db


class MarkingStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_MARKING = "in_marking"
    MARKING_COMPLETE = "marking_complete"
    IN_IQA_REVIEW = "in_iqa_review"
    READY_FOR_RELEASE = "ready_for_release"
    RELEASED = "released"

    @property
    def label(self) -> str:
        words = self.value.replace("_", " ")
        return (words[0].upper() + words[1:]).replace("iqa", "IQA")  # capitalize() would lower "IQA"


class Actor(StrEnum):
    """Who may make a move: the allocated assessor, the cohort's IQA, the course leader, or the system."""

    ASSESSOR = "assessor"
    IQA = "iqa"
    LEADER = "course_leader"
    SYSTEM = "system"  # the sampling rule routing a completed decision


S = MarkingStatus
# (from, to) -> who may make the move. Reopening (back to in marking from a decided state) needs a reason.
TRANSITIONS = Transitions(
    MarkingStatus,
    {
        (S.NOT_STARTED, S.IN_MARKING): frozenset({Actor.ASSESSOR}),
        (S.IN_MARKING, S.MARKING_COMPLETE): frozenset({Actor.ASSESSOR}),
        (S.MARKING_COMPLETE, S.IN_IQA_REVIEW): frozenset({Actor.SYSTEM, Actor.IQA}),
        (S.MARKING_COMPLETE, S.READY_FOR_RELEASE): frozenset({Actor.SYSTEM}),
        (S.IN_IQA_REVIEW, S.READY_FOR_RELEASE): frozenset({Actor.IQA}),
        (S.IN_IQA_REVIEW, S.IN_MARKING): frozenset({Actor.IQA}),  # returned to the assessor with reasons
        (S.READY_FOR_RELEASE, S.IN_IQA_REVIEW): frozenset({Actor.IQA}),  # sampled after the rule passed it
        (S.READY_FOR_RELEASE, S.RELEASED): frozenset({Actor.ASSESSOR, Actor.IQA, Actor.LEADER}),
        # Reopening a decision: only the IQA or the course leader, with a reason in the audit log.
        (S.MARKING_COMPLETE, S.IN_MARKING): frozenset({Actor.IQA, Actor.LEADER}),
        (S.READY_FOR_RELEASE, S.IN_MARKING): frozenset({Actor.IQA, Actor.LEADER}),
        (S.RELEASED, S.IN_MARKING): frozenset({Actor.IQA, Actor.LEADER}),
    },
    noun="This decision",
)
REOPENING = frozenset(
    {(S.MARKING_COMPLETE, S.IN_MARKING), (S.READY_FOR_RELEASE, S.IN_MARKING), (S.RELEASED, S.IN_MARKING)}
)
# Where an assessor's queue finds work: not started, being marked (including IQA returns).
QUEUE_STATUSES = (S.NOT_STARTED, S.IN_MARKING)


def may_move(src: MarkingStatus, dst: MarkingStatus, actor: Actor) -> bool:
    """Whether the table allows this actor to move an assessment from src to dst."""
    return TRANSITIONS.allows(src, dst, actor)


class AssessmentKind(StrEnum):
    SUBMISSION = "submission"
    APL = "apl"


class Decision(LabelledEnum):
    # On a module submission
    ACHIEVED = "achieved", "Achieved"
    REFERRED = "referred", "Referred for resubmission"
    # On an APL claim
    ACCEPTED = "accepted", "Accepted in full"
    PARTLY_ACCEPTED = "partly_accepted", "Accepted for some criteria"
    MORE_EVIDENCE = "more_evidence", "More evidence needed"
    REJECTED = "rejected", "Not accepted"


SUBMISSION_DECISIONS = (Decision.ACHIEVED, Decision.REFERRED)
APL_DECISIONS = (Decision.ACCEPTED, Decision.PARTLY_ACCEPTED, Decision.MORE_EVIDENCE, Decision.REJECTED)
VACS = ("valid", "authentic", "current", "sufficient")

_DECISIONS = ", ".join(f"'{d.value}'" for d in Decision)


_OPEN = "status IN ('not_started', 'in_marking')"
_OPEN_ATTEMPT = f"{_OPEN} AND submission_id IS NOT NULL"
_OPEN_CLAIM = f"{_OPEN} AND apl_claim_id IS NOT NULL"


class Assessment(HasStatus, Versioned, db.Model):
    """An assessor's judgement of one submitted attempt, or of one round of an APL claim."""

    __tablename__ = "assessments"
    __table_args__ = (
        status_check(MarkingStatus),
        CheckConstraint(f"decision IS NULL OR decision IN ({_DECISIONS})", name="decision_known"),
        CheckConstraint("kind IN ('submission', 'apl')", name="kind_known"),
        CheckConstraint(
            "(kind = 'submission' AND submission_id IS NOT NULL AND apl_claim_id IS NULL) OR "
            "(kind = 'apl' AND apl_claim_id IS NOT NULL AND submission_id IS NULL)",
            name="one_subject",
        ),
        UniqueConstraint("submission_id"),
        UniqueConstraint("apl_claim_id", "round"),
        # The queue: an assessor's open work, oldest first, paged by (waiting_since, id).
        Index("ix_assessments_queue", "assessor_id", "status", "waiting_since", "id"),
        Index("ix_assessments_cohort_status", "cohort_id", "status"),
        # The queue reads open assessments (work being marked, or returned by the IQA) in this order, an
        # attempt's and a claim's apart (assessors/queue/queries/branches.py).
        keyset_index("ix_assessments_open_attempts", "waiting_since", "submission_id", where=_OPEN_ATTEMPT),
        keyset_index("ix_assessments_open_claims", "waiting_since", "apl_claim_id", where=_OPEN_CLAIM),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    apl_claim_id: Mapped[int | None] = mapped_column(ForeignKey("apl_claims.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    # Copied from the subject so the queue, the sampling report and permissions need no joins.
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    family: Mapped[str] = mapped_column(String(20))
    module_code: Mapped[str] = mapped_column(String(20))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))
    # The allocated assessor when the work arrived (reallocation moves open work).
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[MarkingStatus] = status_column(MarkingStatus, 20, default=MarkingStatus.NOT_STARTED)
    decision: Mapped[str | None] = mapped_column(String(16))
    feedback_md: Mapped[str] = mapped_column(Text, default="")
    # For a referral or "more evidence": what the candidate must do next.
    action_md: Mapped[str] = mapped_column(Text, default="")
    vacs_valid: Mapped[bool | None] = mapped_column(Boolean)
    vacs_authentic: Mapped[bool | None] = mapped_column(Boolean)
    vacs_current: Mapped[bool | None] = mapped_column(Boolean)
    vacs_sufficient: Mapped[bool | None] = mapped_column(Boolean)
    # The reason for each VACS answer: required for every check of an APL decision, and for any check a
    # submission fails (a "no" must say why, so the candidate and the IQA can act on it).
    vacs_valid_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    vacs_authentic_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    vacs_current_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    vacs_sufficient_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # SHA-256 of the evidence judged: the submission's snapshot hash or the APL claim's evidence hash.
    evidence_hash: Mapped[str] = mapped_column(String(64))
    # An APL round: the claim as it stood when the round began (portfolio.apl.queries.claim_snapshot), so the
    # next round can show what the candidate changed. A claim is one row that changes between rounds.
    claim_snapshot: Mapped[str] = mapped_column(Text, default="", server_default="")
    sampled: Mapped[bool] = mapped_column(Boolean, default=False)
    sample_reasons: Mapped[str] = mapped_column(String(300), default="")
    # When the item (re)entered the assessor's queue: submitted, or returned by the IQA.
    waiting_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    returned_by_iqa: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    judgements: Mapped[list[CriterionJudgement]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="CriterionJudgement.id"
    )
    reviews: Mapped[list[IqaReview]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="IqaReview.id"
    )

    TRANSITIONS = TRANSITIONS

    @property
    def vacs(self) -> dict[str, bool | None]:
        return {name: getattr(self, f"vacs_{name}") for name in VACS}

    @property
    def vacs_notes(self) -> dict[str, str]:
        return {name: getattr(self, f"vacs_{name}_note") for name in VACS}


class CriterionJudgement(db.Model):
    """Met / not yet met for one criterion, with the assessor's comment (accepted / not, on an APL claim)."""

    __tablename__ = "criterion_judgements"
    __table_args__ = (
        UniqueConstraint("assessment_id", "criterion_ref"),
        CheckConstraint("outcome IS NULL OR outcome IN ('met', 'not_yet_met')", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    criterion_ref: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[str | None] = mapped_column(String(12))
    comment: Mapped[str] = mapped_column(Text, default="")
    # Why the assessor records "met" when no allowed method backs the criterion; always sampled for IQA.
    override_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # How a met criterion was met, fixed when marking is completed ("Workplace observation", "Override").
    met_by: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # The judgement of the previous attempt this one was carried forward from (met there, set met here by
    # the assessor's explicit action, not judged again); cleared when the assessor judges it otherwise.
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("criterion_judgements.id", ondelete="SET NULL")
    )

    assessment: Mapped[Assessment] = relationship(back_populates="judgements")

    @property
    def carried(self) -> bool:
        """Met because it was met in the previous attempt and carried forward, with how it was met there."""
        return self.outcome == "met" and self.carried_from_id is not None


class IqaReview(db.Model):
    """An internal quality assurer's verdict on a sampled decision: agree, or return with reasons."""

    __tablename__ = "iqa_reviews"
    __table_args__ = (CheckConstraint("verdict IN ('agree', 'return')", name="verdict_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verdict: Mapped[str] = mapped_column(String(8))
    reasons_md: Mapped[str] = mapped_column(Text, default="")
    evidence_hash: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="reviews")

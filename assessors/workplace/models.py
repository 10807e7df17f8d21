"""Work in the candidate's school: planned and recorded observations, and competence sign-offs."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.locking import Versioned
from core.db.paging import keyset_index
from core.db.statemachine import HasStatus, Transitions, status_check, status_column
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db


class ObservationStatus(StrEnum):
    PLANNED = "planned"
    RECORDED = "recorded"  # written up and signed by the assessor; waiting for the candidate
    ACKNOWLEDGED = "acknowledged"
    CANCELLED = "cancelled"


# Who may make each move is decided by the services' permission checks (assessor records, candidate
# acknowledges); the table only says which moves exist.
OBSERVATION_MOVES = Transitions.graph(
    ObservationStatus,
    {
        ObservationStatus.PLANNED: (ObservationStatus.RECORDED, ObservationStatus.CANCELLED),
        ObservationStatus.RECORDED: (ObservationStatus.ACKNOWLEDGED,),
    },
    noun="This observation",
    message="{noun} is {src}; it cannot become {dst}.",
)
# The candidate may add a comment to a signed record, before and after acknowledging it.
OBSERVATION_COMMENTABLE = (ObservationStatus.RECORDED, ObservationStatus.ACKNOWLEDGED)


_PLANNED = "status = 'planned'"


class Observation(HasStatus, Versioned, db.Model):
    """A workplace observation: planned (date, school, focus, criteria), recorded and signed, acknowledged."""

    __tablename__ = "observations"
    __table_args__ = (
        status_check(ObservationStatus),
        Index("ix_observations_assessor_status", "assessor_id", "status", "planned_for"),
        # The assessor queue reads visits to write up in this order (assessors/queue/queries/branches.py).
        keyset_index("ix_observations_to_write_up", "planned_for", "id", where=_PLANNED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    family: Mapped[str] = mapped_column(String(20))
    module_code: Mapped[str] = mapped_column(String(20))
    planned_for: Mapped[date] = mapped_column(Date)
    school: Mapped[str] = mapped_column(String(200))
    focus_md: Mapped[str] = mapped_column(Text, default="")
    # The criteria to be observed, space-separated refs of the module.
    criteria_refs: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ObservationStatus] = status_column(
        ObservationStatus, 12, default=ObservationStatus.PLANNED
    )
    narrative_md: Mapped[str] = mapped_column(Text, default="")
    observed_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The assessor's signature: their typed name, and the SHA-256 of the record they signed.
    signed_name: Mapped[str | None] = mapped_column(String(200))
    record_hash: Mapped[str | None] = mapped_column(String(64))
    # The observation record as evidence in the candidate's portfolio.
    item_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    candidate_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    criteria: Mapped[list[ObservedCriterion]] = relationship(
        back_populates="observation", cascade="all, delete-orphan", order_by="ObservedCriterion.id"
    )

    TRANSITIONS = OBSERVATION_MOVES

    @property
    def refs(self) -> list[str]:
        return self.criteria_refs.split()


class ObservedCriterion(db.Model):
    """What the assessor saw of one criterion during an observation."""

    __tablename__ = "observed_criteria"
    __table_args__ = (
        UniqueConstraint("observation_id", "criterion_ref"),
        CheckConstraint("judgement IN ('met', 'not_yet_met')", name="judgement_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"), index=True)
    criterion_ref: Mapped[str] = mapped_column(String(30))
    judgement: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str] = mapped_column(Text, default="")

    observation: Mapped[Observation] = relationship(back_populates="criteria")


class CompetenceSignoff(db.Model):
    """An assessor signing a criterion off directly (for example after a professional discussion)."""

    __tablename__ = "competence_signoffs"
    __table_args__ = (Index("ix_competence_signoffs_candidate", "candidate_id", "family", "module_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    family: Mapped[str] = mapped_column(String(20))
    module_code: Mapped[str] = mapped_column(String(20))
    criterion_ref: Mapped[str] = mapped_column(String(30))
    basis: Mapped[str] = mapped_column(String(200))  # e.g. "Professional discussion, 3 March"
    note_md: Mapped[str] = mapped_column(Text, default="")
    signed_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

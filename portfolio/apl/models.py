"""APL claims: credit claimed from prior learning against criteria, an outcome or a whole module, with
the certificate and the evidence versions offered in support.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.locking import Versioned
from core.db.paging import keyset_index
from core.db.statemachine import HasStatus, Transitions, status_check, status_column
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db
from portfolio.evidence.models import EvidenceVersion


class AplStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly_accepted"
    MORE_EVIDENCE = "more_evidence"
    REJECTED = "rejected"


A = AplStatus
_DECIDED = (A.ACCEPTED, A.PARTLY_ACCEPTED, A.MORE_EVIDENCE, A.REJECTED)
# A draft is submitted; a released decision settles it, and "more evidence" lets the candidate send it again.
# A reopened decision puts the claim back to submitted.
APL_MOVES = Transitions.graph(
    AplStatus,
    {
        A.DRAFT: (A.SUBMITTED,),
        A.SUBMITTED: _DECIDED,
        # "More evidence" is sent again; any other decision goes back to submitted when it is reopened.
        **dict.fromkeys(_DECIDED, (A.SUBMITTED,)),
    },
    noun="This claim",
)


_SUBMITTED = "status = 'submitted'"


class AplClaim(HasStatus, Versioned, db.Model):
    """A claim for credit from prior learning against criteria, an outcome or a whole module."""

    __tablename__ = "apl_claims"
    __table_args__ = (
        status_check(AplStatus),
        CheckConstraint("scope IN ('criteria', 'outcome', 'module')", name="scope_known"),
        CheckConstraint("credits >= 0", name="credits_positive"),
        # The assessor queue reads submitted claims in this order (assessors/queue/queries/branches.py).
        keyset_index("ix_apl_claims_waiting", "submitted_at", "id", where=_SUBMITTED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    family: Mapped[str] = mapped_column(String(20))
    module_code: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(10))
    # The criterion refs claimed (for an outcome or module: all of its criteria), space-separated.
    criteria_refs: Mapped[str] = mapped_column(Text, default="")
    # Credits the claim counts for against the award's APL cap (the module's credits for a whole module,
    # else the share of its criteria).
    credits: Mapped[int] = mapped_column(Integer, default=0)
    awarding_body: Mapped[str] = mapped_column(String(200), default="")
    certificate_title: Mapped[str] = mapped_column(String(200), default="")
    certificate_level: Mapped[int | None] = mapped_column(Integer)
    certificate_credits: Mapped[int | None] = mapped_column(Integer)
    awarded_on: Mapped[date | None] = mapped_column(Date)
    certificate_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    certificate_file_name: Mapped[str | None] = mapped_column(String(255))
    experience_md: Mapped[str] = mapped_column(Text, default="")
    # Where the work was a team's: what the candidate did themself.
    own_part_md: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AplStatus] = status_column(AplStatus, 16, default=AplStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    evidence: Mapped[list[AplEvidence]] = relationship(cascade="all, delete-orphan")

    TRANSITIONS = APL_MOVES

    @property
    def refs(self) -> list[str]:
        return self.criteria_refs.split()


class AplEvidence(db.Model):
    """An evidence item (as a version) offered in support of an APL claim."""

    __tablename__ = "apl_evidence"
    __table_args__ = (UniqueConstraint("claim_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("apl_claims.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("evidence_versions.id"))

    version: Mapped[EvidenceVersion] = relationship()

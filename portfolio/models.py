"""The candidate's evidence: items and their versions, files, tags, criterion mappings, APL claims,
and submissions frozen as snapshots.

An item is edited by adding a version; snapshots and witness testimonies point at versions, so what was
submitted (or witnessed) never changes when the working copy does. Files are stored once per content
(SHA-256) in the file store; a blob stays while any version, claim or snapshot refers to it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.timeutil import UTCDateTime, utcnow


class ItemKind(StrEnum):
    FILE = "file"
    ACCOUNT = "account"  # a written reflective account or account of practice, in Markdown
    LINK = "link"
    DISCUSSION = "discussion"  # a record of a professional discussion
    OBSERVATION = "observation"  # a workplace observation record (written by the assessor)
    TESTIMONY = "testimony"  # a witness testimony

    @property
    def label(self) -> str:
        return ITEM_KIND_LABELS[self]


ITEM_KIND_LABELS = {
    ItemKind.FILE: "File",
    ItemKind.ACCOUNT: "Written account",
    ItemKind.LINK: "Link",
    ItemKind.DISCUSSION: "Professional discussion record",
    ItemKind.OBSERVATION: "Observation record",
    ItemKind.TESTIMONY: "Witness testimony",
}
_KINDS = ", ".join(f"'{k.value}'" for k in ItemKind)


class Blob(db.Model):
    """A stored file's content, once per SHA-256, whoever uploaded it."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    # The kind found by looking at the bytes (e.g. "pdf", "docx", "png"), never taken from the name.
    detected_kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EvidenceItem(db.Model):
    __tablename__ = "evidence_items"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KINDS})", name="kind_known"),
        Index("ix_evidence_items_owner", "owner_id", "deleted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The candidate's confirmation that pupils cannot be identified; without it the item cannot be submitted.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_versions.id", use_alter=True, ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    current: Mapped[EvidenceVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    versions: Mapped[list[EvidenceVersion]] = relationship(
        back_populates="item", foreign_keys="EvidenceVersion.item_id", order_by="EvidenceVersion.number"
    )
    tags: Mapped[list[EvidenceTag]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    mappings: Mapped[list[CriterionMapping]] = relationship(
        back_populates="item", cascade="all, delete-orphan"
    )

    @property
    def kind_enum(self) -> ItemKind:
        return ItemKind(self.kind)


class EvidenceVersion(db.Model):
    """One version of an item's content. Never changed once written."""

    __tablename__ = "evidence_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    activity_date: Mapped[date | None] = mapped_column(Date)
    context_md: Mapped[str] = mapped_column(Text, default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(1000))
    blob_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    # The cleaned name shown to people; never used as a path.
    file_name: Mapped[str | None] = mapped_column(String(255))
    # SHA-256 of the version's canonical content (text fields and the file's hash): what snapshots and
    # witness testimonies are bound to.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    item: Mapped[EvidenceItem] = relationship(back_populates="versions", foreign_keys=[item_id])
    blob: Mapped[Blob | None] = relationship()


class EvidenceTag(db.Model):
    """A tag from a framework (the six Principles, the Gatsby Benchmarks, ...); frameworks are data."""

    __tablename__ = "evidence_tags"
    __table_args__ = (UniqueConstraint("item_id", "framework", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id", ondelete="CASCADE"), index=True)
    framework: Mapped[str] = mapped_column(String(40))
    tag: Mapped[str] = mapped_column(String(80))


class CriterionMapping(db.Model):
    """An item mapped to one assessment criterion (by its stable ref), with how it shows it."""

    __tablename__ = "criterion_mappings"
    __table_args__ = (
        UniqueConstraint("item_id", "family", "criterion_ref"),
        Index("ix_criterion_mappings_module", "family", "module_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id", ondelete="CASCADE"), index=True)
    family: Mapped[str] = mapped_column(String(20))
    module_code: Mapped[str] = mapped_column(String(20))
    criterion_ref: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[EvidenceItem] = relationship(back_populates="mappings")


class SubmissionStatus(StrEnum):
    SUBMITTED = "submitted"  # awaiting assessment, or assessed but not yet released
    WITHDRAWN = "withdrawn"
    ACHIEVED = "achieved"  # a released decision
    REFERRED = "referred"  # a released decision: the candidate may resubmit


class Submission(db.Model):
    """A module submitted for assessment: a frozen snapshot of the mapped evidence. Every attempt is kept."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("candidate_id", "family", "module_code", "attempt"),
        CheckConstraint("status IN ('submitted', 'withdrawn', 'achieved', 'referred')", name="status_known"),
        Index("ix_submissions_cohort_status", "cohort_id", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    family: Mapped[str] = mapped_column(String(20))
    module_code: Mapped[str] = mapped_column(String(20))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=SubmissionStatus.SUBMITTED)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the assessor starts marking: from then on the candidate can no longer withdraw the attempt.
    marking_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 over the sorted entries' (criterion, content hash) pairs: the snapshot's fingerprint.
    snapshot_hash: Mapped[str] = mapped_column(String(64))
    statement_md: Mapped[str] = mapped_column(Text, default="")

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


class AplStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly_accepted"
    MORE_EVIDENCE = "more_evidence"
    REJECTED = "rejected"


_APL_STATUSES = ", ".join(f"'{s.value}'" for s in AplStatus)


class AplClaim(db.Model):
    """A claim for credit from prior learning against criteria, an outcome or a whole module."""

    __tablename__ = "apl_claims"
    __table_args__ = (
        CheckConstraint(f"status IN ({_APL_STATUSES})", name="status_known"),
        CheckConstraint("scope IN ('criteria', 'outcome', 'module')", name="scope_known"),
        CheckConstraint("credits >= 0", name="credits_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claimant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
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
    status: Mapped[str] = mapped_column(String(16), default=AplStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    evidence: Mapped[list[AplEvidence]] = relationship(cascade="all, delete-orphan")

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

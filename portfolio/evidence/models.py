"""The candidate's evidence: items and their versions, files, tags and criterion mappings.

An item is edited by adding a version; snapshots and witness testimonies point at versions, so what was
submitted (or witnessed) never changes when the working copy does. Files are stored once per content
(SHA-256) in the file store; a blob stays while any version, claim or snapshot refers to it.
"""

from __future__ import annotations

from datetime import date, datetime

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

from core.db.enums import LabelledEnum
from core.db.locking import Versioned
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db


class ItemKind(LabelledEnum):
    FILE = "file", "File"
    # A written reflective account or account of practice, in Markdown.
    ACCOUNT = "account", "Written account"
    LINK = "link", "Link"
    DISCUSSION = "discussion", "Professional discussion record"
    # A workplace observation record, written by the assessor.
    OBSERVATION = "observation", "Observation record"
    TESTIMONY = "testimony", "Witness testimony"


_KINDS = ", ".join(f"'{k.value}'" for k in ItemKind)


class Blob(db.Model):
    """A stored file's content, once per SHA-256, whoever uploaded it."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    # The kind found by looking at the bytes (e.g. "pdf", "docx", "png"), never taken from the name.
    detected_kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EvidenceItem(Versioned, db.Model):
    __tablename__ = "evidence_items"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KINDS})", name="kind_known"),
        Index("ix_evidence_items_candidate", "candidate_id", "deleted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The candidate's confirmation that pupils cannot be identified; without it the item cannot be submitted.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_versions.id", use_alter=True, ondelete="SET NULL")
    )

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
    __table_args__ = (
        UniqueConstraint("item_id", "number"),
        # A candidate's newest evidence from the index alone (the cohort report's "Last activity").
        Index("ix_evidence_versions_item_created", "item_id", "created_at"),
    )

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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
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

"""Qualifications, their versions and the awards (tiers) each version defines, built from modules."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.locking import Versioned
from core.db.statemachine import HasStatus, Transitions, status_check, status_column
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db
from modules.catalogue.models import Module


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


# Publishing freezes a draft; a published version is retired when a newer one replaces it.
VERSION_MOVES = Transitions.graph(
    VersionStatus,
    {VersionStatus.DRAFT: (VersionStatus.PUBLISHED,), VersionStatus.PUBLISHED: (VersionStatus.RETIRED,)},
    noun="This version",
)


class Qualification(db.Model):
    __tablename__ = "qualifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[QualificationVersion]] = relationship(
        back_populates="qualification", order_by="QualificationVersion.number"
    )


class QualificationVersion(HasStatus, Versioned, db.Model):
    """One version of a qualification; published versions never change (candidates stay on theirs)."""

    __tablename__ = "qualification_versions"
    __table_args__ = (
        UniqueConstraint("qualification_id", "number"),
        status_check(VersionStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualifications.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = status_column(VersionStatus, 10, default=VersionStatus.DRAFT)
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    TRANSITIONS = VERSION_MOVES

    qualification: Mapped[Qualification] = relationship(back_populates="versions")
    module_links: Mapped[list[VersionModule]] = relationship(
        order_by="VersionModule.position", cascade="all, delete-orphan"
    )
    awards: Mapped[list[Award]] = relationship(order_by="Award.position", cascade="all, delete-orphan")

    @property
    def modules(self) -> list[Module]:
        return [link.module for link in self.module_links]


class VersionModule(db.Model):
    """Which module revisions a version uses, in the document's order; codes are unique per version."""

    __tablename__ = "version_modules"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("qualification_versions.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)

    module: Mapped[Module] = relationship(lazy="joined")


class Award(Versioned, db.Model):
    """A tier: level, total credits, compulsory modules, option groups, APL cap, included awards."""

    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        CheckConstraint("credits BETWEEN 1 AND 540", name="credits_range"),
        CheckConstraint("apl_max_credits >= 0 AND apl_max_credits <= credits", name="apl_within_credits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("qualification_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    credits: Mapped[int] = mapped_column(Integer)
    apl_max_credits: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    rule_rows: Mapped[list[AwardRule]] = relationship(
        order_by="AwardRule.position", cascade="all, delete-orphan", lazy="selectin"
    )
    option_groups: Mapped[list[OptionGroup]] = relationship(
        order_by="OptionGroup.position", cascade="all, delete-orphan", lazy="selectin"
    )

    def codes(self, kind: str) -> list[str]:
        """The codes of one kind of rule row, in order."""
        return [row.code for row in self.rule_rows if row.kind == kind]


class AwardRule(db.Model):
    """A list entry of an award: a compulsory module, an included award, or an award it leads to."""

    __tablename__ = "award_rules"
    __table_args__ = (
        UniqueConstraint("award_id", "kind", "code"),
        CheckConstraint("kind IN ('compulsory', 'includes', 'progression')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)


class OptionGroup(db.Model):
    __tablename__ = "option_groups"
    __table_args__ = (
        CheckConstraint("min_credits >= 0 AND min_credits <= max_credits", name="bounds_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    min_credits: Mapped[int] = mapped_column(Integer)
    max_credits: Mapped[int] = mapped_column(Integer)

    module_rows: Mapped[list[OptionGroupModule]] = relationship(
        order_by="OptionGroupModule.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def module_codes(self) -> list[str]:
        return [row.code for row in self.module_rows]


class OptionGroupModule(db.Model):
    __tablename__ = "option_group_modules"
    __table_args__ = (UniqueConstraint("group_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("option_groups.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)

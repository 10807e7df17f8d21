"""The module catalogue: modules, their learning outcomes and assessment criteria.

A module row is one *revision*: it never changes once a published qualification version uses it. Editing
a module used by a published version makes a new revision in the new draft; candidates keep the revision
of the version they enrolled on. Revisions of one module share `family` (the qualification code) and `code`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.enums import LabelledEnum
from core.db.locking import Versioned
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db


class AssessmentMethod(LabelledEnum):
    PORTFOLIO = "portfolio", "Portfolio evidence"
    OBSERVATION = "observation", "Workplace observation"
    COMPETENCE = "competence", "Competence sign-off"
    REFLECTIVE_ACCOUNT = "reflective_account", "Reflective account"
    PROFESSIONAL_DISCUSSION = "professional_discussion", "Professional discussion"
    ASSIGNMENT = "assignment", "Assignment"


_METHOD_VALUES = ", ".join(f"'{m.value}'" for m in AssessmentMethod)


class Module(Versioned, db.Model):
    __tablename__ = "modules"
    __table_args__ = (
        UniqueConstraint("family", "code", "revision"),
        CheckConstraint("level BETWEEN 3 AND 8", name="level_range"),
        CheckConstraint("credits BETWEEN 1 AND 180", name="credits_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family: Mapped[str] = mapped_column(String(20), index=True)
    code: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    credits: Mapped[int] = mapped_column(Integer)
    summary_md: Mapped[str] = mapped_column(Text, default="")
    cpd: Mapped[bool] = mapped_column(Boolean, default=False)
    # SHA-256 of the module's canonical spec form: an identical module is reused, not copied.
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Two course leaders editing one module at once: the second save is refused (409), never merged.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    outcomes: Mapped[list[LearningOutcome]] = relationship(
        back_populates="module", order_by="LearningOutcome.position", cascade="all, delete-orphan"
    )

    @property
    def notional_hours(self) -> int:
        """UK credits are 10 notional learning hours each."""
        return self.credits * 10

    @property
    def ects(self) -> float:
        """ECTS credits are half of UK credits."""
        return self.credits / 2


class SpecLine:
    """A numbered line of a module's specification (an outcome or a criterion): its place in its list,
    its stable ref and its words."""

    position: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)


class LearningOutcome(SpecLine, db.Model):
    __tablename__ = "learning_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)

    module: Mapped[Module] = relationship(back_populates="outcomes")
    criteria: Mapped[list[AssessmentCriterion]] = relationship(
        back_populates="outcome", order_by="AssessmentCriterion.position", cascade="all, delete-orphan"
    )


class AssessmentCriterion(SpecLine, db.Model):
    __tablename__ = "assessment_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("learning_outcomes.id", ondelete="CASCADE"), index=True
    )

    outcome: Mapped[LearningOutcome] = relationship(back_populates="criteria")
    method_rows: Mapped[list[CriterionMethod]] = relationship(
        order_by="CriterionMethod.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def methods(self) -> list[AssessmentMethod]:
        return [AssessmentMethod(row.method) for row in self.method_rows]


class CriterionMethod(db.Model):
    __tablename__ = "criterion_methods"
    __table_args__ = (
        UniqueConstraint("criterion_id", "method"),
        CheckConstraint(f"method IN ({_METHOD_VALUES})", name="method_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_criteria.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(30))

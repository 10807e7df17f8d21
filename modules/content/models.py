"""Study content of a module: sections of short activities, and the questions of knowledge checks.

Content belongs to a module's identity (family + code), not to one revision: rewording a lesson is not a
change to the qualification's rules, so every cohort sees the current content of the modules it studies.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.enums import LabelledEnum
from core.db.locking import Versioned
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db


class ActivityKind(LabelledEnum):
    LESSON = "lesson", "Lesson"
    RESOURCE = "resource", "Resource"
    QUIZ = "quiz", "Knowledge check"
    REFLECTION = "reflection", "Reflective task"
    SESSION = "session", "Session"


class Section(Versioned, db.Model):
    __tablename__ = "sections"
    __table_args__ = (Index("ix_sections_module", "family", "module_code", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family: Mapped[str] = mapped_column(String(20))
    module_code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))

    activities: Mapped[list[Activity]] = relationship(
        back_populates="section", order_by="Activity.position", cascade="all, delete-orphan"
    )


class Activity(Versioned, db.Model):
    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("kind IN ('lesson', 'resource', 'quiz', 'reflection', 'session')", name="kind_known"),
        CheckConstraint("minutes BETWEEN 1 AND 600", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    # The estimate a coordinator plans an evening with.
    minutes: Mapped[int] = mapped_column(Integer)
    body_md: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(500))
    # For a session activity: which kind of cohort session completes it (attendance).
    session_kind: Mapped[str | None] = mapped_column(String(12))
    # For a reflective task: the criteria refs the answer can evidence, space-separated.
    criteria_refs: Mapped[str] = mapped_column(String(400), default="")
    # The course leader can make an activity wait until the one before it is done.
    requires_previous: Mapped[bool] = mapped_column(Boolean, default=False)
    # For a knowledge check: done after any complete try, right or not ("a try is enough"); otherwise done
    # only once every answer is right (modules/study/rules.py: quiz_passed).
    try_is_enough: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    section: Mapped[Section] = relationship(back_populates="activities")
    questions: Mapped[list[Question]] = relationship(
        back_populates="activity", order_by="Question.position", cascade="all, delete-orphan"
    )
    files: Mapped[list[ActivityFile]] = relationship(
        back_populates="activity", order_by="ActivityFile.position", cascade="all, delete-orphan"
    )

    @property
    def kind_enum(self) -> ActivityKind:
        return ActivityKind(self.kind)

    @property
    def criteria(self) -> list[str]:
        return self.criteria_refs.split()


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text_md: Mapped[str] = mapped_column(Text)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    explanation_md: Mapped[str] = mapped_column(Text, default="")

    activity: Mapped[Activity] = relationship(back_populates="questions")
    options: Mapped[list[QuestionOption]] = relationship(
        order_by="QuestionOption.position", cascade="all, delete-orphan", lazy="selectin"
    )


class QuestionOption(db.Model):
    __tablename__ = "question_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean, default=False)


class ActivityFile(db.Model):
    """A file a course leader attached to an activity: a download, or an image the lesson's Markdown shows.

    The bytes live in the content-addressed store (core.storage) under `sha256`; this row keeps them from
    the sweep. `kind` is what the bytes showed (core.filetypes), never what the name claimed.
    """

    __tablename__ = "activity_files"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="files")

    @property
    def is_image(self) -> bool:
        return self.kind in IMAGE_KINDS


# Shown inline (an <img> in a lesson); everything else is only ever a download.
IMAGE_KINDS = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}

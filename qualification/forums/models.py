"""Forums of a cohort, their threads and posts, who follows a thread, and reports of posts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db.locking import Versioned
from core.db.timeutil import UTCDateTime, utcnow
from core.errors import InvalidTransition
from core.extensions import db
from qualification.cohorts.models import Cohort

TITLE_MAX = 200
BODY_MAX = 20_000
REASON_MAX = 500


class Forum(db.Model):
    """The cohort's general forum (module_code NULL) or the forum of one module for that cohort."""

    __tablename__ = "forums"
    __table_args__ = (
        UniqueConstraint("cohort_id", "module_code"),
        # NULLs are distinct in a UNIQUE constraint, so the one general forum per cohort needs its own index.
        Index(
            "uq_forums_cohort_general",
            "cohort_id",
            unique=True,
            sqlite_where=text("module_code IS NULL"),
            postgresql_where=text("module_code IS NULL"),
        ),
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    module_code: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()

    @property
    def key(self) -> str:
        """The forum's name in addresses: 'general' or the module code."""
        return self.module_code or "general"


class Thread(db.Model):
    __tablename__ = "forum_threads"
    __table_args__ = (
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_length"),
        CheckConstraint("last_post_at >= created_at", name="last_post_after_start"),
        CheckConstraint("locked_by_id IS NULL OR locked_at IS NOT NULL", name="locker_means_locked"),
        # The thread list: newest activity first, paged by (last_post_at, id).
        Index("ix_forum_threads_activity", "forum_id", "pinned", "last_post_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    # Accounts are disabled rather than deleted; if one ever is deleted, its words stay for the others.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)

    forum: Mapped[Forum] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    def lock(self, by: User, now: datetime) -> None:
        if self.locked:
            raise InvalidTransition("This thread is already locked.")
        self.locked_at, self.locked_by_id = now, by.id

    def unlock(self) -> None:
        if not self.locked:
            raise InvalidTransition("This thread is not locked.")
        self.locked_at = self.locked_by_id = None

    def set_pinned(self, pinned: bool) -> None:
        if self.pinned == pinned:
            raise InvalidTransition(
                "This thread is already pinned." if pinned else "This thread is not pinned."
            )
        self.pinned = pinned


class Post(Versioned, db.Model):
    """A post in a thread. Versioned: the author editing while a moderator hides the post gets a 409 for
    the later write, not an overwrite."""

    __tablename__ = "forum_posts"
    __table_args__ = (
        CheckConstraint("length(body_md) BETWEEN 1 AND 20000", name="body_length"),
        CheckConstraint("edited_at IS NULL OR edited_at >= created_at", name="edited_after_posting"),
        # A hidden post always says why; a visible one keeps no trace of a hider or a reason.
        CheckConstraint(
            "(hidden_at IS NULL AND hidden_by_id IS NULL AND hidden_reason IS NULL)"
            " OR (hidden_at IS NOT NULL AND hidden_reason IS NOT NULL)",
            name="hidden_with_reason",
        ),
        Index("ix_forum_posts_thread", "thread_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body_md: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))

    thread: Mapped[Thread] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None

    def edit(self, body_md: str, now: datetime) -> None:
        if self.hidden:
            raise InvalidTransition("A hidden post cannot be edited.")
        self.body_md, self.edited_at = body_md, now

    def hide(self, by: User, reason: str, now: datetime) -> None:
        if self.hidden:
            raise InvalidTransition("This post is already hidden.")
        self.hidden_at, self.hidden_by_id, self.hidden_reason = now, by.id, reason

    def unhide(self) -> None:
        if not self.hidden:
            raise InvalidTransition("This post is not hidden.")
        self.hidden_at = self.hidden_by_id = self.hidden_reason = None


class Subscription(db.Model):
    """Someone who follows a thread: they are emailed about replies they did not write."""

    __tablename__ = "forum_subscriptions"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    thread: Mapped[Thread] = relationship()


class PostReport(db.Model):
    """A member telling the moderators about a post; each person reports a post at most once."""

    __tablename__ = "forum_post_reports"
    __table_args__ = (
        UniqueConstraint("post_id", "reporter_id"),
        CheckConstraint("length(reason) BETWEEN 1 AND 500", name="reason_length"),
        CheckConstraint("resolved_by_id IS NULL OR resolved_at IS NOT NULL", name="resolver_means_resolved"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    post: Mapped[Post] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])

    def resolve(self, by: User, now: datetime) -> None:
        if self.resolved_at is not None:
            raise InvalidTransition("This report is already resolved.")
        self.resolved_at, self.resolved_by_id = now, by.id

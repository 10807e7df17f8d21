"""Moderation by the cohort's tutors, assessors and course leaders: hide posts, lock and pin threads,
resolve reports. Every action is in the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.audit.services import record
from core.errors import InvalidTransition, require
from core.extensions import db
from core.timeutil import utcnow
from qualification.forums.models import Post, PostReport, Thread
from qualification.forums.permissions import can_moderate_forums
from qualification.forums.services import acting_role, reason_text

MODERATORS_ONLY = "Only the cohort's tutors, assessors and course leaders can moderate its forums."


def _audit(action: str, actor, post_or_thread: Post | Thread, **details) -> None:
    thread = post_or_thread.thread if isinstance(post_or_thread, Post) else post_or_thread
    cohort = thread.forum.cohort
    record(
        action,
        actor=actor,
        actor_role=acting_role(actor, cohort),
        obj=post_or_thread,
        object_type="ForumPost" if isinstance(post_or_thread, Post) else "ForumThread",
        details={"cohort_id": cohort.id, "thread_id": thread.id, **details},
    )


def _resolve_open(actor, post: Post, now: datetime) -> int:
    reports = db.session.scalars(
        select(PostReport).where(PostReport.post_id == post.id, PostReport.resolved_at.is_(None))
    ).all()
    for report in reports:
        report.resolve(actor, now)
    return len(reports)


def hide_post(actor, post: Post, *, reason: str, now: datetime | None = None) -> int:
    """Hide a post from the cohort, saying why; its open reports are resolved with it. Returns how many."""
    require(can_moderate_forums(actor, post.thread.forum.cohort), MODERATORS_ONLY)
    reason = reason_text(reason, "hiding")
    now = now or utcnow()
    post.hide(actor, reason, now)
    resolved = _resolve_open(actor, post, now)
    _audit("forum.post_hidden", actor, post, reason=reason, reports_resolved=resolved)
    db.session.flush()
    return resolved


def unhide_post(actor, post: Post) -> None:
    """Show a hidden post to the cohort again."""
    require(can_moderate_forums(actor, post.thread.forum.cohort), MODERATORS_ONLY)
    previous = post.hidden_reason
    post.unhide()
    _audit("forum.post_unhidden", actor, post, previous_reason=previous)
    db.session.flush()


def resolve_reports(actor, post: Post, *, now: datetime | None = None) -> int:
    """Close the open reports about a post, leaving the post as it is; returns how many were closed."""
    require(can_moderate_forums(actor, post.thread.forum.cohort), MODERATORS_ONLY)
    resolved = _resolve_open(actor, post, now or utcnow())
    if not resolved:
        raise InvalidTransition("There are no open reports about this post.")
    _audit("forum.reports_resolved", actor, post, reports_resolved=resolved)
    db.session.flush()
    return resolved


def lock_thread(actor, thread: Thread, *, now: datetime | None = None) -> None:
    """Stop replies to a thread (its posts stay readable)."""
    require(can_moderate_forums(actor, thread.forum.cohort), MODERATORS_ONLY)
    thread.lock(actor, now or utcnow())
    _audit("forum.thread_locked", actor, thread)
    db.session.flush()


def unlock_thread(actor, thread: Thread) -> None:
    """Let a locked thread take replies again."""
    require(can_moderate_forums(actor, thread.forum.cohort), MODERATORS_ONLY)
    thread.unlock()
    _audit("forum.thread_unlocked", actor, thread)
    db.session.flush()


def pin_thread(actor, thread: Thread) -> None:
    """Keep a thread at the top of its forum."""
    require(can_moderate_forums(actor, thread.forum.cohort), MODERATORS_ONLY)
    thread.set_pinned(True)
    _audit("forum.thread_pinned", actor, thread)
    db.session.flush()


def unpin_thread(actor, thread: Thread) -> None:
    """Let a pinned thread take its place by activity again."""
    require(can_moderate_forums(actor, thread.forum.cohort), MODERATORS_ONLY)
    thread.set_pinned(False)
    _audit("forum.thread_unpinned", actor, thread)
    db.session.flush()

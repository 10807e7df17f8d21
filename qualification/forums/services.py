"""Forum use cases for members: start a thread, reply, edit a post, follow a thread, report a post."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from core.accounts.models import User
from core.audit.services import record
from core.db.rows import added
from core.db.timeutil import utcnow
from core.errors import EditConflict, InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.notifications.services import notify
from core.web.markdown import plain_excerpt
from qualification.cohorts.models import Cohort
from qualification.cohorts.queries import cohort_about
from qualification.forums.models import (
    BODY_MAX,
    REASON_MAX,
    TITLE_MAX,
    Forum,
    Post,
    PostReport,
    Subscription,
    Thread,
)
from qualification.forums.permissions import (
    can_moderate_forums,
    can_read_forums,
    edit_window_open,
    is_post_author,
)
from qualification.forums.queries import find_forum, forum_modules, forum_title, subscriber_ids
from qualification.membership.queries import require_writable

NOT_A_MEMBER = "Only the cohort's members can take part in its forums."
LOCKED = "This thread is locked, so it takes no more replies."
EDIT_TOO_LATE = "Posts can be edited for 30 minutes after they are posted; this one can no longer be changed."
CONFLICT = (
    "This post changed since you opened it, so your edit was not saved. "
    "The post as it is now is shown below; your text is still in the form, so check it and save again."
)


# Input ------------------------------------------------------------------------------------------------


def clean_text(value: str | None) -> str:
    """Text from a textarea: browsers send CRLF line ends, and blank edges carry no meaning."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _body(value: str | None, errors: dict[str, str]) -> str:
    body = clean_text(value)
    if not body:
        errors["body"] = "Write your post."
    elif len(body) > BODY_MAX:
        errors["body"] = f"A post can be at most {BODY_MAX:,} characters long; this one has {len(body):,}."
    return body


def reason_text(value: str | None, what: str) -> str:
    """A report's or a moderator's reason: one to REASON_MAX characters, else ValidationFailed."""
    reason = clean_text(value)
    if not reason:
        raise ValidationFailed({"reason": f"Say why you are {what} this post."})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": f"Keep the reason to {REASON_MAX} characters."})
    return reason


def acting_role(actor, cohort: Cohort) -> str:
    """The role someone acts in within a cohort, for the audit trail."""
    roles = {m.role for m in cohort.members if m.user_id == actor.id}
    for role in ("tutor", "assessor"):
        if role in roles:
            return role
    for role in ("course_leader", "admin"):
        if actor.has_role(role):
            return role
    return "candidate"


# Forums -----------------------------------------------------------------------------------------------


def ensure_forums(cohort: Cohort, module_codes: list[str | None] | None = None) -> dict[str | None, Forum]:
    """Create the cohort's forums that do not exist yet (all, or those named); return them by module code."""
    titles = dict([(None, forum_title(cohort, None)), *forum_modules(cohort)])
    wanted = list(titles) if module_codes is None else list(module_codes)
    unknown = [code for code in wanted if code not in titles]
    if unknown:
        raise ValidationFailed(f"This cohort has no forum for {', '.join(map(str, unknown))}.")
    existing = {
        f.module_code: f for f in db.session.scalars(select(Forum).where(Forum.cohort_id == cohort.id))
    }
    forums = {}
    for code in wanted:
        forum = existing.get(code)
        if forum is None:
            # Two people starting the first threads of a forum at once: one creates it, the other uses it.
            forum = Forum(cohort_id=cohort.id, module_code=code, title=titles[code])
            if not added(forum):
                forum = find_forum(cohort, code)
        forums[code] = forum
    return forums


# Threads and posts ------------------------------------------------------------------------------------


def start_thread(
    actor, cohort: Cohort, module_code: str | None, *, title: str, body_md: str, now: datetime | None = None
) -> Thread:
    """Open a thread in one of the cohort's forums (creating the forum with it); the author follows it."""
    require(can_read_forums(actor, cohort), NOT_A_MEMBER)
    require_writable(actor, cohort.id)
    errors: dict[str, str] = {}
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = "Give the thread a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title to {TITLE_MAX} characters."
    body = _body(body_md, errors)
    if errors:
        raise ValidationFailed(errors)
    now = now or utcnow()
    forum = ensure_forums(cohort, [module_code])[module_code]
    thread = Thread(forum=forum, author_id=actor.id, title=title, created_at=now, last_post_at=now)
    db.session.add_all(
        [
            thread,
            Post(thread=thread, author_id=actor.id, body_md=body, created_at=now),
            Subscription(thread=thread, user_id=actor.id),
        ]
    )
    db.session.flush()
    return thread


def reply_to_thread(actor, thread: Thread, *, body_md: str, now: datetime | None = None) -> Post:
    """Add a reply and email everyone else who follows the thread."""
    cohort = thread.forum.cohort
    require(can_read_forums(actor, cohort), NOT_A_MEMBER)
    require_writable(actor, cohort.id)
    errors: dict[str, str] = {}
    body = _body(body_md, errors)
    if thread.locked:
        raise InvalidTransition(LOCKED)
    if errors:
        raise ValidationFailed(errors)
    now = now or utcnow()
    # Conditional, so a reply racing a moderator's lock is refused rather than slipping in after it.
    moved = db.session.execute(
        update(Thread)
        .where(Thread.id == thread.id, Thread.locked_at.is_(None))
        .values(last_post_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if moved.rowcount != 1:
        raise InvalidTransition(LOCKED)
    post = Post(thread=thread, author_id=actor.id, body_md=body, created_at=now)
    db.session.add(post)
    db.session.flush()
    _notify_followers(actor, thread, post)
    return post


def _notify_followers(actor, thread: Thread, post: Post) -> None:
    ids = [uid for uid in subscriber_ids(thread) if uid != actor.id]
    if not ids:
        return
    cohort = thread.forum.cohort
    excerpt = plain_excerpt(post.body_md, 400)
    body = (
        f'{actor.name} replied in "{thread.title}" ({thread.forum.title}, {cohort.name}): {excerpt} '
        '(You hear about this because you follow the thread; "Stop following" on the thread ends it.)'
    )
    followers = db.session.scalars(select(User).where(User.id.in_(ids), User.disabled_at.is_(None)))
    about = cohort_about(cohort.id)
    for user in followers:
        # Someone who has left the cohort since they followed the thread no longer hears from it.
        if can_read_forums(user, cohort):
            # In the app always; by email at once, in the daily digest or not at all, as they chose.
            notify(
                user.id,
                kind="forum_reply",
                title=f"New reply: {thread.title}",
                body=body,
                about=about,
                link_endpoint="qualification.forums.show_thread",
                thread_id=thread.id,
                _anchor=f"post-{post.id}",
            )


def require_editable(actor, post: Post, now: datetime | None = None) -> None:
    """Raise unless this person may edit this post now: 403 for others' posts, 409 once it is too late."""
    thread = post.thread
    require(can_read_forums(actor, thread.forum.cohort), NOT_A_MEMBER)
    require(is_post_author(actor, post), "You can only edit your own posts.")
    require_writable(actor, thread.forum.cohort_id)
    if post.hidden:
        raise InvalidTransition("A moderator has hidden this post, so it can no longer be edited.")
    if thread.locked:
        raise InvalidTransition("This thread is locked, so its posts can no longer be edited.")
    if not edit_window_open(post, now):
        raise InvalidTransition(EDIT_TOO_LATE)


def edit_post(actor, post: Post, *, body_md: str, expected_version: int, now: datetime | None = None) -> Post:
    """Change one's own post within the edit window; a form older than the post's last change is refused."""
    now = now or utcnow()
    require_editable(actor, post, now)
    if post.version != expected_version:
        raise EditConflict(CONFLICT)
    errors: dict[str, str] = {}
    body = _body(body_md, errors)
    if errors:
        raise ValidationFailed(errors)
    post.edit(body, now)
    db.session.flush()
    return post


# Following and reporting ------------------------------------------------------------------------------


def subscribe_to_thread(actor, thread: Thread) -> bool:
    """Follow a thread (emails about replies); False if already following."""
    require(can_read_forums(actor, thread.forum.cohort), NOT_A_MEMBER)
    if _subscription(actor, thread) is not None:
        return False
    return added(Subscription(thread_id=thread.id, user_id=actor.id))  # False: their second tab was first


def unsubscribe_from_thread(actor, thread: Thread) -> bool:
    """Stop following a thread; False if not following."""
    require(can_read_forums(actor, thread.forum.cohort), NOT_A_MEMBER)
    subscription = _subscription(actor, thread)
    if subscription is None:
        return False
    db.session.delete(subscription)
    db.session.flush()
    return True


def _subscription(actor, thread: Thread) -> Subscription | None:
    return db.session.scalar(
        select(Subscription).where(Subscription.thread_id == thread.id, Subscription.user_id == actor.id)
    )


def report_post(actor, post: Post, *, reason: str, now: datetime | None = None) -> PostReport:
    """Tell the cohort's moderators about a post (once per person and post)."""
    cohort = post.thread.forum.cohort
    require(can_read_forums(actor, cohort), NOT_A_MEMBER)
    require(not is_post_author(actor, post), "You cannot report your own post.")
    require_writable(actor, cohort.id)
    if post.hidden:
        raise InvalidTransition("A moderator has already hidden this post.")
    reason = reason_text(reason, "reporting")
    already = InvalidTransition("You have already reported this post; the moderators will look at it.")
    exists = db.session.scalar(
        select(PostReport.id).where(PostReport.post_id == post.id, PostReport.reporter_id == actor.id)
    )
    if exists is not None:
        raise already
    report = PostReport(post_id=post.id, reporter_id=actor.id, reason=reason, created_at=now or utcnow())
    if not added(report):
        raise already
    record(
        "forum.post_reported",
        actor=actor,
        actor_role=acting_role(actor, cohort),
        obj=post,
        object_type="ForumPost",
        details={"cohort_id": cohort.id, "thread_id": post.thread_id, "reason": reason},
    )
    db.session.flush()
    return report


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

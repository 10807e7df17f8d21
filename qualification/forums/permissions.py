"""Who may do what in a cohort's forums. Pure predicates: the cohort's members must be loaded."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.db.timeutil import utcnow
from qualification.permissions import can_view_cohort, is_cohort_staff

# Long enough to fix a typo, short enough that replies do not end up answering words that are gone.
EDIT_WINDOW = timedelta(minutes=30)


def can_read_forums(user, cohort) -> bool:
    """Read and post in the cohort's forums: its candidates, tutors and assessors, course leaders, admins."""
    return user.is_authenticated and can_view_cohort(user, cohort)


def can_moderate_forums(user, cohort) -> bool:
    """Hide posts, lock and pin threads, resolve reports: the cohort's tutors, assessors, course leaders."""
    return user.is_authenticated and is_cohort_staff(user, cohort)


def can_reply_to_thread(user, cohort, thread) -> bool:
    """Reply: anyone who reads the forum, while the thread is not locked."""
    return can_read_forums(user, cohort) and not thread.locked


def is_post_author(user, post) -> bool:
    """Whether this person wrote the post (only authors edit; moderators hide instead)."""
    return user.is_authenticated and post.author_id is not None and post.author_id == user.id


def edit_window_open(post, now: datetime | None = None) -> bool:
    """Whether the post is still young enough to be edited."""
    return (now or utcnow()) - post.created_at <= EDIT_WINDOW


def can_edit_post(user, cohort, thread, post, now: datetime | None = None) -> bool:
    """Edit: the author, within the edit window, while the post is visible and the thread open."""
    return (
        can_read_forums(user, cohort)
        and is_post_author(user, post)
        and not post.hidden
        and not thread.locked
        and edit_window_open(post, now)
    )


def can_report_post(user, cohort, post) -> bool:
    """Report: any reader, about a visible post someone else wrote."""
    return can_read_forums(user, cohort) and not is_post_author(user, post) and not post.hidden


def can_see_hidden_text(user, cohort) -> bool:
    """The words of a hidden post are for the moderators only."""
    return can_moderate_forums(user, cohort)


# The predicates the forum pages ask in their templates (registered as Jinja globals by the blueprint).
TEMPLATE_PREDICATES = (
    can_edit_post,
    can_moderate_forums,
    can_read_forums,
    can_reply_to_thread,
    can_report_post,
    can_see_hidden_text,
)

"""Read side of the forums: which forums a cohort has, thread lists with keyset paging, a thread's posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from core.extensions import db
from modules.study.models import EnrolmentStatus, ModuleEnrolment
from qualification.cohorts.models import Cohort
from qualification.cohorts.queries import cohort_modules
from qualification.forums.models import Forum, Post, PostReport, Subscription, Thread

PAGE_SIZE = 25
GENERAL = "general"
GENERAL_TITLE = "General discussion"


@dataclass(frozen=True)
class ForumSummary:
    """A forum as the list shows it; `forum` is None until its first thread exists."""

    key: str
    module_code: str | None
    title: str
    forum: Forum | None
    thread_count: int
    last_activity: datetime | None
    studied: bool = False


def forum_modules(cohort: Cohort) -> list[tuple[str, str]]:
    """(code, title) of each module the cohort's award draws on (or its CPD module), in document order."""
    return [(code, f"{code} {title}") for code, title in cohort_modules(cohort)]


def forum_title(cohort: Cohort, module_code: str | None) -> str | None:
    """The title of one of the cohort's forums; None when the cohort has no such forum."""
    if module_code is None:
        return GENERAL_TITLE
    return dict(forum_modules(cohort)).get(module_code)


def module_code_of(forum_key: str) -> str | None:
    return None if forum_key == GENERAL else forum_key


def forum_summaries(user, cohort: Cohort) -> list[ForumSummary]:
    """The general forum, then one per module: thread counts and last activity (a fixed number of queries)."""
    stats = {
        forum.module_code: (forum, count, last)
        for forum, count, last in db.session.execute(
            select(Forum, func.count(Thread.id), func.max(Thread.last_post_at))
            .outerjoin(Thread, Thread.forum_id == Forum.id)
            .where(Forum.cohort_id == cohort.id)
            .group_by(Forum.id)
        )
    }
    studied = set(
        db.session.scalars(
            select(ModuleEnrolment.module_code).where(
                ModuleEnrolment.candidate_id == user.id,
                ModuleEnrolment.cohort_id == cohort.id,
                ModuleEnrolment.status == EnrolmentStatus.ACTIVE,
            )
        )
    )
    summaries = []
    for code, title in [(None, GENERAL_TITLE), *forum_modules(cohort)]:
        forum, count, last = stats.get(code, (None, 0, None))
        summaries.append(ForumSummary(code or GENERAL, code, title, forum, count, last, code in studied))
    return summaries


def find_forum(cohort: Cohort, module_code: str | None) -> Forum | None:
    condition = Forum.module_code.is_(None) if module_code is None else Forum.module_code == module_code
    return db.session.scalar(select(Forum).where(Forum.cohort_id == cohort.id, condition))


@dataclass(frozen=True)
class ThreadRow:
    thread: Thread
    replies: int


@dataclass(frozen=True)
class ThreadPage:
    pinned: list[ThreadRow]
    threads: list[ThreadRow]
    older: tuple[datetime, int] | None  # the cursor of the next (older) page
    newer: tuple[datetime, int] | None  # the cursor of the previous (newer) page


def _thread_rows(query) -> list[ThreadRow]:
    replies = (
        select(func.count(Post.id)).where(Post.thread_id == Thread.id).correlate(Thread).scalar_subquery() - 1
    )
    return [
        ThreadRow(thread, count)
        for thread, count in db.session.execute(query.add_columns(replies).options(joinedload(Thread.author)))
    ]


def thread_page(
    forum: Forum | None,
    *,
    before: tuple[datetime, int] | None = None,
    after: tuple[datetime, int] | None = None,
) -> ThreadPage:
    """Pinned threads (first page only), then the others by latest activity, PAGE_SIZE at a time."""
    if forum is None:
        return ThreadPage([], [], None, None)
    base = select(Thread).where(Thread.forum_id == forum.id, Thread.pinned.is_(False))
    if after is not None:
        # Going back towards the newest: read upwards, then turn the page the right way round.
        newer_than = or_(
            Thread.last_post_at > after[0], and_(Thread.last_post_at == after[0], Thread.id > after[1])
        )
        rows = _thread_rows(
            base.where(newer_than).order_by(Thread.last_post_at, Thread.id).limit(PAGE_SIZE + 1)
        )
        more_newer = len(rows) > PAGE_SIZE
        rows = list(reversed(rows[:PAGE_SIZE]))
        newer = _cursor(rows[0]) if more_newer and rows else None
        older = _cursor(rows[-1]) if rows else None
    else:
        query = base.order_by(Thread.last_post_at.desc(), Thread.id.desc()).limit(PAGE_SIZE + 1)
        if before is not None:
            query = query.where(
                or_(
                    Thread.last_post_at < before[0],
                    and_(Thread.last_post_at == before[0], Thread.id < before[1]),
                )
            )
        rows = _thread_rows(query)
        older = _cursor(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE else None
        rows = rows[:PAGE_SIZE]
        newer = _cursor(rows[0]) if before is not None and rows else None
    first_page = newer is None
    pinned = (
        _thread_rows(
            select(Thread)
            .where(Thread.forum_id == forum.id, Thread.pinned.is_(True))
            .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        )
        if first_page
        else []
    )
    return ThreadPage(pinned, rows, older, newer)


def _cursor(row: ThreadRow) -> tuple[datetime, int]:
    return row.thread.last_post_at, row.thread.id


def load_thread(thread_id: int) -> Thread | None:
    """A thread with its forum, cohort and the cohort's members (what every permission check needs)."""
    return db.session.scalar(
        select(Thread)
        .where(Thread.id == thread_id)
        .options(joinedload(Thread.forum).joinedload(Forum.cohort).selectinload(Cohort.members))
    )


def load_post(post_id: int) -> Post | None:
    """A post with its thread, forum, cohort and the cohort's members."""
    return db.session.scalar(
        select(Post)
        .where(Post.id == post_id)
        .options(
            joinedload(Post.thread)
            .joinedload(Thread.forum)
            .joinedload(Forum.cohort)
            .selectinload(Cohort.members)
        )
    )


def thread_posts(thread: Thread) -> list[Post]:
    """Every post of the thread, oldest first, with its author, in one query (plus the authors' roles)."""
    return list(
        db.session.scalars(
            select(Post)
            .where(Post.thread_id == thread.id)
            .order_by(Post.created_at, Post.id)
            .options(joinedload(Post.author))
        )
    )


def is_subscribed(user, thread: Thread) -> bool:
    return (
        db.session.scalar(
            select(Subscription.id).where(
                Subscription.thread_id == thread.id, Subscription.user_id == user.id
            )
        )
        is not None
    )


def reported_by(user, thread: Thread) -> set[int]:
    """The posts of this thread this person has reported already."""
    return set(
        db.session.scalars(
            select(PostReport.post_id)
            .join(Post, Post.id == PostReport.post_id)
            .where(Post.thread_id == thread.id, PostReport.reporter_id == user.id)
        )
    )


def open_report_counts(thread: Thread) -> dict[int, int]:
    """post id -> number of unresolved reports, for the moderators' view of a thread."""
    return dict(
        db.session.execute(
            select(PostReport.post_id, func.count(PostReport.id))
            .join(Post, Post.id == PostReport.post_id)
            .where(Post.thread_id == thread.id, PostReport.resolved_at.is_(None))
            .group_by(PostReport.post_id)
        ).all()
    )


def open_reports(cohort: Cohort) -> list[PostReport]:
    """Unresolved reports in the cohort's forums, oldest first, with post, thread, forum and people."""
    return list(
        db.session.scalars(
            select(PostReport)
            .join(Post, Post.id == PostReport.post_id)
            .join(Thread, Thread.id == Post.thread_id)
            .join(Forum, Forum.id == Thread.forum_id)
            .where(Forum.cohort_id == cohort.id, PostReport.resolved_at.is_(None))
            .order_by(PostReport.created_at, PostReport.id)
            .options(
                joinedload(PostReport.reporter),
                joinedload(PostReport.post).joinedload(Post.author),
                joinedload(PostReport.post).joinedload(Post.thread).joinedload(Thread.forum),
            )
        )
    )


def open_reports_by_post(cohort: Cohort) -> list[tuple[Post, list[PostReport]]]:
    """The reported posts, each with its open reports, the longest-waiting first."""
    grouped: dict[int, tuple[Post, list[PostReport]]] = {}
    for report in open_reports(cohort):
        grouped.setdefault(report.post_id, (report.post, []))[1].append(report)
    return list(grouped.values())


def open_report_total(cohort: Cohort) -> int:
    return (
        db.session.scalar(
            select(func.count(PostReport.id))
            .join(Post, Post.id == PostReport.post_id)
            .join(Thread, Thread.id == Post.thread_id)
            .join(Forum, Forum.id == Thread.forum_id)
            .where(Forum.cohort_id == cohort.id, PostReport.resolved_at.is_(None))
        )
        or 0
    )


def subscriber_ids(thread: Thread) -> list[int]:
    return list(
        db.session.scalars(
            select(Subscription.user_id).where(Subscription.thread_id == thread.id).order_by(Subscription.id)
        )
    )

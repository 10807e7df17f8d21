"""The read side of deadlines: a cohort's deadlines and requests, a candidate's own deadlines (home panel,
calendar feeds), and who is due a reminder. A candidate's own deadline is read in personal.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from core.accounts.models import Role
from core.db.timeutil import uk_today
from core.extensions import db
from modules.study.queries import closed_modules
from qualification.cohorts.models import Cohort
from qualification.deadlines.models import (
    DeadlineExtension,
    DeadlineReminder,
    ExtensionStatus,
    ModuleDeadline,
)
from qualification.deadlines.queries.personal import (
    PersonalDeadline,
    before_pause,
    enrolled_deadlines,
    fold_breaks,
    personal_deadlines,
)
from qualification.deadlines.rules import (
    REMINDER_DAYS,
    DeadlineEvent,
    deadline_uid,
    due_words,
    long_date,
    reminder_due,
)
from qualification.membership.models import LearningBreak

DECIDED_SHOWN = 100  # decided requests listed on the cohort's page (the newest); open ones are all listed


# The cohort's side ----------------------------------------------------------------------------------------


def cohort_deadlines(cohort_id: int) -> list[ModuleDeadline]:
    """The cohort's deadlines, soonest first."""
    return list(
        db.session.scalars(
            select(ModuleDeadline)
            .where(ModuleDeadline.cohort_id == cohort_id)
            .order_by(ModuleDeadline.due_on, ModuleDeadline.module_code)
        )
    )


def deadline_or_404(cohort: Cohort, deadline_id: int) -> ModuleDeadline:
    """One of this cohort's deadlines (a deadline of another cohort is as unknown as a missing one)."""
    deadline = db.session.get(ModuleDeadline, deadline_id)
    if deadline is None or deadline.cohort_id != cohort.id:
        abort(404)
    return deadline


def extension_or_404(cohort: Cohort, extension_id: int) -> DeadlineExtension:
    """One extension request on this cohort's deadlines."""
    extension = db.session.get(DeadlineExtension, extension_id)
    if extension is None or extension.deadline.cohort_id != cohort.id:
        abort(404)
    return extension


def cohort_requests(cohort_id: int) -> tuple[list[DeadlineExtension], list[DeadlineExtension]]:
    """The cohort's extension requests: those waiting (oldest first), and the newest decided ones."""
    base = (
        select(DeadlineExtension)
        .join(ModuleDeadline, ModuleDeadline.id == DeadlineExtension.deadline_id)
        .where(ModuleDeadline.cohort_id == cohort_id)
        .options(
            joinedload(DeadlineExtension.candidate),
            joinedload(DeadlineExtension.decided_by),
            joinedload(DeadlineExtension.deadline),
        )
    )
    waiting = base.where(DeadlineExtension.status == ExtensionStatus.REQUESTED).order_by(
        DeadlineExtension.requested_at, DeadlineExtension.id
    )
    decided = (
        base.where(DeadlineExtension.status != ExtensionStatus.REQUESTED)
        .order_by(DeadlineExtension.decided_at.desc(), DeadlineExtension.id.desc())
        .limit(DECIDED_SHOWN)
    )
    return list(db.session.scalars(waiting)), list(db.session.scalars(decided))


def waiting_requests_query(cohort_ids):
    """SQL: (cohort_id, n) for these cohorts with extension requests waiting for a decision; a page that
    counts other things per cohort can run it in its own statement (the course leader's home does)."""
    return (
        select(ModuleDeadline.cohort_id.label("cohort_id"), func.count(DeadlineExtension.id).label("n"))
        .join(DeadlineExtension, DeadlineExtension.deadline_id == ModuleDeadline.id)
        .where(
            ModuleDeadline.cohort_id.in_(list(cohort_ids)),
            DeadlineExtension.status == ExtensionStatus.REQUESTED,
        )
        .group_by(ModuleDeadline.cohort_id)
    )


def waiting_requests(cohort_ids) -> dict[int, int]:
    """How many extension requests wait for a decision, per cohort (one query; cohorts with none left out),
    for a page that lists what needs a course leader."""
    ids = list(cohort_ids)
    if not ids:
        return {}
    return dict(db.session.execute(waiting_requests_query(ids)).all())


def cohort_deadline_events(cohort: Cohort) -> list[DeadlineEvent]:
    """The cohort's deadlines as all-day events for its published calendar feed (one query)."""
    titles = {link.code: link.module.title for link in cohort.qualification_version.module_links}
    return [
        DeadlineEvent(
            uid=deadline_uid(d.id),
            day=d.due_on,
            summary=f"Deadline: {d.module_code} {titles.get(d.module_code, '')}".strip(),
            description=(
                f"Submit {d.module_code} by the end of {long_date(d.due_on)}. "
                "An extension you were granted moves your own deadline: see Waymark."
            ),
            sequence=(d.version or 1) - 1,
        )
        for d in cohort_deadlines(cohort.id)
    ]


def requests_of(candidate_id: int, cohort_id: int) -> list[DeadlineExtension]:
    """The candidate's extension requests in the cohort, newest first."""
    return list(
        db.session.scalars(
            select(DeadlineExtension)
            .join(ModuleDeadline, ModuleDeadline.id == DeadlineExtension.deadline_id)
            .where(DeadlineExtension.candidate_id == candidate_id, ModuleDeadline.cohort_id == cohort_id)
            .options(joinedload(DeadlineExtension.deadline), joinedload(DeadlineExtension.decided_by))
            .order_by(DeadlineExtension.requested_at.desc(), DeadlineExtension.id.desc())
        )
    )


@dataclass(frozen=True)
class DeadlineLine:
    """A deadline as the candidate's pages show it."""

    item: PersonalDeadline
    handed_in: str | None  # why nothing is left to hand in ("submitted for assessment (attempt 1)")
    words: str  # "in 5 days", "due tomorrow", "3 days overdue"
    overdue: bool


def deadline_lines(items: list[PersonalDeadline], today: date) -> list[DeadlineLine]:
    """The candidate's deadlines with what they handed in (read once per request, shared with the study
    pages) and how near each is."""
    if not items:
        return []
    closed = closed_modules(items[0].candidate_id)
    lines = []
    for item in items:
        done = closed.get(item.key)
        lines.append(DeadlineLine(item, done, due_words(item.due, today), done is None and today > item.due))
    return lines


def deadlines_panel(user) -> dict | None:
    """The candidate's home panel: their module deadlines, nearest first, with extensions (one query; what
    they handed in comes from the study panel's reading)."""
    if not user.has_role(Role.CANDIDATE):
        return None
    today = uk_today()
    items = personal_deadlines(user.id, today=today)
    if not items:
        return None
    cohorts = {item.deadline.cohort_id: item.cohort_name for item in items}
    return {
        "template": "qualification/deadlines/_home_panel.html",
        "lines": deadline_lines(items, today),
        "cohorts": sorted(cohorts.items(), key=lambda c: c[1]),
    }


# Reminders -------------------------------------------------------------------------------------------------


def reminders_due(today: date) -> list[tuple[PersonalDeadline, int]]:
    """(deadline, days before) of each reminder due today and not sent yet for that date (two queries).

    Narrowed in SQL on the date before any pause: a break only moves a deadline later, so the window's upper
    bound holds for everyone, and its lower bound only for candidates who never had a break (one who had may
    be due in the window now from a date before it). Nobody is reminded while on a break: their deadline
    stands still until they are back."""
    query, g = enrolled_deadlines()
    day = before_pause(g)
    window = query.where(
        or_(day >= today, LearningBreak.id.is_not(None)), day <= today + timedelta(days=max(REMINDER_DAYS))
    )
    items = [
        item
        for head, breaks in fold_breaks(db.session.execute(window))
        if not (item := PersonalDeadline(*head, breaks=breaks, today=today)).away
    ]
    if not items:
        return []
    sent = set(
        db.session.execute(
            select(
                DeadlineReminder.deadline_id,
                DeadlineReminder.candidate_id,
                DeadlineReminder.due_on,
                DeadlineReminder.days,
            ).where(DeadlineReminder.deadline_id.in_({i.deadline.id for i in items}))
        ).all()
    )
    due = []
    for item in items:
        days = reminder_due(item.due, today)
        # The week's reminder is not sent late once the day's is due: one reminder, the nearer one.
        if days is not None and (item.deadline.id, item.candidate_id, item.due, days) not in sent:
            due.append((item, days))
    return sorted(due, key=lambda d: (d[0].candidate_id, d[0].due, d[0].deadline.id))

"""The read side of deadlines: a cohort's deadlines and requests, a candidate's own deadlines (home panel,
calendar feeds), and who is due a reminder.

A candidate's deadline is worked out in Python by `rules.personal_deadline` from the rows read here (the
cohort's date and the latest date granted), so that rule is written once; SQL only narrows the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from core.accounts.models import Role
from core.db.timeutil import uk_today
from core.extensions import db
from modules.catalogue.models import Module
from modules.study.models import EnrolmentStatus, ModuleEnrolment
from modules.study.queries import closed_modules
from qualification.cohorts.models import Cohort, CohortMember, MemberRole
from qualification.deadlines.models import (
    DeadlineExtension,
    DeadlineReminder,
    ExtensionStatus,
    ModuleDeadline,
)
from qualification.deadlines.rules import (
    REMINDER_DAYS,
    DeadlineEvent,
    deadline_uid,
    due_words,
    long_date,
    personal_deadline,
    reminder_due,
)

DECIDED_SHOWN = 100  # decided requests listed on the cohort's page (the newest); open ones are all listed


# The cohort's side ----------------------------------------------------------------------------------------


def cohort_modules(cohort: Cohort) -> list[tuple[str, str]]:
    """(code, title) of the modules the cohort studies, in the qualification's order: its CPD module, or
    every compulsory and optional module of its award and the awards that award includes."""
    version = cohort.qualification_version
    if cohort.module_code:
        wanted = {cohort.module_code}
    else:
        awards = {a.code: a for a in version.awards}
        wanted, todo, seen = set(), [cohort.award_code], set()
        while todo:
            award = awards.get(todo.pop())
            if award is None or award.code in seen:
                continue
            seen.add(award.code)
            wanted.update(award.codes("compulsory"))
            wanted.update(code for group in award.option_groups for code in group.module_codes)
            todo += award.codes("includes")
    return [(link.code, link.module.title) for link in version.module_links if link.code in wanted]


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


def waiting_requests(cohort_ids) -> dict[int, int]:
    """How many extension requests wait for a decision, per cohort (one query; cohorts with none left out),
    for a page that lists what needs a course leader."""
    ids = list(cohort_ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(ModuleDeadline.cohort_id, func.count(DeadlineExtension.id))
            .join(DeadlineExtension, DeadlineExtension.deadline_id == ModuleDeadline.id)
            .where(ModuleDeadline.cohort_id.in_(ids), DeadlineExtension.status == ExtensionStatus.REQUESTED)
            .group_by(ModuleDeadline.cohort_id)
        ).all()
    )


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


# The candidate's side --------------------------------------------------------------------------------------


def granted_until():
    """SQL: per (deadline, candidate) the latest date an extension granted, and how many were granted."""
    granted = DeadlineExtension.status == ExtensionStatus.GRANTED
    return (
        select(
            DeadlineExtension.deadline_id.label("deadline_id"),
            DeadlineExtension.candidate_id.label("candidate_id"),
            func.max(DeadlineExtension.granted_until).label("until"),
            func.count(DeadlineExtension.id).label("grants"),
        )
        .where(granted)
        .group_by(DeadlineExtension.deadline_id, DeadlineExtension.candidate_id)
        .subquery("granted_until")
    )


def before_pause(granted):
    """SQL: a candidate's deadline before any pause: the cohort's, or the later date granted (`granted` is
    the `granted_until()` subquery joined). A pause only moves it later, so SQL may narrow on it."""
    return case((granted.c.until > ModuleDeadline.due_on, granted.c.until), else_=ModuleDeadline.due_on)


def extended_until(deadline_id: int, candidate_id: int) -> date | None:
    """The latest date an extension of this deadline granted the candidate, or None."""
    return db.session.scalar(
        select(func.max(DeadlineExtension.granted_until)).where(
            DeadlineExtension.deadline_id == deadline_id,
            DeadlineExtension.candidate_id == candidate_id,
            DeadlineExtension.status == ExtensionStatus.GRANTED,
        )
    )


@dataclass(frozen=True)
class PersonalDeadline:
    """One module deadline of one candidate, with their extension."""

    deadline: ModuleDeadline
    candidate_id: int
    family: str
    module_title: str
    cohort_name: str
    extended_until: date | None = None
    grants: int = 0
    pending: bool = False  # a request of theirs waits for a decision
    # Days their learning was paused (breaks in learning): not wired yet, so always 0 here.
    paused_days: int = 0

    @property
    def due(self) -> date:
        return personal_deadline(self.deadline.due_on, self.extended_until, self.paused_days)

    @property
    def moved(self) -> bool:
        """Whether their deadline differs from the cohort's (extended, or paused)."""
        return self.due != self.deadline.due_on

    @property
    def key(self) -> tuple[str, str]:
        return (self.family, self.deadline.module_code)

    def event(self) -> DeadlineEvent:
        """Their deadline as an all-day event of their personal calendar feed."""
        code = self.deadline.module_code
        extra = f" Extended from {long_date(self.deadline.due_on)}." if self.moved else ""
        return DeadlineEvent(
            uid=deadline_uid(self.deadline.id, self.candidate_id),
            day=self.due,
            summary=f"Deadline: {code} {self.module_title}",
            description=f"Submit {code} ({self.cohort_name}) by the end of {long_date(self.due)}.{extra}",
            sequence=(self.deadline.version or 1) - 1 + self.grants,
        )


def enrolled_deadlines(with_pending_for: int | None = None):
    """SQL: every deadline with each candidate who studies its module in its cohort, their module's title,
    the cohort's name and the latest extension granted (and, for one candidate, whether a request waits);
    with the granted-extensions subquery it joins."""
    g = granted_until()
    columns = [
        ModuleDeadline,
        ModuleEnrolment.candidate_id,
        ModuleEnrolment.family,
        Module.title,
        Cohort.name,
        g.c.until,
        func.coalesce(g.c.grants, 0),
    ]
    if with_pending_for is not None:
        waiting = (
            select(DeadlineExtension.id)
            .where(
                DeadlineExtension.deadline_id == ModuleDeadline.id,
                DeadlineExtension.candidate_id == with_pending_for,
                DeadlineExtension.status == ExtensionStatus.REQUESTED,
            )
            .exists()
        )
        columns.append(waiting)
    query = (
        select(*columns)
        .join(Cohort, Cohort.id == ModuleDeadline.cohort_id)
        .join(
            ModuleEnrolment,
            and_(
                ModuleEnrolment.cohort_id == ModuleDeadline.cohort_id,
                ModuleEnrolment.module_code == ModuleDeadline.module_code,
                ModuleEnrolment.status == EnrolmentStatus.ACTIVE,
            ),
        )
        .join(
            CohortMember,
            and_(
                CohortMember.cohort_id == ModuleDeadline.cohort_id,
                CohortMember.user_id == ModuleEnrolment.candidate_id,
                CohortMember.role == MemberRole.CANDIDATE,
            ),
        )
        .join(Module, Module.id == ModuleEnrolment.module_id)
        .outerjoin(
            g, and_(g.c.deadline_id == ModuleDeadline.id, g.c.candidate_id == ModuleEnrolment.candidate_id)
        )
    )
    return query, g


def personal_deadlines(user_id: int, cohort_id: int | None = None) -> list[PersonalDeadline]:
    """The candidate's deadlines for the modules they study, in every cohort or one, soonest first (one
    query)."""
    query, _ = enrolled_deadlines(with_pending_for=user_id)
    query = query.where(ModuleEnrolment.candidate_id == user_id)
    if cohort_id is not None:
        query = query.where(ModuleDeadline.cohort_id == cohort_id)
    found = [PersonalDeadline(*row[:-1], pending=bool(row[-1])) for row in db.session.execute(query)]
    return sorted(found, key=lambda p: (p.due, p.deadline.module_code, p.deadline.id))


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
    items = personal_deadlines(user.id)
    if not items:
        return None
    cohorts = {item.deadline.cohort_id: item.cohort_name for item in items}
    return {
        "template": "qualification/deadlines/_home_panel.html",
        "lines": deadline_lines(items, uk_today()),
        "cohorts": sorted(cohorts.items(), key=lambda c: c[1]),
    }


# Reminders -------------------------------------------------------------------------------------------------


def reminders_due(today: date) -> list[tuple[PersonalDeadline, int]]:
    """(deadline, days before) of each reminder due today and not sent yet for that date (two queries).

    Narrowed in SQL on the date before any pause; a pause only moves a deadline later, so wiring paused
    days in must widen the lower bound of that window by the candidate's pause."""
    query, g = enrolled_deadlines()
    day = before_pause(g)
    window = query.where(day >= today, day <= today + timedelta(days=max(REMINDER_DAYS)))
    items = [PersonalDeadline(*row) for row in db.session.execute(window)]
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

"""A candidate's own deadlines: the cohort's date, the latest date an extension granted them, and their
breaks in learning, made one date by `rules.personal_deadline` in Python (so that rule is written once; SQL
only narrows the rows). The breaks come in the same statement as the deadlines (an outer join: one row per
break, folded back by `fold_breaks`), so no page runs a statement more for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import and_, bindparam, case, func, select

from core.db.paging import keyset_filter
from core.db.postgres import prepared
from core.db.timeutil import uk_today
from core.extensions import db
from modules.catalogue.models import Module
from modules.study.models import EnrolmentStatus, ModuleEnrolment
from qualification.cohorts.models import Cohort, CohortMember, MemberRole
from qualification.cohorts.rules import BreakSpan, on_break
from qualification.deadlines.models import DeadlineExtension, ExtensionStatus, ModuleDeadline
from qualification.deadlines.rules import (
    DeadlineEvent,
    breaks_sequence,
    deadline_uid,
    long_date,
    personal_deadline,
)
from qualification.membership.models import LearningBreak
from qualification.membership.queries import break_spans

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


def current_deadline(extension: DeadlineExtension, today: date | None = None) -> date:
    """The deadline of the candidate who asked, as it stands when the request is decided: the extensions
    granted before and their breaks in learning (two queries)."""
    deadline, candidate_id = extension.deadline, extension.candidate_id
    return personal_deadline(
        deadline.due_on,
        extended_until(deadline.id, candidate_id),
        candidate_breaks(deadline.cohort_id, candidate_id),
        today=today or uk_today(),
    )


@dataclass(frozen=True)
class PersonalDeadline:
    """One module deadline of one candidate, with their extension and their breaks in learning."""

    deadline: ModuleDeadline
    candidate_id: int
    family: str
    module_title: str
    cohort_name: str
    extended_until: date | None = None
    grants: int = 0
    pending: bool = False  # a request of theirs waits for a decision
    # Their breaks in learning in the deadline's cohort, and the day it is read (an open break runs on).
    breaks: tuple[BreakSpan, ...] = ()
    today: date | None = None

    @property
    def due(self) -> date:
        return personal_deadline(self.deadline.due_on, self.extended_until, self.breaks, today=self.today)

    @property
    def moved(self) -> bool:
        """Whether their deadline differs from the cohort's (extended, or paused)."""
        return self.due != self.deadline.due_on

    @property
    def paused(self) -> bool:
        """Whether a break in learning moved their deadline."""
        return self.due != personal_deadline(self.deadline.due_on, self.extended_until)

    @property
    def away(self) -> bool:
        """Whether they are on a break in learning today (no reminders, never overdue)."""
        return self.today is not None and on_break(self.breaks, self.today)

    @property
    def key(self) -> tuple[str, str]:
        return (self.family, self.deadline.module_code)

    def event(self) -> DeadlineEvent:
        """Their deadline as an all-day event of their personal calendar feed."""
        code = self.deadline.module_code
        extra = ""
        if self.moved:
            how = "Moved on by your break in learning" if self.paused else "Extended"
            extra = f" {how} from {long_date(self.deadline.due_on)}."
        return DeadlineEvent(
            uid=deadline_uid(self.deadline.id, self.candidate_id),
            day=self.due,
            summary=f"Deadline: {code} {self.module_title}",
            description=f"Submit {code} ({self.cohort_name}) by the end of {long_date(self.due)}.{extra}",
            sequence=(self.deadline.version or 1)
            - 1
            + self.grants
            + (breaks_sequence(self.breaks, self.today) if self.today else 0),
        )


def fold_breaks(rows) -> list[tuple[tuple, tuple[BreakSpan, ...]]]:
    """Rows whose first two columns are a break's first day and return day (an outer join to the candidate's
    breaks: one row per break, NULLs when none), folded into one per rest of the row, with its breaks."""
    found: dict[tuple, list[BreakSpan]] = {}
    for row in rows:
        starts_on, ends_on, *head = row
        spans = found.setdefault(tuple(head), [])
        if starts_on is not None:
            spans.append(BreakSpan(starts_on, ends_on))
    return [(head, tuple(spans)) for head, spans in found.items()]


def candidate_breaks(cohort_id: int, candidate_id: int) -> tuple[BreakSpan, ...]:
    """One candidate's breaks in learning in a cohort (one query)."""
    return tuple(break_spans([cohort_id]).get((cohort_id, candidate_id), ()))


def enrolled_deadlines(with_pending_for: int | None = None, *, by_candidate: bool = False):
    """SQL: every deadline with each candidate who studies its module in its cohort, their module's title,
    the cohort's name and the latest extension granted (and, for one candidate, whether a request waits);
    with the granted-extensions subquery it joins. The first two columns are a break of the candidate in the
    cohort (one row per break: fold them with `fold_breaks`). `by_candidate`: the caller narrows it to some
    candidates, so their enrolments are found by the candidate alone, never through the index of the
    cohort's every enrolment (which PostgreSQL, with no statistics, takes for a handful of rows)."""
    g = granted_until()
    columns = [
        LearningBreak.starts_on,
        LearningBreak.ends_on,
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
    same_cohort = ModuleEnrolment.cohort_id == ModuleDeadline.cohort_id
    query = (
        select(*columns)
        .select_from(ModuleDeadline)
        .join(Cohort, Cohort.id == ModuleDeadline.cohort_id)
        .join(
            ModuleEnrolment,
            and_(
                keyset_filter(same_cohort) if by_candidate else same_cohort,
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
        .outerjoin(LearningBreak, LearningBreak.member_id == CohortMember.id)
    )
    return query, g


@cache
def _personal_statement(one_cohort: bool):
    """Built once: a candidate's home page and deadline pages run it on every visit."""
    user_id = bindparam("user_id")
    query, _ = enrolled_deadlines(with_pending_for=user_id)
    query = query.where(ModuleEnrolment.candidate_id == user_id)
    if one_cohort:
        query = query.where(ModuleDeadline.cohort_id == bindparam("cohort_id"))
    return prepared(query)


def personal_deadlines(
    user_id: int, cohort_id: int | None = None, today: date | None = None
) -> list[PersonalDeadline]:
    """The candidate's deadlines for the modules they study, in every cohort or one, as they stand today,
    soonest first (one query)."""
    today = today or uk_today()
    rows = db.session.execute(
        _personal_statement(cohort_id is not None), {"user_id": user_id, "cohort_id": cohort_id}
    )
    found = [
        PersonalDeadline(*head[:-1], pending=bool(head[-1]), breaks=breaks, today=today)
        for head, breaks in fold_breaks(rows)
    ]
    return sorted(found, key=lambda p: (p.due, p.deadline.module_code, p.deadline.id))

"""The course leader's home panel: per cohort they lead, what needs them (three queries in all: the cohorts,
the breaks in learning that stop clocks, the counts).

- Unallocated work: submitted attempts, submitted APL claims and modules needing an observation planned, of
  candidates with no assessor allocated in the cohort (`unallocated_counts`): nobody's queue holds them.
- Overdue marking: submitted attempts and APL claims not yet decided that have waited longer than the cohort's
  turnaround target (the queue's notion: assessors/queue/rules.py, `late` in sources.py), allocated or not.
- Sessions this week: the cohort's sessions starting this UK week, Monday to Sunday.
- Candidates with no activity for 21 days: see `INACTIVE_DAYS` and `_recently_active`.
- Extension requests waiting for a decision (`qualification.deadlines`), in the counts' own statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import String, and_, case, exists, func, literal, select, true, type_coerce, union_all
from sqlalchemy.orm import aliased, outerjoin

from assessors.marking.models import QUEUE_STATUSES, Assessment
from assessors.queries import activity_branches
from assessors.queue.queries.page import cutoffs_of
from assessors.queue.queries.sources import (
    DECIDED,
    QueueFilters,
    Whose,
    late,
    sources,
)
from assessors.queue.rules import start_of_uk_day, today_uk
from core.accounts.models import Role
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.submissions.models import Submission, SubmissionStatus
from qualification.cohorts.models import (
    Cohort,
    CohortMember,
    CohortSession,
    MemberRole,
    MemberStatus,
    SessionStatus,
)
from qualification.cohorts.queries import with_closures
from qualification.deadlines.queries import waiting_requests_query
from qualification.membership.queries import break_spans, withdrawn

INACTIVE_DAYS = 21
UNALLOCATED_KINDS = ("attempts", "claims", "to_plan")


@dataclass
class CohortNeeds:
    """What one cohort's leader should look at, as counts."""

    cohort: Cohort | None = None
    attempts: int = 0  # unallocated submitted attempts
    claims: int = 0  # unallocated submitted APL claims
    to_plan: int = 0  # unallocated modules needing an observation planned
    overdue: int = 0
    sessions: int = 0
    inactive: int = 0
    requests: int = 0  # extension requests waiting for a decision

    @property
    def unallocated(self) -> int:
        return self.attempts + self.claims + self.to_plan


@dataclass(frozen=True)
class LeaderOverview:
    cohorts: list[CohortNeeds] = field(default_factory=list)
    week_start: date | None = None


def _counted(kind: str, cohort_col, *conditions, select_from=None):
    """One branch of the counts: (cohort id, kind, how many) per cohort."""
    query = select(
        cohort_col.label("cohort_id"), literal(kind, String).label("kind"), func.count().label("n")
    )
    if select_from is not None:
        query = query.select_from(select_from)
    return query.where(*conditions).group_by(cohort_col)


# The queue's kinds of work, as the leader's panel counts them (the Unallocated page lists the same rows).
PANEL_KIND = {
    "submission": "attempts",
    "resubmission": "attempts",
    "iqa_return": "attempts",
    "apl": "claims",
    "observation_plan": "to_plan",
    "observation": "to_plan",
}


def _unallocated_branches(cohort_ids: list[int]):
    """The cohorts' Unallocated queue counted by kind, from the queue's own sources: one rule for what waits
    with nobody (so the panel's numbers are the Unallocated page's rows)."""
    rows = union_all(
        *[
            query.with_only_columns(key[3].label("cohort_id"), key[1].label("queue_kind"))
            for query, key in sources(Whose(cohort_ids=tuple(cohort_ids)), QueueFilters())
        ]
    ).subquery()
    kind = case(
        *(
            (rows.c.queue_kind == queue_kind, literal(name, String))
            for queue_kind, name in PANEL_KIND.items()
        ),
        else_=literal("to_plan", String),
    ).label("kind")
    return [select(rows.c.cohort_id, kind, func.count().label("n")).group_by(rows.c.cohort_id, kind)]


def _gather(branches, needs: dict[int, CohortNeeds]) -> dict[int, CohortNeeds]:
    if not branches:
        return needs
    for cohort_id, kind, n in db.session.execute(union_all(*branches)):
        if cohort_id in needs:
            setattr(needs[cohort_id], kind, n)
    return needs


def unallocated_counts(cohort_ids: list[int]) -> dict[int, CohortNeeds]:
    """cohort id -> its unallocated work (attempts, claims, observations to plan), in one query."""
    needs = {cid: CohortNeeds() for cid in cohort_ids}
    return _gather(_unallocated_branches(cohort_ids) if cohort_ids else [], needs)


def _overdue_branches(cohorts: list[Cohort], today: date):
    """Attempts and APL claims not yet decided, past their cohort's turnaround target."""
    ids = [c.id for c in cohorts]
    cutoffs = cutoffs_of(cohorts, today, break_spans(ids))
    a, b = aliased(Assessment), aliased(Assessment)
    decided = aliased(Assessment)
    s, c = Submission, AplClaim
    attempt_waiting = type_coerce(func.coalesce(a.waiting_since, s.submitted_at), UTCDateTime)
    attempts = _counted(
        "overdue_attempts",
        s.cohort_id,
        s.cohort_id.in_(ids),
        s.status == SubmissionStatus.SUBMITTED,
        a.id.is_(None) | a.status.in_(QUEUE_STATUSES),
        late(s.cohort_id, s.candidate_id, attempt_waiting, cutoffs),
        ~withdrawn(s.cohort_id, s.candidate_id),
        select_from=outerjoin(s, a, a.submission_id == s.id),
    )
    claim_waiting = type_coerce(func.coalesce(b.waiting_since, c.submitted_at), UTCDateTime)
    claims = _counted(
        "overdue_claims",
        c.cohort_id,
        c.cohort_id.in_(ids),
        c.status == AplStatus.SUBMITTED,
        ~exists().where(decided.apl_claim_id == c.id, decided.status.in_(DECIDED)),
        late(c.cohort_id, c.candidate_id, claim_waiting, cutoffs),
        ~withdrawn(c.cohort_id, c.candidate_id),
        select_from=outerjoin(c, b, and_(b.apl_claim_id == c.id, b.status.in_(QUEUE_STATUSES))),
    )
    return [attempts, claims]


def _sessions_branch(cohort_ids: list[int], week_start: date):
    start, end = start_of_uk_day(week_start), start_of_uk_day(week_start + timedelta(days=7))
    return _counted(
        "sessions",
        CohortSession.cohort_id,
        CohortSession.cohort_id.in_(cohort_ids),
        CohortSession.status == SessionStatus.SCHEDULED,
        CohortSession.starts_at >= start,
        CohortSession.starts_at < end,
    )


def _activity(*, since: datetime | None = None, people: list[int] | None = None):
    """SQL: (user_id, at) for each thing people did on their course (since then; these people only). What
    counts as activity is `assessors.queries.activity_branches` (the cohort report's "Last activity" too)."""

    def narrow(who, when):
        conditions = []
        if since is not None:
            conditions.append(when >= since)
        if people is not None:
            conditions += [who.in_(people), when.is_not(None)]
        return and_(true(), *conditions)

    return union_all(*activity_branches(narrow)).subquery()


def _recently_active(since: datetime):
    """SQL: the ids of people who did something on their course since then (see `_activity`)."""
    return select(_activity(since=since).c.user_id)


def last_active(user_ids) -> dict[int, datetime]:
    """When each of these people last did something on their course (see `_activity`), in one query; those
    who never did are left out."""
    ids = list(user_ids)
    if not ids:
        return {}
    done = _activity(people=ids)
    latest = type_coerce(func.max(done.c.at), UTCDateTime)
    return dict(db.session.execute(select(done.c.user_id, latest).group_by(done.c.user_id)).all())


def _inactive_branch(cohort_ids: list[int], now: datetime):
    """Candidates of the cohort with no activity for INACTIVE_DAYS days, counting from when they joined (a
    candidate added last week is not inactive yet)."""
    since = now - timedelta(days=INACTIVE_DAYS)
    m = CohortMember
    return _counted(
        "inactive",
        m.cohort_id,
        m.cohort_id.in_(cohort_ids),
        m.role == MemberRole.CANDIDATE,
        # On a break, withdrawn or moved on: their quiet is expected, not a worry.
        m.status == MemberStatus.ACTIVE,
        m.added_at < since,
        m.user_id.not_in(_recently_active(since)),
    )


def _requests_branch(cohort_ids: list[int]):
    waiting = waiting_requests_query(cohort_ids).subquery()
    return select(waiting.c.cohort_id, literal("requests", String).label("kind"), waiting.c.n)


def leader_overview(leader_id: int, *, now: datetime | None = None) -> LeaderOverview:
    """The cohorts this person leads, each with what needs them (three queries)."""
    now = now or utcnow()
    today = today_uk(now)
    week_start = today - timedelta(days=today.weekday())
    query = select(Cohort).where(Cohort.course_leader_id == leader_id).order_by(Cohort.start_date, Cohort.id)
    cohorts = list(db.session.scalars(with_closures(query)).unique())
    ids = [c.id for c in cohorts]
    needs = {c.id: CohortNeeds(cohort=c) for c in cohorts}
    if ids:
        branches = [
            *_unallocated_branches(ids),
            *_overdue_branches(cohorts, today),
            _sessions_branch(ids, week_start),
            _inactive_branch(ids, now),
            _requests_branch(ids),
        ]
        for cohort_id, kind, n in db.session.execute(union_all(*branches)):
            if kind.startswith("overdue"):
                needs[cohort_id].overdue += n
            else:
                setattr(needs[cohort_id], kind, n)
    return LeaderOverview(list(needs.values()), week_start)


def leader_panel(user) -> dict | None:
    """For a course leader: per cohort they lead, unallocated work, overdue marking, sessions this week,
    candidates with no recent activity and extension requests waiting for a decision."""
    if not user.has_role(Role.COURSE_LEADER):
        return None
    return {
        "template": "assessors/queue/_leader_home_panel.html",
        "overview": leader_overview(user.id),
        "inactive_days": INACTIVE_DAYS,
    }

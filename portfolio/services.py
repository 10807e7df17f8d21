"""What the portfolio's capabilities share on the write side: the audit row of the candidate's own move, and
telling the course leader when a candidate's work starts to wait with no assessor."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy import func, select

from core.accounts.models import User
from core.audit.services import record
from core.extensions import db
from core.notifications.services import notify
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.submissions.models import Submission, SubmissionStatus
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, MemberRole
from qualification.cohorts.queries import cohort_about, cohort_roles


def audit_candidate(action: str, actor, obj, **details) -> None:
    """Append the audit row of a move the candidate made on their own item, attempt or claim."""
    record(action, actor=actor, actor_role="candidate", obj=obj, details=details)


def waiting_work(cohort_id: int, candidate_id: int) -> dict[str, int]:
    """The candidate's submitted attempts and claims in the cohort waiting for a decision (one query)."""
    attempts = select(func.count()).where(
        Submission.cohort_id == cohort_id,
        Submission.candidate_id == candidate_id,
        Submission.status == SubmissionStatus.SUBMITTED,
    )
    claims = select(func.count()).where(
        AplClaim.cohort_id == cohort_id,
        AplClaim.candidate_id == candidate_id,
        AplClaim.status == AplStatus.SUBMITTED,
    )
    found = db.session.execute(select(attempts.scalar_subquery(), claims.scalar_subquery())).one()
    return {"attempts": found[0], "claims": found[1]}


# Work with nobody to go to ---------------------------------------------------------------------------------
# What waits with nobody is the cohort's Unallocated queue (attempts, APL claims, modules needing an
# observation planned), counted by the queue's own rule in the assessors area and handed over through
# app.extensions["waymark_unallocated_work"], so there is one rule and the portfolio imports no assessors.
# The leader is told once per episode: when the queue goes from empty to not empty. Work of candidates who
# have not joined yet (an invitation not accepted) does not count until they join: nobody acts on it before.


def waiting_with_nobody(cohort_id: int, acting=None) -> dict[int, int]:
    """candidate id -> their items in the cohort's Unallocated queue, for candidates who have joined (and the
    person acting now, who is present whatever their account says)."""
    counts: dict[int, int] = {}
    for source in current_app.extensions.get("waymark_unallocated_work", []):
        for candidate_id, n in source(cohort_id).items():
            counts[candidate_id] = counts.get(candidate_id, 0) + n
    if not counts:
        return counts
    present = set(
        db.session.scalars(select(User.id).where(User.id.in_(counts), User.password_hash.is_not(None)))
    )
    present.add(getattr(acting, "id", None))
    return {candidate_id: n for candidate_id, n in counts.items() if candidate_id in present}


def _tell_if_started(cohort_id: int, candidate, what: str, *, before: int) -> None:
    """Tell the cohort's course leader that work waits with nobody, if nothing did before the candidate's act
    and something does now (called after the act is flushed)."""
    if before > 0 or not sum(waiting_with_nobody(cohort_id, candidate).values()):
        return
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or cohort.course_leader_id is None:
        return
    notify(
        cohort.course_leader_id,
        kind="work_unallocated",
        title=f"Work is waiting with no assessor in {cohort.name}"[:200],
        body=(
            f"{candidate.name} {what}. They have no assessor in this cohort, so nobody can mark their work "
            "or plan their observations. Allocate them an assessor; until then their work is in the "
            "cohort's Unallocated queue."
        ),
        about=cohort_about(cohort_id),
        link_endpoint="assessors.queue.show_unallocated",
        cohort_id=cohort_id,
    )


def tell_leader_of_unallocated(cohort_id: int, candidate, what: str) -> None:
    """Tell the cohort's course leader, once, that submitted work waits with nobody to mark it.

    Called after one item (an attempt, a claim) is flushed, for a candidate who has no assessor: the queue was
    empty before it if that item is all it holds. More work arriving while some waits adds no notification;
    after the leader has allocated it all, the next item tells them again."""
    waiting = sum(waiting_with_nobody(cohort_id, candidate).values())
    _tell_if_started(cohort_id, candidate, what, before=waiting - 1)


def watch_unallocated(candidate, cohort_id: int) -> Callable[[str], None]:
    """Before a candidate's act that may add work (choosing options: a module that needs an observation
    planned): note what waits with nobody now; the call returned, made after the act with what they did in
    words, tells the leader if the act started the wait. Registered in
    app.extensions["waymark_unallocated_watch"] for qualification's pathway, which cannot import the
    portfolio."""
    if cohort_roles(cohort_id, candidate.id).allocated_assessor_id is not None:
        return lambda what: None  # their work goes to their assessor: nothing to count
    before = sum(waiting_with_nobody(cohort_id, candidate).values())
    return lambda what: _tell_if_started(cohort_id, candidate, what, before=before)


def tell_leader_on_joining(user: User) -> None:
    """Registered in app.extensions["waymark_on_joining"], after the cohorts allocate the newcomer: in each
    cohort where they are still without an assessor, their modules' observations to plan start to wait now."""
    cohort_ids = db.session.scalars(
        select(CohortMember.cohort_id).where(
            CohortMember.user_id == user.id,
            CohortMember.role == MemberRole.CANDIDATE,
            ~select(AssessorAllocation.id)
            .where(
                AssessorAllocation.cohort_id == CohortMember.cohort_id,
                AssessorAllocation.candidate_id == user.id,
            )
            .exists(),
        )
    ).all()
    for cohort_id in cohort_ids:
        waiting = waiting_with_nobody(cohort_id, user)
        mine = waiting.get(user.id, 0)
        if not mine:
            continue
        # Before joining, nobody can submit or claim: what waits of theirs is modules to observe.
        need = "needs" if mine == 1 else "need"
        what = f"joined the cohort, and {mine} of their modules {need} an observation planned"
        _tell_if_started(cohort_id, user, what, before=sum(waiting.values()) - mine)

"""What the portfolio's capabilities share on the write side: the audit row of the candidate's own move, and
telling the course leader when submitted work has no assessor to go to."""

from __future__ import annotations

from sqlalchemy import and_, exists, func, select, union_all

from core.audit.services import record
from core.extensions import db
from core.notifications.services import notify
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.submissions.models import Submission, SubmissionStatus
from qualification.cohorts.models import AssessorAllocation, Cohort
from qualification.membership.queries import withdrawn


def audit_candidate(action: str, actor, obj, **details) -> None:
    """Append the audit row of a move the candidate made on their own item, attempt or claim."""
    record(action, actor=actor, actor_role="candidate", obj=obj, details=details)


def _unallocated(cohort_col, candidate_col):
    # A withdrawn candidate's work waits for nobody: it is kept, in no queue.
    nobody = ~exists().where(
        AssessorAllocation.cohort_id == cohort_col, AssessorAllocation.candidate_id == candidate_col
    )
    return and_(nobody, ~withdrawn(cohort_col, candidate_col))


def waiting_unallocated(cohort_id: int) -> int:
    """Submitted attempts and claims in the cohort whose candidate has no assessor (one query)."""
    attempts = select(Submission.id).where(
        Submission.cohort_id == cohort_id,
        Submission.status == SubmissionStatus.SUBMITTED,
        _unallocated(Submission.cohort_id, Submission.candidate_id),
    )
    claims = select(AplClaim.id).where(
        AplClaim.cohort_id == cohort_id,
        AplClaim.status == AplStatus.SUBMITTED,
        _unallocated(AplClaim.cohort_id, AplClaim.candidate_id),
    )
    return db.session.scalar(select(func.count()).select_from(union_all(attempts, claims).subquery()))


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


def tell_leader_of_unallocated(cohort_id: int, candidate, what: str) -> None:
    """Tell the cohort's course leader, once, that submitted work waits with nobody to mark it.

    Once: only when this is the only such item in the cohort (the queue was empty before it). More work
    arriving while some waits adds no notification; after the leader has allocated it all, the next item
    tells them again. Called after the item is flushed, for a candidate who has no assessor."""
    if waiting_unallocated(cohort_id) != 1:
        return
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or cohort.course_leader_id is None:
        return
    notify(
        cohort.course_leader_id,
        kind="work_unallocated",
        title=f"Work is waiting with no assessor in {cohort.name}"[:200],
        body=(
            f"{candidate.name} {what}, but has no assessor in this cohort, so nobody can mark it. "
            "Allocate them an assessor; until then their work is in the cohort's Unallocated queue."
        ),
        link_endpoint="assessors.queue.show_unallocated",
        cohort_id=cohort_id,
    )

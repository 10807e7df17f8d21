"""The read side the assessment rules need: what is waiting, what was released, what came later.

Who holds which role in a cohort (its IQAs, each candidate's assessor) is read from one context:
`qualification.cohorts.queries.cohort_roles`.
"""

from __future__ import annotations

from sqlalchemy import func, select

from assessors.marking.models import Assessment, AssessmentKind, MarkingStatus
from assessors.queue.queries.deadlines import late_counts, overdue_counts
from core.accounts.models import User
from core.extensions import db
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.submissions.models import Submission, SubmissionStatus
from portfolio.submissions.services import active_enrolments, module_criteria
from qualification.cohorts.models import CohortMember, MemberRole


def cohort_members(cohort_id: int, role: MemberRole) -> list[User]:
    """The cohort's members in this role (its candidates, its assessors), by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort_id, CohortMember.role == role)
            .order_by(User.name, User.id)
        )
    )


def candidate_rows(model, candidate_id: int, *order_by) -> list:
    """The candidate's rows of a model with a `candidate_id` (observations, sign-offs), in this order."""
    query = select(model).where(model.candidate_id == candidate_id).order_by(*order_by)
    return list(db.session.scalars(query))


def _per_candidate(model, cohort_id: int, status) -> dict[int, int]:
    """Per candidate of the cohort: how many rows of `model` are in this status."""
    return dict(
        db.session.execute(
            select(model.candidate_id, func.count(model.id))
            .where(model.cohort_id == cohort_id, model.status == status)
            .group_by(model.candidate_id)
        ).all()
    )


def submissions_waiting(cohort_id: int) -> dict[int, int]:
    """Per candidate: submitted attempts not yet decided and released."""
    return _per_candidate(Submission, cohort_id, SubmissionStatus.SUBMITTED)


def decisions_released(cohort_id: int) -> dict[int, int]:
    """Per candidate: decisions (on submissions and APL claims) released to them."""
    return _per_candidate(Assessment, cohort_id, MarkingStatus.RELEASED)


COHORT_REPORT_COUNTS = [
    ("waiting", "Submissions waiting", submissions_waiting),
    ("released", "Decisions released", decisions_released),
    # Against the module deadlines (each candidate's own, extended when an extension was granted).
    ("late", "Modules submitted late", late_counts),
    ("overdue", "Modules overdue", overdue_counts),
]


def modules_of(candidate_id: int) -> list[dict]:
    """The candidate's modules now, each with its criteria as (ref, text)."""
    return [
        {
            "family": e.family,
            "code": e.module_code,
            "title": e.module.title,
            "cohort_id": e.cohort_id,
            "criteria": module_criteria(e.module_id),
        }
        for e in active_enrolments(candidate_id)
    ]


def withdrawn_subject(assessment: Assessment) -> bool:
    """Whether the candidate withdrew the attempt this judgement is of (they may, until it is released)."""
    if assessment.kind != AssessmentKind.SUBMISSION:
        return False
    status = db.session.scalar(select(Submission.status).where(Submission.id == assessment.submission_id))
    return status == SubmissionStatus.WITHDRAWN


def later_work(assessment: Assessment) -> str | None:
    """What the candidate sent after this decision on the same work ("attempt 2", "round 2"), if anything."""
    if assessment.kind == AssessmentKind.SUBMISSION:
        submission = db.session.get(Submission, assessment.submission_id)
        later = db.session.scalar(
            select(func.max(Submission.attempt)).where(
                Submission.candidate_id == submission.candidate_id,
                Submission.family == submission.family,
                Submission.module_code == submission.module_code,
                Submission.attempt > submission.attempt,
            )
        )
        return f"attempt {later} of {assessment.module_code}" if later else None
    later = db.session.scalar(
        select(func.max(Assessment.round)).where(
            Assessment.apl_claim_id == assessment.apl_claim_id, Assessment.round > assessment.round
        )
    )
    if later:
        return f"round {later} of this claim"
    claim = db.session.get(AplClaim, assessment.apl_claim_id)
    # "More evidence" released, and the claim already sent again (waiting for its next round).
    if claim is not None and claim.status == AplStatus.SUBMITTED:
        return "this claim again with more evidence"
    return None

"""Released decisions as the portfolio shows them: a submission achieved or referred, an APL claim decided.

Called by the assessment area when it releases (or reopens) a decision, in the same transaction as the
decision's audit row. Nothing here decides anything; it records what the candidate may now see.
"""

from __future__ import annotations

from core.audit.services import record
from core.errors import InvalidTransition
from core.extensions import db
from core.timeutil import utcnow
from portfolio.models import AplClaim, AplStatus, Submission, SubmissionStatus

RELEASED_SUBMISSION = (SubmissionStatus.ACHIEVED, SubmissionStatus.REFERRED)
DECIDED_CLAIM = (AplStatus.ACCEPTED, AplStatus.PARTLY_ACCEPTED, AplStatus.MORE_EVIDENCE, AplStatus.REJECTED)


def lock_for_marking(actor, submission: Submission) -> None:
    """Note that the assessor has started marking the attempt: the candidate can no longer withdraw it."""
    db.session.refresh(submission, with_for_update=True)  # serialises with a withdrawal (PostgreSQL)
    if submission.status != SubmissionStatus.SUBMITTED:
        raise InvalidTransition(f"This attempt is {submission.status}; it cannot be marked.")
    if submission.marking_started_at is None:
        submission.marking_started_at = utcnow()
        db.session.flush()


def record_submission_outcome(actor, submission: Submission, outcome: SubmissionStatus) -> None:
    """Show a released decision on the attempt: achieved, or referred (the candidate may resubmit)."""
    outcome = SubmissionStatus(outcome)
    if outcome not in RELEASED_SUBMISSION:
        raise InvalidTransition(f"'{outcome}' is not a decision on a submission.")
    if submission.status != SubmissionStatus.SUBMITTED:
        raise InvalidTransition(f"This attempt is {submission.status}; its decision cannot be released now.")
    submission.status = outcome
    record(
        "submission_outcome_recorded",
        actor=actor,
        obj=submission,
        details={"outcome": outcome.value, "snapshot_hash": submission.snapshot_hash},
    )
    db.session.flush()


def reopen_submission_outcome(actor, submission: Submission) -> None:
    """Take a released decision back off the attempt (reopened): it awaits assessment again."""
    if submission.status not in RELEASED_SUBMISSION:
        return
    submission.status = SubmissionStatus.SUBMITTED
    record("submission_outcome_withdrawn", actor=actor, obj=submission, details={})
    db.session.flush()


def record_claim_outcome(actor, claim: AplClaim, outcome: AplStatus) -> None:
    """Show a released decision on an APL claim ("more evidence" lets the candidate send it again)."""
    outcome = AplStatus(outcome)
    if outcome not in DECIDED_CLAIM:
        raise InvalidTransition(f"'{outcome}' is not a decision on a claim.")
    if claim.status != AplStatus.SUBMITTED:
        raise InvalidTransition(f"This claim is {claim.status.replace('_', ' ')}; it cannot be decided now.")
    claim.status = outcome
    record("apl_outcome_recorded", actor=actor, obj=claim, details={"outcome": outcome.value})
    db.session.flush()


def reopen_claim_outcome(actor, claim: AplClaim) -> None:
    """Take a released decision back off a claim (reopened): it awaits assessment again."""
    if claim.status not in DECIDED_CLAIM:
        return
    claim.status = AplStatus.SUBMITTED
    record("apl_outcome_withdrawn", actor=actor, obj=claim, details={})
    db.session.flush()

"""Helpers every assessment service shares: the audit row of a decision, and conflict detection; and what a
candidate's transfer does to their work waiting for an assessor."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm.exc import StaleDataError

from assessors.marking.models import (
    Assessment,
    MarkingStatus,
)
from core.audit.services import record
from core.errors import EditConflict
from core.extensions import db
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.submissions.models import Submission, SubmissionStatus

WITHDRAWN = (
    "The candidate withdrew this attempt, so it can no longer be marked or released. Nothing was changed."
)


def audit_assessment(action: str, actor, assessment: Assessment, **details) -> None:
    """Append the audit row of a move or decision, with the hash of the evidence it covers."""
    record(
        action,
        actor=actor,
        actor_role=details.pop("role", "assessor"),
        obj=assessment,
        details={
            "kind": assessment.kind,
            "candidate_id": assessment.candidate_id,
            "module_code": assessment.module_code,
            "evidence_hash": assessment.evidence_hash,
            **details,
        },
    )


def check_version(assessment: Assessment, expected_version: int | None) -> None:
    """Refuse a form opened on an older version of the judgement (EditConflict, 409)."""
    if expected_version is not None and expected_version != assessment.version:
        raise EditConflict(
            "This judgement was changed in another window or by someone else since you opened it. "
            "Your text is still in the form below; reload the page to see theirs before saving again."
        )


def flush_or_conflict(what: str = "judgement") -> None:
    """Flush, turning a concurrent write that beat ours (the version column) into a 409 conflict."""
    try:
        db.session.flush()
    except StaleDataError as exc:  # a concurrent request committed between our read and our write
        raise EditConflict(
            f"Someone else saved this {what} at the same moment; yours was not saved."
        ) from exc


def move_unstarted_work(candidate_id: int, from_cohort_id: int, to_cohort_id: int) -> int:
    """A transferred candidate's work that no assessor has started on goes to the new cohort (and so to its
    assessor): submitted attempts not yet opened for marking, and claims with no round open. Work being
    judged stays with the assessor who has it. Returns how many attempts and claims moved."""
    attempts = db.session.scalars(
        select(Submission).where(
            Submission.candidate_id == candidate_id,
            Submission.cohort_id == from_cohort_id,
            Submission.status == SubmissionStatus.SUBMITTED,
            Submission.marking_started_at.is_(None),
            ~exists().where(Assessment.submission_id == Submission.id),
        )
    ).all()
    open_round = exists().where(
        Assessment.apl_claim_id == AplClaim.id, Assessment.status != MarkingStatus.RELEASED
    )
    claims = db.session.scalars(
        select(AplClaim).where(
            AplClaim.candidate_id == candidate_id,
            AplClaim.cohort_id == from_cohort_id,
            AplClaim.status.in_([AplStatus.DRAFT, AplStatus.SUBMITTED, AplStatus.MORE_EVIDENCE]),
            ~open_round,
        )
    ).all()
    for row in (*attempts, *claims):
        row.cohort_id = to_cohort_id
    db.session.flush()
    return len(attempts) + len(claims)

"""Helpers every assessment service shares: the audit row of a decision, and conflict detection."""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from assessors.models import Assessment
from core.audit.services import record
from core.errors import EditConflict
from core.extensions import db


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
    if expected_version is not None and expected_version != assessment.version:
        raise EditConflict(
            "This judgement was changed in another window or by someone else since you opened it. "
            "Your text is still in the form below; reload the page to see theirs before saving again."
        )


def flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:  # a concurrent request committed between our read and our write
        raise EditConflict(
            "Someone else saved this judgement at the same moment; yours was not saved."
        ) from exc

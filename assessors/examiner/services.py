"""External examiner access: a time-limited, read-only window onto a sample of a cohort's candidates.

The cohort's IQA or course leader grants an examiner a set of candidates until a date (UK), and may revoke it.
While a grant covers a candidate, the examiner reads that candidate's *released* decisions in the cohort and
the frozen evidence behind them, and nothing else; after the end date or a revoke every page is a 404.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assessors.marking.models import Assessment, AssessmentKind, MarkingStatus
from assessors.permissions import can_manage_sampling, examiner_may_see, quality_role
from assessors.quality.models import ExaminerAccess, ExaminerSampleCandidate
from assessors.queries import cohort_members
from core.accounts.models import Role, User, UserRole
from core.audit.services import record
from core.db.timeutil import long_date, utcnow
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.notifications.services import notify
from portfolio.apl.models import AplClaim, AplEvidence
from portfolio.evidence.models import EvidenceVersion
from portfolio.submissions.models import Submission, SubmissionEntry
from qualification.cohorts.models import Cohort, MemberRole
from qualification.cohorts.queries import cohort_about, cohort_roles

MAX_NOTE_CHARS = 500
NOT_QUALITY = "Only the cohort's IQA or the course leader can give or end examiner access."


def examiner_accounts() -> list[User]:
    """Everyone who holds the external examiner role and can sign in, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.EXAMINER, User.disabled_at.is_(None))
            .order_by(User.name, User.id)
        )
    )


def cohort_candidates(cohort_id: int) -> list[User]:
    """The cohort's candidates, by name."""
    return cohort_members(cohort_id, MemberRole.CANDIDATE)


def cohort_grants(cohort_id: int) -> list[tuple[ExaminerAccess, str]]:
    """Every grant of the cohort, newest first, with the examiner's name."""
    rows = db.session.execute(
        select(ExaminerAccess, User.name)
        .join(User, User.id == ExaminerAccess.examiner_id)
        .where(ExaminerAccess.cohort_id == cohort_id)
        .options(selectinload(ExaminerAccess.candidates))
        .order_by(ExaminerAccess.created_at.desc(), ExaminerAccess.id.desc())
    )
    return [(access, name) for access, name in rows]


def is_active(access: ExaminerAccess, today: date) -> bool:
    """A grant that is neither revoked nor past its end date."""
    return access.revoked_at is None and today <= access.ends_on


def _audit(action: str, actor, access: ExaminerAccess, **details) -> None:
    """The audit row of a grant or a revocation, written in the actor's quality role in the cohort."""
    record(
        action,
        actor=actor,
        actor_role=quality_role(actor, cohort_roles(access.cohort_id)).value,
        obj=access,
        details={"cohort_id": access.cohort_id, "examiner_id": access.examiner_id, **details},
    )


def grant_examiner_access(
    actor,
    cohort: Cohort,
    *,
    examiner_id: int | None,
    candidate_ids: Collection[int],
    ends_on: date | None,
    note: str,
    today: date,
) -> ExaminerAccess:
    """Give an external examiner read-only access to some of the cohort's candidates until a date."""
    require(can_manage_sampling(actor, cohort_roles(cohort.id)), NOT_QUALITY)
    errors = {}
    examiner = db.session.get(User, examiner_id) if examiner_id else None
    if examiner is None or not examiner.has_role(Role.EXAMINER) or examiner.disabled_at is not None:
        errors["examiner"] = "Choose an external examiner."
    in_cohort = {u.id for u in cohort_candidates(cohort.id)}
    chosen = set(candidate_ids)
    if not chosen:
        errors["candidates"] = "Choose at least one candidate for the sample."
    elif not chosen <= in_cohort:
        errors["candidates"] = "Choose candidates of this cohort only."
    if ends_on is None:
        errors["ends_on"] = "Enter the last day of access."
    elif ends_on < today:
        errors["ends_on"] = "The last day of access cannot be in the past."
    note = (note or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        errors["note"] = f"Keep the note under {MAX_NOTE_CHARS} characters."
    if errors:
        raise ValidationFailed(errors)
    access = ExaminerAccess(
        examiner_id=examiner.id, cohort_id=cohort.id, granted_by_id=actor.id, note=note, ends_on=ends_on
    )
    access.candidates = [ExaminerSampleCandidate(candidate_id=cid) for cid in sorted(chosen)]
    db.session.add(access)
    db.session.flush()
    _audit(
        "examiner_access_granted",
        actor,
        access,
        candidate_ids=sorted(chosen),
        ends_on=ends_on.isoformat(),
        note=note,
    )
    notify(
        examiner.id,
        kind="examiner_access",
        title=f"You can read a sample of {cohort.name} until {long_date(ends_on)}",
        body=note,
        about=cohort_about(cohort.id),
        link_endpoint="assessors.examiner.list_examiner_grants",
    )
    return access


def revoke_examiner_access(actor, access: ExaminerAccess) -> None:
    """End an examiner's access at once."""
    require(can_manage_sampling(actor, cohort_roles(access.cohort_id)), NOT_QUALITY)
    if access.revoked_at is not None:
        raise InvalidTransition("This access was already revoked.")
    access.revoked_at = utcnow()
    db.session.flush()
    _audit("examiner_access_revoked", actor, access)


# The examiner's side ---------------------------------------------------------------------------------


def active_grants(user, today: date) -> list[tuple[ExaminerAccess, str, list[User]]]:
    """The examiner's grants still running, with the cohort's name and the candidates in each sample."""
    rows = list(
        db.session.execute(
            select(ExaminerAccess, Cohort.name)
            .join(Cohort, Cohort.id == ExaminerAccess.cohort_id)
            .where(
                ExaminerAccess.examiner_id == user.id,
                ExaminerAccess.revoked_at.is_(None),
                ExaminerAccess.ends_on >= today,
            )
            .options(selectinload(ExaminerAccess.candidates))
            .order_by(ExaminerAccess.ends_on, ExaminerAccess.id)
        )
    )
    ids = {c.candidate_id for access, _ in rows for c in access.candidates}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [
        (access, name, sorted((people[c.candidate_id] for c in access.candidates), key=lambda u: u.name))
        for access, name in rows
    ]


def grant_covering(user, access_id: int, candidate_id: int, today: date) -> ExaminerAccess | None:
    """The examiner's grant, when it is theirs, running, and covers the candidate; else None (a 404)."""
    access = db.session.get(ExaminerAccess, access_id)
    if access is None or not examiner_may_see(user, candidate_id, [access], today):
        return None
    return access


def released_decisions(access: ExaminerAccess, candidate_id: int) -> list[Assessment]:
    """The candidate's released decisions in the grant's cohort, oldest first."""
    return list(
        db.session.scalars(
            select(Assessment)
            .where(
                Assessment.cohort_id == access.cohort_id,
                Assessment.candidate_id == candidate_id,
                Assessment.status == MarkingStatus.RELEASED,
            )
            .options(selectinload(Assessment.judgements), selectinload(Assessment.reviews))
            .order_by(Assessment.released_at, Assessment.id)
        )
    )


def released_version(access: ExaminerAccess, candidate_id: int, version_id: int) -> EvidenceVersion | None:
    """An evidence version the examiner may open: frozen in a released submission or APL claim shown."""
    released = released_decisions(access, candidate_id)
    submission_ids = [a.submission_id for a in released if a.kind == AssessmentKind.SUBMISSION]
    claim_ids = [a.apl_claim_id for a in released if a.kind == AssessmentKind.APL]
    in_submission = select(SubmissionEntry.version_id).where(
        SubmissionEntry.submission_id.in_(
            select(Submission.id).where(
                Submission.id.in_(submission_ids), Submission.candidate_id == candidate_id
            )
        )
    )
    in_claim = select(AplEvidence.version_id).where(
        AplEvidence.claim_id.in_(
            select(AplClaim.id).where(AplClaim.id.in_(claim_ids), AplClaim.candidate_id == candidate_id)
        )
    )
    return db.session.scalar(
        select(EvidenceVersion).where(
            EvidenceVersion.id == version_id,
            EvidenceVersion.id.in_(in_submission.union(in_claim)),
        )
    )

"""Competence sign-off: the allocated assessor signs a criterion off directly (for example after a
professional discussion), or withdraws a sign-off with a reason. Also the signature rule shared with
observation records: the assessor types their full name as it is on their account.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from assessors.permissions import may_assess
from assessors.queries import candidate_rows
from assessors.workplace.models import CompetenceSignoff
from core.audit.services import record
from core.db.timeutil import utcnow
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from modules.study.models import ModuleEnrolment
from portfolio.submissions.services import active_enrolment, module_criteria

MAX_BASIS = 200
MAX_NOTE = 4_000
MAX_REASON = 1_000
NOT_ASSESSOR = "Only the assessor allocated to this candidate can sign off their criteria."


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


def signature_problem(actor, typed: str | None) -> str | None:
    """Why a typed signature is refused (None when it is the actor's full name, ignoring case and spaces)."""
    typed = _squash(typed)
    if not typed:
        return "Type your full name to sign."
    if typed.casefold() != _squash(actor.name).casefold():
        return "Type your full name exactly as it is on your account to sign."
    return None


def studied_module(candidate_id: int, family: str, module_code: str) -> ModuleEnrolment:
    """The candidate's active enrolment on the module; ValidationFailed if they do not study it now."""
    enrolment = active_enrolment(candidate_id, family or "", module_code or "")
    if enrolment is None:
        raise ValidationFailed({"module": "Choose a module the candidate studies now."})
    return enrolment


def new_record_keys(
    actor, candidate_id: int, family: str, module_code: str, refusal: str
) -> tuple[ModuleEnrolment, dict]:
    """For a new workplace record (an observation, a sign-off): the candidate's active enrolment on the module
    and the record's keys (candidate, cohort, assessor, module); `refusal` unless the actor assesses them."""
    enrolment = studied_module(candidate_id, family, module_code)
    require(may_assess(actor, enrolment.cohort_id, candidate_id), refusal)
    keys = {
        "candidate_id": candidate_id,
        "cohort_id": enrolment.cohort_id,
        "assessor_id": actor.id,
        "family": family,
        "module_code": module_code,
    }
    return enrolment, keys


def signoff_hash(signoff: CompetenceSignoff) -> str:
    """SHA-256 of the canonical JSON of what the assessor signed."""
    fields = {
        "candidate_id": signoff.candidate_id,
        "assessor_id": signoff.assessor_id,
        "criterion": f"{signoff.family}/{signoff.module_code}/{signoff.criterion_ref}",
        "basis": signoff.basis,
        "note": signoff.note_md,
        "signed_name": signoff.signed_name,
        "signed_at": signoff.signed_at.isoformat() if signoff.signed_at else None,
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _audit(action: str, actor, signoff: CompetenceSignoff, **details) -> None:
    """The audit row of a sign-off or its withdrawal: whose criterion, and the hash of what was signed."""
    record(
        action,
        actor=actor,
        actor_role="assessor",
        obj=signoff,
        details={
            "candidate_id": signoff.candidate_id,
            "criterion": f"{signoff.family}/{signoff.module_code}/{signoff.criterion_ref}",
            "signoff_hash": signoff_hash(signoff),
            **details,
        },
    )


def sign_off_criterion(
    actor,
    *,
    candidate_id: int,
    family: str,
    module_code: str,
    ref: str,
    basis: str,
    note_md: str,
    signed_name: str,
) -> CompetenceSignoff:
    """Sign a criterion off as met on the strength of what the assessor saw or heard (typed signature)."""
    enrolment, keys = new_record_keys(actor, candidate_id, family, module_code, NOT_ASSESSOR)
    errors: dict[str, str] = {}
    ref, basis, note_md = (ref or "").strip(), (basis or "").strip(), (note_md or "").strip()
    if ref not in {r for r, _text in module_criteria(enrolment.module_id)}:
        errors["criterion"] = "Choose a criterion of the module."
    elif active_signoff(candidate_id, family, module_code, ref) is not None:
        errors["criterion"] = "This criterion is already signed off. Withdraw that sign-off first."
    if not basis:
        errors["basis"] = (
            "Say what the sign-off rests on, for example a professional discussion and its date."
        )
    elif len(basis) > MAX_BASIS:
        errors["basis"] = f"Keep the basis under {MAX_BASIS} characters."
    if len(note_md) > MAX_NOTE:
        errors["note_md"] = f"Keep the note under {MAX_NOTE:,} characters."
    if problem := signature_problem(actor, signed_name):
        errors["signed_name"] = problem
    if errors:
        raise ValidationFailed(errors)
    signoff = CompetenceSignoff(
        **keys,
        criterion_ref=ref,
        basis=basis,
        note_md=note_md,
        signed_name=_squash(signed_name),
        signed_at=utcnow().replace(microsecond=0),
    )
    db.session.add(signoff)
    db.session.flush()
    _audit("competence_signed_off", actor, signoff, basis=basis, signed_name=signoff.signed_name)
    return signoff


def withdraw_signoff(actor, signoff: CompetenceSignoff, *, reason: str) -> None:
    """Withdraw a sign-off (it stays on record, marked withdrawn); the reason goes in the audit trail."""
    require(may_assess(actor, signoff.cohort_id, signoff.candidate_id), NOT_ASSESSOR)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "Give the reason for withdrawing the sign-off."})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": f"Keep the reason under {MAX_REASON:,} characters."})
    # Locks the row (PostgreSQL) so two withdrawals cannot both pass the check below.
    db.session.refresh(signoff, with_for_update=True)
    if signoff.withdrawn_at is not None:
        raise InvalidTransition("This sign-off was already withdrawn.")
    signoff.withdrawn_at = utcnow()
    db.session.flush()
    _audit("competence_signoff_withdrawn", actor, signoff, reason=reason)


# Queries ---------------------------------------------------------------------------------------------


def active_signoff(candidate_id: int, family: str, module_code: str, ref: str) -> CompetenceSignoff | None:
    """The criterion's sign-off that still stands, if any."""
    return db.session.scalar(
        select(CompetenceSignoff)
        .where(
            CompetenceSignoff.candidate_id == candidate_id,
            CompetenceSignoff.family == family,
            CompetenceSignoff.module_code == module_code,
            CompetenceSignoff.criterion_ref == ref,
            CompetenceSignoff.withdrawn_at.is_(None),
        )
        .limit(1)
    )


def signoffs_for(
    candidate_id: int, family: str, module_code: str, *, include_withdrawn: bool = False
) -> dict[str, list[CompetenceSignoff]]:
    """The candidate's sign-offs in a module by criterion ref, oldest first (standing only, by default)."""
    query = select(CompetenceSignoff).where(
        CompetenceSignoff.candidate_id == candidate_id,
        CompetenceSignoff.family == family,
        CompetenceSignoff.module_code == module_code,
    )
    if not include_withdrawn:
        query = query.where(CompetenceSignoff.withdrawn_at.is_(None))
    found: dict[str, list[CompetenceSignoff]] = {}
    for signoff in db.session.scalars(query.order_by(CompetenceSignoff.signed_at, CompetenceSignoff.id)):
        found.setdefault(signoff.criterion_ref, []).append(signoff)
    return found


def signoffs_of(candidate_id: int) -> list[CompetenceSignoff]:
    """Every sign-off of the candidate, withdrawn ones too, by module then criterion."""
    return candidate_rows(
        CompetenceSignoff,
        candidate_id,
        CompetenceSignoff.family,
        CompetenceSignoff.module_code,
        CompetenceSignoff.criterion_ref,
        CompetenceSignoff.signed_at,
    )

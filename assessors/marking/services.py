"""Marking: starting an assessment, saving the judgement as it goes, and completing it.

Each service checks permission, moves the assessment through the table in the model, writes its audit row in
the caller's transaction and flushes. A stale form (someone saved since it was opened) raises EditConflict,
and the version column refuses a concurrent write that slipped past that check, so one of two simultaneous
sign-offs wins and the other gets a 409 with its form intact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from assessors.decisions.services import route_completed
from assessors.marking.models import (
    APL_DECISIONS,
    SUBMISSION_DECISIONS,
    VACS,
    Actor,
    Assessment,
    AssessmentKind,
    CriterionJudgement,
    Decision,
    MarkingState,
)
from assessors.permissions import can_mark, roles_of_assessment
from assessors.queries import withdrawn_subject
from assessors.services import (
    WITHDRAWN,
    audit_assessment,
    check_version,
    flush_or_conflict,
)
from core.db.timeutil import utcnow
from core.errors import EditConflict, InvalidTransition, ValidationFailed, require
from core.extensions import db
from modules.catalogue.models import Module
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.submissions.models import Submission
from portfolio.submissions.services import lock_for_marking, module_criteria
from qualification.cohorts.queries import cohort_roles
from qualification.results.services import criterion_outcomes

MAX_FEEDBACK_CHARS = 20_000
MAX_COMMENT_CHARS = 4_000
OUTCOMES = ("met", "not_yet_met")
NOT_MARKER = "Only the assessor allocated to this candidate can judge their work."


def claim_hash(claim: AplClaim) -> str:
    """SHA-256 over what an APL claim puts forward: its details and the hashes of its evidence versions."""
    parts = [
        claim.family,
        claim.module_code,
        claim.scope,
        " ".join(sorted(claim.refs)),
        claim.awarding_body,
        claim.certificate_title,
        str(claim.certificate_level or ""),
        str(claim.awarded_on or ""),
        claim.certificate_sha256 or "",
        claim.experience_md,
        claim.own_part_md,
        *sorted(e.version.content_hash for e in claim.evidence),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def assessment_of_submission(submission_id: int) -> Assessment | None:
    """The assessment of a submitted attempt, if marking has started."""
    return db.session.scalar(select(Assessment).where(Assessment.submission_id == submission_id))


def open_round_of_claim(claim_id: int) -> Assessment | None:
    """The latest assessment round of an APL claim."""
    return db.session.scalar(
        select(Assessment)
        .where(Assessment.apl_claim_id == claim_id)
        .order_by(Assessment.round.desc())
        .limit(1)
    )


def _create(actor, assessment: Assessment, refs: list[str], prefilled: Mapping[str, str]) -> Assessment:
    assessment.judgements = [
        CriterionJudgement(
            criterion_ref=ref,
            outcome="met" if ref in prefilled else None,
            comment=prefilled.get(ref, ""),
        )
        for ref in refs
    ]
    try:
        # Two assessors' (or two tabs') first clicks at once: the unique key lets exactly one create it.
        with db.session.begin_nested():
            db.session.add(assessment)
    except IntegrityError as exc:
        raise EditConflict("Marking of this work was started in another window; open it again.") from exc
    assessment.move_to(MarkingState.IN_MARKING, Actor.ASSESSOR)
    assessment.started_at = utcnow()
    db.session.flush()
    audit_assessment("marking_started", actor, assessment)
    return assessment


def start_submission_marking(actor, submission: Submission) -> Assessment:
    """Open a submitted attempt for marking (a second click returns the assessment already started)."""
    require(can_mark(actor, cohort_roles(submission.cohort_id, submission.candidate_id)), NOT_MARKER)
    existing = assessment_of_submission(submission.id)
    if existing is not None:
        return existing
    lock_for_marking(actor, submission)
    # Criteria already met by prior learning stay met: they are shown as such, not judged again.
    by_apl = {
        ref: "Met by prior learning (APL)."
        for ref, outcome in criterion_outcomes(
            submission.candidate_id, submission.family, submission.module_code
        ).items()
        if outcome == "met by APL"
    }
    assessment = Assessment(
        kind=AssessmentKind.SUBMISSION,
        submission_id=submission.id,
        candidate_id=submission.candidate_id,
        cohort_id=submission.cohort_id,
        family=submission.family,
        module_code=submission.module_code,
        module_id=submission.module_id,
        assessor_id=actor.id,
        evidence_hash=submission.snapshot_hash,
        waiting_since=submission.submitted_at,
    )
    return _create(actor, assessment, [ref for ref, _ in module_criteria(submission.module_id)], by_apl)


def start_claim_marking(actor, claim: AplClaim) -> Assessment:
    """Open a submitted APL claim for a decision (one round per time it is sent)."""
    require(can_mark(actor, cohort_roles(claim.cohort_id, claim.claimant_id)), NOT_MARKER)
    latest = open_round_of_claim(claim.id)
    if latest is not None and latest.state != MarkingState.RELEASED:
        return latest
    if claim.status != AplStatus.SUBMITTED:
        raise InvalidTransition("This claim is not waiting for a decision.")
    module_id = db.session.scalar(
        select(Module.id)
        .where(Module.family == claim.family, Module.code == claim.module_code)
        .order_by(Module.revision.desc())
        .limit(1)
    )
    assessment = Assessment(
        kind=AssessmentKind.APL,
        apl_claim_id=claim.id,
        round=(latest.round + 1) if latest else 1,
        candidate_id=claim.claimant_id,
        cohort_id=claim.cohort_id,
        family=claim.family,
        module_code=claim.module_code,
        module_id=module_id,
        assessor_id=actor.id,
        evidence_hash=claim_hash(claim),
        waiting_since=claim.submitted_at or utcnow(),
    )
    return _create(actor, assessment, claim.refs, {})


def save_judgement(
    actor,
    assessment: Assessment,
    *,
    expected_version: int | None,
    outcomes: Mapping[str, str | None],
    comments: Mapping[str, str],
    feedback_md: str,
    action_md: str,
    vacs: Mapping[str, bool | None],
    vacs_notes: Mapping[str, str],
    decision: str | None,
) -> None:
    """Save the judgement so far (a draft: nothing is decided or shown to the candidate until released)."""
    require(can_mark(actor, roles_of_assessment(assessment)), NOT_MARKER)
    if assessment.state != MarkingState.IN_MARKING:
        raise InvalidTransition(
            f"This decision is {assessment.marking_state.label.lower()}; it can no longer be changed."
        )
    check_version(assessment, expected_version)
    if withdrawn_subject(assessment):
        raise InvalidTransition(WITHDRAWN)
    errors = {}
    allowed = SUBMISSION_DECISIONS if assessment.kind == AssessmentKind.SUBMISSION else APL_DECISIONS
    if decision and decision not in {d.value for d in allowed}:
        errors["decision"] = "Choose one of the decisions offered."
    for name, text, limit in (
        ("feedback_md", feedback_md, MAX_FEEDBACK_CHARS),
        ("action_md", action_md, MAX_FEEDBACK_CHARS),
        *((f"vacs_{name}_note", vacs_notes.get(name, ""), MAX_COMMENT_CHARS) for name in VACS),
    ):
        if len(text or "") > limit:
            errors[name] = f"Keep this under {limit:,} characters."
    by_ref = {j.criterion_ref: j for j in assessment.judgements}
    for ref, outcome in outcomes.items():
        if ref not in by_ref:
            errors[""] = f"{ref} is not a criterion of this work."
        elif outcome not in (None, "", *OUTCOMES):
            errors[f"outcome-{ref}"] = "Choose met or not yet met."
    for ref, comment in comments.items():
        if len(comment or "") > MAX_COMMENT_CHARS:
            errors[f"comment-{ref}"] = f"Keep the comment under {MAX_COMMENT_CHARS:,} characters."
    if errors:
        raise ValidationFailed(errors)
    for ref, judgement in by_ref.items():
        if ref in outcomes:
            judgement.outcome = outcomes[ref] or None
        if ref in comments:
            judgement.comment = (comments[ref] or "").strip()
    assessment.feedback_md = (feedback_md or "").strip()
    assessment.action_md = (action_md or "").strip()
    for name in VACS:
        setattr(assessment, f"vacs_{name}", vacs.get(name))
        setattr(assessment, f"vacs_{name}_note", (vacs_notes.get(name) or "").strip())
    assessment.decision = decision or None
    # Touching the row bumps its version even when only judgement rows changed, so a stale form is caught.
    assessment.assessor_id = actor.id
    db.session.add(assessment)
    flag_modified(assessment, "assessor_id")
    flush_or_conflict()


def completion_problems(assessment: Assessment) -> dict[str, str]:
    """What stops the judgement being completed (pure: the rules of a decision)."""
    problems: dict[str, str] = {}
    unjudged = [j.criterion_ref for j in assessment.judgements if j.outcome is None]
    met = [j.criterion_ref for j in assessment.judgements if j.outcome == "met"]
    not_met = [j.criterion_ref for j in assessment.judgements if j.outcome == "not_yet_met"]
    vacs = assessment.vacs
    decision = assessment.decision
    if not decision:
        problems["decision"] = "Choose a decision."
    if unjudged:
        problems[""] = "Judge every criterion first: " + ", ".join(unjudged) + " still open."
    if not assessment.feedback_md.strip():
        problems["feedback_md"] = "Write the overall feedback the candidate will read."
    if decision in (Decision.ACHIEVED, Decision.ACCEPTED):
        if not_met:
            problems["decision"] = "Every criterion must be met for this decision; not yet met: " + ", ".join(
                not_met
            )
        elif not all(vacs.values()):
            problems["decision"] = "Confirm the evidence is valid, authentic, current and sufficient first."
    if decision == Decision.PARTLY_ACCEPTED and (not met or not not_met):
        problems["decision"] = "Accepting a claim in part means some criteria met and some not."
    if decision == Decision.REJECTED and met:
        problems["decision"] = "A claim not accepted has no criteria met; choose 'accepted in part' instead."
    if decision == Decision.REFERRED and not not_met and all(vacs.values()):
        problems["decision"] = "A referral needs a criterion not yet met or a VACS check that fails."
    if decision in (Decision.REFERRED, Decision.MORE_EVIDENCE) and not assessment.action_md.strip():
        problems["action_md"] = "Say what the candidate needs to do next."
    for name, note in assessment.vacs_notes.items() if decision else ():
        # APL is judged on VACS alone, so every check needs its reason; a submission explains any "no".
        if not note.strip() and (assessment.kind == AssessmentKind.APL or vacs[name] is False):
            problems[f"vacs_{name}_note"] = f"Give your reason for '{name}'."
    if any(v is None for v in vacs.values()) and decision:
        problems.setdefault("vacs", "Answer each of the four VACS checks.")
    return problems


def complete_marking(actor, assessment: Assessment, *, expected_version: int | None) -> None:
    """Complete the judgement: the decision is fixed (unless returned) and routed by the sampling plan."""
    require(can_mark(actor, roles_of_assessment(assessment)), NOT_MARKER)
    check_version(assessment, expected_version)
    if assessment.state != MarkingState.IN_MARKING:
        raise InvalidTransition(f"This decision is already {assessment.marking_state.label.lower()}.")
    if withdrawn_subject(assessment):
        raise InvalidTransition(WITHDRAWN)
    problems = completion_problems(assessment)
    if problems:
        raise ValidationFailed(problems)
    assessment.move_to(MarkingState.MARKING_COMPLETE, Actor.ASSESSOR)
    assessment.completed_at = utcnow()
    assessment.completed_by_id = actor.id
    assessment.returned_by_iqa = False
    flush_or_conflict()
    audit_assessment(
        "marking_completed",
        actor,
        assessment,
        decision=assessment.decision,
        outcomes={j.criterion_ref: j.outcome for j in assessment.judgements},
        vacs=assessment.vacs,
    )
    route_completed(actor, assessment)

"""Marking: starting an assessment, saving the judgement as it goes, and completing it.

Each service checks permission, moves the assessment through the table in the model, writes its audit row in
the caller's transaction and flushes. A stale form (someone saved since it was opened) raises EditConflict,
and the version column refuses a concurrent write that slipped past that check, so one of two simultaneous
sign-offs wins and the other gets a 409 with its form intact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
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
    MarkingStatus,
)
from assessors.marking.queries import backing_of, criterion_methods, previous_attempt
from assessors.marking.rules import (
    MAX_COMMENT_CHARS,
    MAX_FEEDBACK_CHARS,
    carried_met_by,
    carry_plan,
    completion_problems,
    decision_error,
    how_met,
    judgement_errors,
    overridden,
)
from assessors.permissions import can_mark, roles_of_assessment
from assessors.queries import withdrawn_subject
from assessors.services import (
    WITHDRAWN,
    audit_assessment,
    check_version,
    flush_or_conflict,
)
from core.db.rows import added
from core.db.timeutil import UK, long_date, utcnow
from core.errors import EditConflict, InvalidTransition, ValidationFailed, require
from core.extensions import db
from modules.catalogue.models import Module
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.apl.queries import claim_snapshot
from portfolio.submissions.models import Submission
from portfolio.submissions.services import lock_for_marking, module_criteria
from qualification.cohorts.queries import cohort_roles
from qualification.results.services import criterion_outcomes

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
    # Two assessors' (or two tabs') first clicks at once: the unique key lets exactly one create it.
    if not added(assessment):
        raise EditConflict("Marking of this work was started in another window; open it again.")
    assessment.move_to(MarkingStatus.IN_MARKING, Actor.ASSESSOR)
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
    require(can_mark(actor, cohort_roles(claim.cohort_id, claim.candidate_id)), NOT_MARKER)
    latest = open_round_of_claim(claim.id)
    if latest is not None and latest.status != MarkingStatus.RELEASED:
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
        candidate_id=claim.candidate_id,
        cohort_id=claim.cohort_id,
        family=claim.family,
        module_code=claim.module_code,
        module_id=module_id,
        assessor_id=actor.id,
        evidence_hash=claim_hash(claim),
        claim_snapshot=claim_snapshot(claim),
        waiting_since=claim.submitted_at or utcnow(),
    )
    return _create(actor, assessment, claim.refs, {})


def _text_errors(feedback_md: str, action_md: str, vacs_notes: Mapping[str, str]) -> dict[str, str]:
    limits = (
        ("feedback_md", feedback_md, MAX_FEEDBACK_CHARS),
        ("action_md", action_md, MAX_FEEDBACK_CHARS),
        *((f"vacs_{name}_note", vacs_notes.get(name, ""), MAX_COMMENT_CHARS) for name in VACS),
    )
    return {
        name: f"Keep this under {limit:,} characters."
        for name, text, limit in limits
        if len(text or "") > limit
    }


def _apply_judgements(
    by_ref: Mapping[str, CriterionJudgement],
    outcomes: Mapping[str, str | None],
    comments: Mapping[str, str],
    overrides: Mapping[str, str],
) -> None:
    for ref, judgement in by_ref.items():
        if ref in outcomes:
            judgement.outcome = outcomes[ref] or None
            if judgement.carried_from_id is not None and judgement.outcome != "met":
                # Judged otherwise after all: no longer carried, so nothing of attempt N-1 backs it.
                judgement.carried_from_id, judgement.met_by = None, ""
        if ref in comments:
            judgement.comment = (comments[ref] or "").strip()
        if ref in overrides:
            judgement.override_reason = (overrides[ref] or "").strip()


def _require_in_marking(actor, assessment: Assessment, expected_version: int | None, refused: str) -> None:
    """The allocated assessor, on the version they opened, of a decision still in marking and of work not
    withdrawn: what every change to a judgement needs (`refused` says what can no longer happen)."""
    require(can_mark(actor, roles_of_assessment(assessment)), NOT_MARKER)
    if assessment.status != MarkingStatus.IN_MARKING:
        raise InvalidTransition(f"This decision is {assessment.status.label.lower()}; {refused}.")
    check_version(assessment, expected_version)
    if withdrawn_subject(assessment):
        raise InvalidTransition(WITHDRAWN)


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
    overrides: Mapping[str, str] | None = None,
) -> None:
    """Save the judgement so far (a draft: nothing is decided or shown to the candidate until released)."""
    overrides = overrides or {}
    _require_in_marking(actor, assessment, expected_version, "it can no longer be changed")
    by_ref = {j.criterion_ref: j for j in assessment.judgements}
    allowed = SUBMISSION_DECISIONS if assessment.kind == AssessmentKind.SUBMISSION else APL_DECISIONS
    errors = {
        **decision_error(decision, allowed),
        **_text_errors(feedback_md, action_md, vacs_notes),
        **judgement_errors(set(by_ref), outcomes, comments, overrides),
    }
    if errors:
        raise ValidationFailed(errors)
    _apply_judgements(by_ref, outcomes, comments, overrides)
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


def complete_marking(actor, assessment: Assessment, *, expected_version: int | None) -> None:
    """Complete the judgement: the decision is fixed (unless returned) and routed by the sampling plan."""
    require(can_mark(actor, roles_of_assessment(assessment)), NOT_MARKER)
    check_version(assessment, expected_version)
    if assessment.status != MarkingStatus.IN_MARKING:
        raise InvalidTransition(f"This decision is already {assessment.status.label.lower()}.")
    if withdrawn_subject(assessment):
        raise InvalidTransition(WITHDRAWN)
    methods, backing = _methods_and_backing(assessment)
    problems = completion_problems(assessment, methods, backing)
    if problems:
        raise ValidationFailed(problems)
    for judgement in assessment.judgements:
        judgement.met_by = how_met(judgement, methods, backing) if methods is not None else ""
    overrides = overridden(assessment.judgements, methods or {}, backing)
    assessment.move_to(MarkingStatus.MARKING_COMPLETE, Actor.ASSESSOR)
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
        met_by={j.criterion_ref: j.met_by for j in assessment.judgements if j.met_by},
        overrides={
            j.criterion_ref: j.override_reason for j in assessment.judgements if j.criterion_ref in overrides
        },
        vacs=assessment.vacs,
    )
    route_completed(actor, assessment, overrides=overrides)


@dataclass(frozen=True)
class CarriedForward:
    """What carrying forward did: the criteria set met, and those left as they were, with why."""

    attempt: int
    carried: list[str]
    already_met: list[str]
    judged_otherwise: list[str]
    not_here: list[str]


def carry_forward_criteria(actor, assessment: Assessment, *, expected_version: int | None) -> CarriedForward:
    """Set each criterion met in the previous attempt, and not yet judged in this one, to met, recorded as
    carried forward with how it was met there (a criterion already judged here is left as it is)."""
    _require_in_marking(actor, assessment, expected_version, "criteria can no longer be carried forward")
    previous = previous_attempt(assessment)
    if previous is None:
        raise InvalidTransition("There is no earlier marked attempt to carry criteria forward from.")
    by_ref = {j.criterion_ref: j for j in assessment.judgements}
    plan = carry_plan(previous.met_refs, {ref: j.outcome for ref, j in by_ref.items()})
    earlier = previous.judgements
    met_on = previous.assessment.completed_at or previous.assessment.created_at
    said = (
        f"Carried forward from attempt {previous.attempt} (met on {long_date(met_on.astimezone(UK).date())})."
    )
    for ref in plan["carry"]:
        judgement = by_ref[ref]
        judgement.outcome = "met"
        judgement.comment = f"{said} {judgement.comment}".strip()  # a comment already typed is kept
        judgement.carried_from_id = earlier[ref].id
        judgement.met_by = carried_met_by(previous.attempt, earlier[ref].met_by)
    result = CarriedForward(
        previous.attempt, plan["carry"], plan["already_met"], plan["judged_otherwise"], plan["not_here"]
    )
    if not result.carried:
        return result  # a second press, or nothing left to carry: nothing changes, nothing to record
    assessment.assessor_id = actor.id
    flag_modified(assessment, "assessor_id")  # bumps the version: a form opened before this is stale
    flush_or_conflict()
    audit_assessment(
        "criteria_carried_forward",
        actor,
        assessment,
        refs=result.carried,
        from_assessment_id=previous.assessment.id,
        from_attempt=previous.attempt,
        met_by={ref: by_ref[ref].met_by for ref in result.carried},
        left_as_judged=result.judged_otherwise,
        already_met=result.already_met,
    )
    return result


def _methods_and_backing(assessment: Assessment):
    """The criteria's allowed methods and what backs them, for a submission; (None, {}) for an APL round,
    which is judged on the claim and its VACS rather than by method."""
    if assessment.kind != AssessmentKind.SUBMISSION:
        return None, {}
    return criterion_methods(assessment.module_id), backing_of(assessment)

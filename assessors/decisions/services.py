"""After marking: routing by the sampling plan, IQA review, release to the candidate, and reopening.

Release is the only move the candidate sees: it records the results through the lower packages' services
(the attempt's outcome, criterion results, a module result with credits) and notifies the candidate, all in
the transaction that writes the release's audit row.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from assessors.marking.models import Actor, Assessment, AssessmentKind, Decision, IqaReview, MarkingStatus
from assessors.permissions import (
    can_release,
    can_reopen,
    can_review,
    is_reopening,
    quality_role,
    releasing_role,
    roles_of_assessment,
)
from assessors.quality.rules import assessor_record, rules_of, sample_reasons
from assessors.queries import later_work, withdrawn_subject
from assessors.services import WITHDRAWN
from assessors.services import audit_assessment as _audit
from assessors.services import check_version as _check_version
from assessors.services import flush_or_conflict as _flush_or_conflict
from core.db.timeutil import UK, utcnow
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.notifications.services import notify
from core.web.formatting import with_article
from modules.catalogue.models import Module
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.submissions.models import Submission, SubmissionStatus
from portfolio.submissions.services import (
    record_claim_outcome,
    record_submission_outcome,
    reopen_claim_outcome,
    reopen_submission_outcome,
)
from qualification.cohorts.queries import cohort_about
from qualification.results.models import AchievedBy, CriterionOutcome
from qualification.results.services import record_criterion_results, record_module_result, revoke_results

MAX_REASON_CHARS = 10_000


def source_of(assessment: Assessment) -> str:
    """How results recorded by this decision name it (so a reopen can withdraw exactly those)."""
    return f"assessment:{assessment.id}"


def route_completed(actor, assessment: Assessment, *, overrides: Sequence[str] = ()) -> None:
    """Send a completed decision to IQA review when the plan samples it, else to ready for release. A
    decision that overrides an assessment method is always sampled, whatever the plan says."""
    record_so_far = assessor_record(assessment.cohort_id, actor.id, excluding=assessment.id)
    reasons = sample_reasons(
        rules_of(assessment.cohort_id), assessment.kind, assessment.decision, record_so_far
    )
    if overrides:
        reasons = [f"the assessment method is overridden for {', '.join(overrides)}", *reasons]
    if reasons:
        assessment.sampled = True
        assessment.sample_reasons = "; ".join(reasons)[:300]
        assessment.move_to(MarkingStatus.IN_IQA_REVIEW, Actor.SYSTEM)
        for iqa_id in sorted(roles_of_assessment(assessment).iqa_ids - {actor.id}):
            waiting = with_article(
                f"{assessment.module_code} decision is waiting for your review", capital=True
            )
            _tell(
                iqa_id,
                assessment,
                "decision_sampled",
                waiting,
                f"Sampled because {assessment.sample_reasons}.",
            )
    else:
        assessment.move_to(MarkingStatus.READY_FOR_RELEASE, Actor.SYSTEM)
    _flush_or_conflict()
    _audit("decision_routed", actor, assessment, role="system", to=assessment.status, reasons=reasons)


def _permitted(actor, assessment: Assessment, may, refusal: str, expected_version: int | None):
    """The cohort's roles around the assessment, once `may` lets the actor act on it and it is still as
    their page showed it (`expected_version`)."""
    roles = roles_of_assessment(assessment)
    require(may(actor, assessment, roles), refusal)
    _check_version(assessment, expected_version)
    return roles


def _tell(user_id: int, assessment: Assessment, kind: str, title: str, body: str) -> None:
    """Notify someone about the decision, naming its cohort, with a link to it."""
    notify(
        user_id,
        kind=kind,
        about=cohort_about(assessment.cohort_id),
        title=title,
        body=body,
        link_endpoint="assessors.marking.show_assessment",
        assessment_id=assessment.id,
    )


def sample_decision(actor, assessment: Assessment) -> None:
    """An IQA takes a decision the rules let through into review before it is released."""
    require(
        can_review(actor, assessment, roles_of_assessment(assessment)), "Only the cohort's IQA can sample."
    )
    assessment.move_to(MarkingStatus.IN_IQA_REVIEW, Actor.IQA)
    assessment.sampled = True
    assessment.sample_reasons = "chosen by the IQA"
    _flush_or_conflict()
    _audit("decision_sampled", actor, assessment, role="iqa")


def review_decision(
    actor, assessment: Assessment, *, verdict: str, reasons_md: str, expected_version: int | None
) -> IqaReview:
    """Agree with a sampled decision (ready for release) or return it to the assessor with reasons."""
    refusal = "Only an IQA of this cohort who did not make the decision can review it."
    _permitted(actor, assessment, can_review, refusal, expected_version)
    reasons_md = (reasons_md or "").strip()
    if verdict not in ("agree", "return"):
        raise ValidationFailed({"verdict": "Choose agree or return to the assessor."})
    if verdict == "return" and not reasons_md:
        raise ValidationFailed({"reasons_md": "Say why the decision goes back to the assessor."})
    if len(reasons_md) > MAX_REASON_CHARS:
        raise ValidationFailed({"reasons_md": f"Keep the reasons under {MAX_REASON_CHARS:,} characters."})
    if verdict == "agree":
        assessment.move_to(MarkingStatus.READY_FOR_RELEASE, Actor.IQA)
    else:
        assessment.move_to(MarkingStatus.IN_MARKING, Actor.IQA)
        assessment.returned_by_iqa = True
        assessment.waiting_since = utcnow()
        assessment.completed_at = None
    review = IqaReview(
        assessment=assessment,
        reviewer_id=actor.id,
        verdict=verdict,
        reasons_md=reasons_md,
        evidence_hash=assessment.evidence_hash,
    )
    db.session.add(review)
    _flush_or_conflict()
    _audit("iqa_reviewed", actor, assessment, role="iqa", verdict=verdict, reasons=reasons_md)
    if verdict == "return" and assessment.assessor_id is not None:
        returned = f"Your {assessment.module_code} decision was returned by the IQA"
        _tell(assessment.assessor_id, assessment, "decision_returned", returned, reasons_md[:500])
    return review


def _record_results(actor, assessment: Assessment) -> None:
    judged = {j.criterion_ref: j.outcome for j in assessment.judgements}
    module = db.session.get(Module, assessment.module_id) if assessment.module_id else None
    today = utcnow().astimezone(UK).date()
    if assessment.kind == AssessmentKind.SUBMISSION:
        submission = db.session.get(Submission, assessment.submission_id)
        outcome = (
            SubmissionStatus.ACHIEVED
            if assessment.decision == Decision.ACHIEVED
            else SubmissionStatus.REFERRED
        )
        record_submission_outcome(actor, submission, outcome)
        outcomes = {
            ref: CriterionOutcome.MET if value == "met" else CriterionOutcome.NOT_YET_MET
            for ref, value in judged.items()
        }
        achieved = assessment.decision == Decision.ACHIEVED
        how, credits = AchievedBy.ASSESSMENT, module.credits if module else 0
    else:
        claim = db.session.get(AplClaim, assessment.apl_claim_id)
        record_claim_outcome(actor, claim, AplStatus(assessment.decision))
        outcomes = {ref: CriterionOutcome.MET_BY_APL for ref, value in judged.items() if value == "met"}
        # Credit for a whole module comes only from a claim for the whole module, accepted in full.
        achieved = assessment.decision == Decision.ACCEPTED and claim.scope == "module"
        how, credits = AchievedBy.APL, claim.credits
    # Both kinds of result name the candidate's module, and this decision as the source a reopen revokes.
    subject = {
        "candidate_id": assessment.candidate_id,
        "family": assessment.family,
        "module_code": assessment.module_code,
        "source": source_of(assessment),
    }
    record_criterion_results(
        actor,
        outcomes=outcomes,
        met_by={j.criterion_ref: j.met_by for j in assessment.judgements if j.met_by},
        **subject,
    )
    if achieved and module is not None:
        record_module_result(
            actor,
            cohort_id=assessment.cohort_id,
            module_id=module.id,
            title=module.title,
            level=module.level,
            credits=credits,
            how=how,
            achieved_on=today,
            **subject,
        )


def release_decision(actor, assessment: Assessment, *, expected_version: int | None = None) -> None:
    """Release a decision: record the results and tell the candidate (the only moment they learn it)."""
    refusal = "Only the assessor, the cohort's IQA or the course leader can release decisions."
    cohort = _permitted(actor, assessment, can_release, refusal, expected_version)
    if withdrawn_subject(assessment):
        raise InvalidTransition(WITHDRAWN)
    role = releasing_role(actor, cohort)
    assessment.move_to(MarkingStatus.RELEASED, role)
    assessment.released_at = utcnow()
    assessment.released_by_id = actor.id
    _flush_or_conflict()
    _record_results(actor, assessment)
    _audit("decision_released", actor, assessment, role=role.value, decision=assessment.decision)
    subject = "claim for prior learning" if assessment.kind == AssessmentKind.APL else "submission"
    decided = f"Feedback on your {assessment.module_code} {subject}: {Decision(assessment.decision).label}"
    _tell(
        assessment.candidate_id,
        assessment,
        "feedback_released",
        decided,
        "Your assessor's feedback is ready to read.",
    )


def release_ready(actor, assessments: list[Assessment]) -> int:
    """Release several ready decisions at once (each checked as if released alone); returns how many."""
    released = 0
    for assessment in assessments:
        # An attempt withdrawn after marking has nothing to release; it must not stop the others.
        if assessment.status == MarkingStatus.READY_FOR_RELEASE and not withdrawn_subject(assessment):
            release_decision(actor, assessment)
            released += 1
    return released


def reopen_decision(
    actor, assessment: Assessment, *, reason: str, expected_version: int | None = None
) -> None:
    """Reopen a completed or released decision for the assessor, with the reason in the audit log."""
    refusal = (
        "Only the course leader or one of the cohort's IQAs (not the one who made it) can reopen a decision."
    )
    _permitted(actor, assessment, can_reopen, refusal, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "Give the reason for reopening; it is kept in the audit log."})
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationFailed({"reason": f"Keep the reason under {MAX_REASON_CHARS:,} characters."})
    if assessment.status == MarkingStatus.RELEASED and (later := later_work(assessment)):
        raise InvalidTransition(
            f"This decision cannot be reopened: the candidate has since sent {later}. "
            "Judge that instead; this decision stays as it was released."
        )
    if not is_reopening(assessment):
        # An IQA returns a sampled decision with reasons (review_decision); reopening is for decided ones.
        raise InvalidTransition(
            f"This decision is {assessment.status.label.lower()}; it cannot be moved to in marking."
        )
    was = assessment.status
    role = quality_role(actor, roles_of_assessment(assessment))
    assessment.move_to(MarkingStatus.IN_MARKING, role)
    assessment.completed_at = None
    assessment.waiting_since = utcnow()
    if was == MarkingStatus.RELEASED:
        assessment.released_at = None
        revoke_results(actor, source=source_of(assessment))
        if assessment.kind == AssessmentKind.SUBMISSION:
            reopen_submission_outcome(actor, db.session.get(Submission, assessment.submission_id))
        else:
            reopen_claim_outcome(actor, db.session.get(AplClaim, assessment.apl_claim_id))
        notify(
            assessment.candidate_id,
            kind="decision_reopened",
            about=cohort_about(assessment.cohort_id),
            title=f"The decision on your {assessment.module_code} work is being looked at again",
            body="You will be told when a decision is released.",
        )
    _flush_or_conflict()
    _audit("decision_reopened", actor, assessment, role=role.value, was=was.value, reason=reason)


def ready_for_release(cohort_ids: list[int], limit: int = 200) -> list[Assessment]:
    """Decisions ready for release in these cohorts, oldest first."""
    return list(
        db.session.scalars(
            select(Assessment)
            .where(Assessment.cohort_id.in_(cohort_ids), Assessment.status == MarkingStatus.READY_FOR_RELEASE)
            .order_by(Assessment.completed_at, Assessment.id)
            .limit(limit)
        )
    )

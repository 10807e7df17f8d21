"""Submitting a module for assessment: the mapped evidence frozen as a snapshot, and the queries around it.

A snapshot points at evidence *versions*, never at items: editing an item afterwards adds a version, so what
was submitted (and the hash an assessor's judgement covers) never changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from core.audit.services import record
from core.db.statemachine import label_of
from core.db.timeutil import utcnow
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.notifications.services import notify
from modules.catalogue.models import LearningOutcome, Module
from modules.study.models import EnrolmentStatus, ModuleEnrolment
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.evidence.models import CriterionMapping, EvidenceItem, EvidenceVersion
from portfolio.mapping.queries import module_gap
from portfolio.permissions import can_submit
from portfolio.services import audit_candidate, tell_leader_of_unallocated
from portfolio.submissions.models import Submission, SubmissionEntry, SubmissionStatus
from portfolio.submissions.rules import SubmissionReview, gaps_refusal, review_of
from qualification.cohorts.queries import cohort_about, cohort_roles
from qualification.membership.queries import require_writable

MAX_STATEMENT_CHARS = 20_000


def may_submit_again(previous: Submission | None) -> bool:
    """Whether a new attempt may follow the latest one: none yet, withdrawn, or referred for resubmission."""
    return previous is None or previous.status in (SubmissionStatus.WITHDRAWN, SubmissionStatus.REFERRED)


def snapshot_hash(pairs) -> str:
    """SHA-256 over the sorted "criterion_ref:content_hash" lines of a snapshot (one per line)."""
    lines = sorted(f"{ref}:{content_hash}" for ref, content_hash in pairs)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# Queries ---------------------------------------------------------------------------------------------


def active_enrolment(user_id: int, family: str, module_code: str) -> ModuleEnrolment | None:
    """The person's active enrolment on a module, if they study it."""
    return db.session.scalar(
        select(ModuleEnrolment).where(
            ModuleEnrolment.candidate_id == user_id,
            ModuleEnrolment.family == family,
            ModuleEnrolment.module_code == module_code,
            ModuleEnrolment.status == EnrolmentStatus.ACTIVE,
        )
    )


def active_enrolments(user_id: int) -> list[ModuleEnrolment]:
    """The person's active module enrolments, by module code."""
    return list(
        db.session.scalars(
            select(ModuleEnrolment)
            .where(ModuleEnrolment.candidate_id == user_id, ModuleEnrolment.status == EnrolmentStatus.ACTIVE)
            .order_by(ModuleEnrolment.family, ModuleEnrolment.module_code)
        )
    )


def module_criteria(module_id: int) -> list[tuple[str, str]]:
    """A module revision's criteria as (ref, text), in the order of its outcomes."""
    module = db.session.scalar(
        select(Module)
        .where(Module.id == module_id)
        .options(selectinload(Module.outcomes).selectinload(LearningOutcome.criteria))
    )
    if module is None:
        return []
    return [(c.ref, c.text) for o in module.outcomes for c in o.criteria]


def latest_attempt(candidate_id: int, family: str, module_code: str) -> Submission | None:
    """The candidate's most recent attempt at a module."""
    return db.session.scalar(
        select(Submission)
        .where(
            Submission.candidate_id == candidate_id,
            Submission.family == family,
            Submission.module_code == module_code,
        )
        .order_by(Submission.attempt.desc())
        .limit(1)
    )


def submissions_of(candidate_id: int) -> list[Submission]:
    """Every attempt of the candidate, by module then attempt."""
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.candidate_id == candidate_id)
            .order_by(Submission.family, Submission.module_code, Submission.attempt)
        )
    )


def submission_with_snapshot(submission_id: int) -> Submission | None:
    """A submission with its entries and their versions loaded."""
    return db.session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(selectinload(Submission.entries).joinedload(SubmissionEntry.version))
    )


@dataclass
class PlannedEntry:
    criterion_ref: str
    item: EvidenceItem
    version: EvidenceVersion
    note: str


@dataclass
class SnapshotPlan:
    """What submitting a module now would freeze, and what stands in the way."""

    enrolment: ModuleEnrolment
    criteria: list[tuple[str, str]]
    entries: list[PlannedEntry] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)  # titles of items without the anonymisation check
    previous: Submission | None = None

    def by_criterion(self) -> list[tuple[str, str, list[PlannedEntry]]]:
        """Every criterion of the module with the evidence that would be frozen for it."""
        return [
            (ref, text, [e for e in self.entries if e.criterion_ref == ref]) for ref, text in self.criteria
        ]

    def problems(self) -> list[str]:
        """Why the module cannot be submitted now (empty when it can)."""
        found = []
        if self.previous is not None and self.previous.status == SubmissionStatus.ACHIEVED:
            found.append(
                f"You achieved this module at attempt {self.previous.attempt}; there is nothing to resubmit."
            )
        elif not may_submit_again(self.previous):
            found.append(
                f"Attempt {self.previous.attempt} of this module is still awaiting assessment. "
                "You can submit again once it has been assessed"
                + (", or withdraw it first." if self.previous.marking_started_at is None else ".")
            )
        if not self.entries:
            found.append("Map at least one piece of evidence to this module's criteria before submitting.")
        if self.unconfirmed:
            found.append("Confirm that pupils cannot be identified in: " + "; ".join(self.unconfirmed) + ".")
        return found


def plan_snapshot(candidate_id: int, enrolment: ModuleEnrolment) -> SnapshotPlan:
    """The current versions of the candidate's items mapped to the module's criteria."""
    criteria = module_criteria(enrolment.module_id)
    refs = {ref for ref, _ in criteria}
    rows = db.session.execute(
        select(CriterionMapping, EvidenceItem)
        .join(EvidenceItem, CriterionMapping.item_id == EvidenceItem.id)
        .where(
            EvidenceItem.candidate_id == candidate_id,
            EvidenceItem.deleted_at.is_(None),
            EvidenceItem.current_version_id.is_not(None),
            CriterionMapping.family == enrolment.family,
            CriterionMapping.module_code == enrolment.module_code,
        )
        .options(joinedload(EvidenceItem.current))
        .order_by(CriterionMapping.criterion_ref, EvidenceItem.id)
    ).all()
    plan = SnapshotPlan(enrolment=enrolment, criteria=criteria)
    plan.previous = latest_attempt(candidate_id, enrolment.family, enrolment.module_code)
    unconfirmed: dict[int, str] = {}
    for mapping, item in rows:
        # A mapping to a criterion this revision of the module does not have is not evidence for it.
        if mapping.criterion_ref not in refs:
            continue
        plan.entries.append(PlannedEntry(mapping.criterion_ref, item, item.current, mapping.note or ""))
        if item.anonymised_at is None:
            unconfirmed[item.id] = item.current.title
    plan.unconfirmed = list(unconfirmed.values())
    return plan


def submission_review(candidate_id: int, enrolment: ModuleEnrolment) -> SubmissionReview:
    """What submitting the module now would freeze, per criterion, with what backs each and the gaps."""
    return review_of(plan_snapshot(candidate_id, enrolment), module_gap(candidate_id, enrolment.module))


def gaps_confirmation(candidate_id: int, family: str, module_code: str) -> str:
    """The confirmation the review's box gives now ("" when nothing needs confirming)."""
    enrolment = active_enrolment(candidate_id, family, module_code)
    return submission_review(candidate_id, enrolment).confirmation if enrolment else ""


# Services --------------------------------------------------------------------------------------------


def _audit_attempt(action: str, actor, submission: Submission, **details) -> None:
    """The audit row of the candidate's move on an attempt: which module, which attempt."""
    audit_candidate(
        action, actor, submission, module_code=submission.module_code, attempt=submission.attempt, **details
    )


def submit_module(
    actor, *, family: str, module_code: str, statement_md: str = "", gaps_confirmed: str = ""
) -> Submission:
    """Freeze the evidence mapped to a module's criteria as a new attempt; tell the assessor or leader.

    With criteria empty (or shown by no allowed method) the candidate must have confirmed exactly those gaps:
    `gaps_confirmed` is the value of the review's confirmation box (`SubmissionReview.confirmation`)."""
    require(can_submit(actor, actor.id), "Only the candidate can submit their own work.")
    enrolment = active_enrolment(actor.id, family, module_code)
    if enrolment is None:
        raise InvalidTransition(f"You are not studying {module_code}, so it cannot be submitted.")
    require_writable(actor, enrolment.cohort_id)
    statement_md = (statement_md or "").strip()
    if len(statement_md) > MAX_STATEMENT_CHARS:
        raise ValidationFailed({"statement": f"Keep the statement under {MAX_STATEMENT_CHARS:,} characters."})
    review = submission_review(actor.id, enrolment)
    plan = review.plan
    if not may_submit_again(plan.previous):
        raise InvalidTransition(plan.problems()[0])
    problems = plan.problems()
    if problems:
        raise ValidationFailed(" ".join(problems))
    refusal = gaps_refusal(review, (gaps_confirmed or "").strip())
    if refusal:
        raise ValidationFailed({"confirm_gaps": refusal})
    digest = snapshot_hash((e.criterion_ref, e.version.content_hash) for e in plan.entries)
    submission = Submission(
        candidate_id=actor.id,
        cohort_id=enrolment.cohort_id,
        family=family,
        module_code=module_code,
        module_id=enrolment.module_id,
        attempt=(plan.previous.attempt + 1) if plan.previous else 1,
        status=SubmissionStatus.SUBMITTED,
        snapshot_hash=digest,
        statement_md=statement_md,
        entries=[
            SubmissionEntry(
                criterion_ref=e.criterion_ref,
                version_id=e.version.id,
                content_hash=e.version.content_hash,
                note=e.note,
            )
            for e in plan.entries
        ],
    )
    try:
        # Two tabs submitting at once would claim the same attempt number; the unique key refuses one.
        with db.session.begin_nested():
            db.session.add(submission)
    except IntegrityError as exc:
        raise InvalidTransition("This module was just submitted from another window.") from exc
    _audit_attempt(
        "module_submitted",
        actor,
        submission,
        family=family,
        snapshot_hash=digest,
        entries=len(submission.entries),
        criteria_empty=[r.gap.ref for r in review.empty],
        criteria_not_shown=[r.gap.ref for r in review.not_shown],
    )
    assessor_id = cohort_roles(enrolment.cohort_id, actor.id).allocated_assessor_id
    if assessor_id is not None:
        notify(
            assessor_id,
            kind="submission_received",
            title=f"{actor.name} submitted {module_code} (attempt {submission.attempt})",
            body="The evidence is frozen as submitted; later edits by the candidate do not change it.",
            about=cohort_about(enrolment.cohort_id),
            link_endpoint="portfolio.submissions.show_submission",
            submission_id=submission.id,
        )
    else:
        db.session.flush()
        tell_leader_of_unallocated(enrolment.cohort_id, actor, f"submitted {module_code}")
    db.session.flush()
    return submission


def withdraw_submission(actor, submission: Submission) -> None:
    """Take back an attempt that is still awaiting assessment (it is kept, marked withdrawn)."""
    require(can_submit(actor, submission.candidate_id), "Only the candidate can withdraw their submission.")
    require_writable(actor, submission.cohort_id)
    # Locks the row (PostgreSQL) so a withdrawal and the assessor starting to mark cannot both succeed.
    db.session.refresh(submission, with_for_update=True)
    # The same conditions as can_withdraw_now, read again under the lock, each with its own message.
    if submission.status != SubmissionStatus.SUBMITTED:
        raise InvalidTransition("Only a submission awaiting assessment can be withdrawn.")
    if submission.marking_started_at is not None:
        raise InvalidTransition(
            "Your assessor has started marking this attempt, so it can no longer be withdrawn. "
            "If something in it is wrong, tell your assessor: they can refer it for resubmission."
        )
    submission.move_to(SubmissionStatus.WITHDRAWN)
    _audit_attempt("submission_withdrawn", actor, submission)
    db.session.flush()


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


def _decide(subject, outcome, decisions, *, not_a_decision: str, not_now: str) -> None:
    """Move a submitted attempt or claim to a released decision; anything else is refused in words."""
    if outcome not in decisions:
        raise InvalidTransition(not_a_decision)
    if subject.status != type(outcome).SUBMITTED:  # attempts and claims both await a decision as SUBMITTED
        raise InvalidTransition(not_now)
    subject.move_to(outcome)


def _undecide(actor, subject, decisions, waiting, action: str) -> None:
    """Take a released decision back off an attempt or claim: it awaits assessment again."""
    if subject.status not in decisions:
        return
    subject.move_to(waiting)
    record(action, actor=actor, obj=subject, details={})
    db.session.flush()


def record_submission_outcome(actor, submission: Submission, outcome: SubmissionStatus) -> None:
    """Show a released decision on the attempt: achieved, or referred (the candidate may resubmit)."""
    outcome = SubmissionStatus(outcome)
    _decide(
        submission,
        outcome,
        RELEASED_SUBMISSION,
        not_a_decision=f"'{outcome}' is not a decision on a submission.",
        not_now=f"This attempt is {submission.status}; its decision cannot be released now.",
    )
    record(
        "submission_outcome_recorded",
        actor=actor,
        obj=submission,
        details={"outcome": outcome.value, "snapshot_hash": submission.snapshot_hash},
    )
    db.session.flush()


def reopen_submission_outcome(actor, submission: Submission) -> None:
    """Take a released decision back off the attempt (reopened): it awaits assessment again."""
    _undecide(
        actor, submission, RELEASED_SUBMISSION, SubmissionStatus.SUBMITTED, "submission_outcome_withdrawn"
    )


def record_claim_outcome(actor, claim: AplClaim, outcome: AplStatus) -> None:
    """Show a released decision on an APL claim ("more evidence" lets the candidate send it again)."""
    outcome = AplStatus(outcome)
    _decide(
        claim,
        outcome,
        DECIDED_CLAIM,
        not_a_decision=f"'{outcome}' is not a decision on a claim.",
        not_now=f"This claim is {label_of(claim.status)}; it cannot be decided now.",
    )
    record("apl_outcome_recorded", actor=actor, obj=claim, details={"outcome": outcome.value})
    db.session.flush()


def reopen_claim_outcome(actor, claim: AplClaim) -> None:
    """Take a released decision back off a claim (reopened): it awaits assessment again."""
    _undecide(actor, claim, DECIDED_CLAIM, AplStatus.SUBMITTED, "apl_outcome_withdrawn")

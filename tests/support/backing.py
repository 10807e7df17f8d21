"""Backing every criterion of a module by one of its allowed methods, through the real services, as a
candidate and their assessor would: a written account mapped to each criterion it can show (portfolio
evidence, reflective account, assignment), and for the rest a competence sign-off or a signed observation.

Tests that are about something else (sampling, release, the examiner) use this so that their decisions are
valid; completing a decision without backing is refused (tests/assessors/marking/test_methods.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from assessors.workplace.services.observations import plan_observation, record_observation
from assessors.workplace.services.signoffs import active_signoff, sign_off_criterion
from core.accounts.models import User
from core.db.timeutil import UK
from core.extensions import db
from modules.catalogue.models import AssessmentCriterion, AssessmentMethod, LearningOutcome
from portfolio.evidence.models import EvidenceItem
from portfolio.mapping.rules import KINDS_FOR
from portfolio.submissions.models import Submission
from portfolio.submissions.services import active_enrolment
from qualification.cohorts.queries import cohort_roles
from tests.support.people import person

ACCOUNT_METHODS = {m for m in AssessmentMethod if "account" in KINDS_FOR[m]}


def _criteria(candidate_id: int, family: str, code: str):
    enrolment = active_enrolment(candidate_id, family, code)
    return list(
        db.session.scalars(
            select(AssessmentCriterion)
            .join(LearningOutcome, AssessmentCriterion.outcome_id == LearningOutcome.id)
            .where(LearningOutcome.module_id == enrolment.module_id)
            .order_by(LearningOutcome.position, AssessmentCriterion.position)
        )
    )


def account_refs(candidate_id: int, family: str, code: str) -> list[str]:
    """The criteria of the module the candidate studies that a written account can back (app context)."""
    return [c.ref for c in _criteria(candidate_id, family, code) if ACCOUNT_METHODS & set(c.methods)]


def attest_the_rest(assessor_email: str, candidate_email: str, code: str, *, family: str = "CCQ", only=None):
    """The assessor signs off (or observes) each criterion an account cannot back (app/request context;
    the caller commits). `only` limits it to those refs."""
    assessor, candidate = person(assessor_email), person(candidate_email)
    observe = []
    for criterion in _criteria(candidate.id, family, code):
        if ACCOUNT_METHODS & set(criterion.methods) or (only is not None and criterion.ref not in only):
            continue
        if AssessmentMethod.COMPETENCE in criterion.methods:
            if active_signoff(candidate.id, family, code, criterion.ref) is None:
                sign_off_criterion(
                    assessor,
                    candidate_id=candidate.id,
                    family=family,
                    module_code=code,
                    ref=criterion.ref,
                    basis="Professional discussion in school",
                    note_md="",
                    signed_name=assessor.name,
                )
        else:
            observe.append(criterion.ref)
    if observe:
        today = datetime.now(UK).date()
        observation = plan_observation(
            assessor,
            candidate_id=candidate.id,
            family=family,
            module_code=code,
            planned_for=today + timedelta(days=1),
            school="Northmoor Academy",
            focus_md="A guidance interview.",
            refs=observe,
        )
        record_observation(
            assessor,
            observation,
            expected_version=None,
            observed_on=today,
            narrative_md="A well-run interview.",
            judgements=dict.fromkeys(observe, ("met", "Seen.")),
            signed_name=assessor.name,
            anonymised=True,
        )


def back_submission(app, submission_id: int) -> None:
    """The candidate's allocated assessor backs, in the workplace, every criterion of the submitted module
    that an account cannot show (a sign-off or an observation), so that judging it met is valid."""
    with app.test_request_context():
        submission = db.session.get(Submission, submission_id)
        roles = cohort_roles(submission.cohort_id, submission.candidate_id)
        assessor = db.session.get(User, roles.allocated_assessor_id)
        candidate = db.session.get(User, submission.candidate_id)
        attest_the_rest(assessor.email, candidate.email, submission.module_code, family=submission.family)
        db.session.commit()


def account_refs_of(app, item_id: int, code: str, family: str = "CCQ") -> list[str]:
    """The criteria of `code` that the owner of the item can back with a written account."""
    with app.app_context():
        return account_refs(db.session.get(EvidenceItem, item_id).candidate_id, family, code)

"""History pages: a submission's, a decision's and a candidate's audit trail in words (`assessors.history`).

Read-only, for the people who check assessment: the IQAs of the candidate's cohorts, the course leader and
administrators, and an external examiner for a candidate in their sample (who sees only released
decisions and what they judged). Anyone else gets a 404, as if the page did not exist.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from assessors.examiner.services import active_grants
from assessors.history.queries import (
    assessment_subjects,
    candidate_subjects,
    history,
    submission_subjects,
)
from assessors.marking.models import Assessment, MarkingStatus
from assessors.permissions import can_read_history, examiner_may_see
from core.accounts.models import User
from core.db.timeutil import uk_today
from core.extensions import db
from core.web.access import SIGNED_IN, rule
from portfolio.submissions.models import Submission
from qualification.cohorts.queries import candidate_cohorts, cohort_roles

bp = Blueprint("history", __name__, url_prefix="/assessors")


def _examiner_sees(candidate_id: int) -> bool:
    grants = [access for access, _name, _people in active_grants(current_user, uk_today())]
    return examiner_may_see(current_user, candidate_id, grants, uk_today())


def _allowed(candidate_id: int, cohort_ids) -> tuple[bool, bool]:
    """(may read, only as an examiner): 404 unless one of the reader's roles covers the candidate."""
    cohorts = [cohort_roles(cohort_id, candidate_id) for cohort_id in cohort_ids if cohort_id]
    if can_read_history(current_user, cohorts):
        return True, False
    examiner = _examiner_sees(candidate_id)
    return examiner, examiner


def _page(title: str, candidate: User, subjects, endpoint: str, **ids):
    actor = request.args.get("person", type=int)
    module = (request.args.get("module") or "").strip()[:20]
    action = (request.args.get("action") or "").strip()[:80]
    found = history(
        subjects,
        actor_id=actor,
        module_code=module,
        action=action,
        before=request.args.get("before", type=int),
    )
    next_url = None
    if found.next_before is not None:
        next_url = url_for(
            endpoint,
            **ids,
            person=actor,
            module=module or None,
            action=action or None,
            before=found.next_before,
        )
    return render_template(
        "assessors/history/history.html",
        title=title,
        candidate=candidate,
        found=found,
        chosen={"person": actor, "module": module, "action": action},
        filter_url=url_for(endpoint, **ids),
        next_url=next_url,
    )


@bp.get("/submissions/<int:submission_id>/history")
@rule(SIGNED_IN)
def submission_history(submission_id: int):
    submission = db.session.get(Submission, submission_id) or abort(404)
    allowed, examiner_only = _allowed(submission.candidate_id, [submission.cohort_id])
    subjects = submission_subjects(submission, released_only=examiner_only)
    if not allowed or (examiner_only and len(subjects) < 2):
        abort(404)
    candidate = db.session.get(User, submission.candidate_id)
    title = f"History of {submission.module_code} attempt {submission.attempt}"
    return _page(
        title, candidate, subjects, "assessors.history.submission_history", submission_id=submission_id
    )


@bp.get("/assessments/<int:assessment_id>/history")
@rule(SIGNED_IN)
def assessment_history(assessment_id: int):
    assessment = db.session.get(Assessment, assessment_id) or abort(404)
    allowed, examiner_only = _allowed(assessment.candidate_id, [assessment.cohort_id])
    if not allowed or (examiner_only and assessment.status != MarkingStatus.RELEASED):
        abort(404)
    candidate = db.session.get(User, assessment.candidate_id)
    subjects = assessment_subjects(assessment)
    return _page(
        f"History of the {assessment.module_code} decision",
        candidate,
        subjects,
        "assessors.history.assessment_history",
        assessment_id=assessment_id,
    )


@bp.get("/candidates/<int:candidate_id>/history")
@rule(SIGNED_IN)
def candidate_history(candidate_id: int):
    candidate = db.session.get(User, candidate_id) or abort(404)
    allowed, examiner_only = _allowed(candidate_id, [c.id for c in candidate_cohorts(candidate_id)])
    if not allowed:
        abort(404)
    subjects = candidate_subjects(candidate_id, released_only=examiner_only)
    return _page(
        f"History of {candidate.name}'s work",
        candidate,
        subjects,
        "assessors.history.candidate_history",
        candidate_id=candidate_id,
    )

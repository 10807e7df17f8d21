"""B2 (IDOR) support, the assessment area's objects: for each candidate of the two-cohort world, a decision
completed by their allocated assessor (sampled, so waiting for IQA review) and an external examiner's access
covering them. Cohort 1's access belongs to the demo examiner; cohort 2's to an examiner of its own, so the
demo examiner (an actor of the sweep) has no business with anything of cohort 2.

Called by tests/cross/idor/world.py's build_world inside its app context; sets `assessment_id` and
`examiner_access_id` on each candidate's Objects.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from assessors.examiner.services import grant_examiner_access
from assessors.marking.services import complete_marking, start_submission_marking
from core.accounts.models import Role, User
from core.accounts.services.accounts import create_user
from core.db.timeutil import uk_today
from core.extensions import db
from portfolio.submissions.models import Submission
from qualification.cohorts.models import Cohort
from tests.support.people import EXAMINER
from tests.support.quality import save_all_met

B_EXAMINER = "zqxbravo.examiner@otheruni.example"


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _judged(assessor: User, submission_id: int, mark: str) -> int:
    assessment = start_submission_marking(assessor, db.session.get(Submission, submission_id))
    refs = [j.criterion_ref for j in assessment.judgements]
    save_all_met(
        assessor,
        assessment,
        decision="achieved",
        feedback_md=f"{mark} feedback",
        comments={ref: f"{mark} comment on {ref}" for ref in refs},
        # The world's evidence backs few criteria by their methods: the assessor says why each is met anyway,
        # which also sends the decision to IQA review and puts marked text where it must not leak.
        overrides={ref: f"{mark} override reason for {ref}" for ref in refs},
    )
    complete_marking(assessor, assessment, expected_version=assessment.version)
    return assessment.id


def add_assessment_objects(leader: User, *people) -> None:
    """For each (objects, assessor email, mark): a completed decision and an examiner's access to it."""
    password = "waymark-demo-2026"
    if _user(B_EXAMINER) is None:
        create_user(
            None, email=B_EXAMINER, name="Zqxbravo Examiner", password=password, roles=(Role.EXAMINER,)
        )
    for objects, assessor_email, mark in people:
        objects.assessment_id = _judged(_user(assessor_email), objects.submission_id, mark)
        examiner = _user(EXAMINER if objects is people[0][0] else B_EXAMINER)
        access = grant_examiner_access(
            leader,
            db.session.get(Cohort, objects.cohort_id),
            examiner_id=examiner.id,
            candidate_ids=[objects.user_id],
            ends_on=uk_today() + timedelta(days=30),
            note=f"{mark} sample",
            today=uk_today(),
        )
        objects.examiner_access_id = access.id
    db.session.flush()


# The quality assurance and examiner routes, by the kind of each argument
# (spread into tests/cross/idor/kinds.py).
_ASSESSMENT = {"assessment_id": "assessment"}
_GRANT = {"access_id": "examiner_access", "candidate_id": "user"}
QUALITY_ARGUMENT_KINDS: dict[str, dict[str, str]] = {
    **{
        name: {"cohort_id": "cohort"}
        for name in (
            "assessors.quality.edit_sampling_plan",
            "assessors.examiner.list_examiner_access",
            "assessors.examiner.grant_examiner_access",
        )
    },
    "assessors.examiner.revoke_examiner_access": {"cohort_id": "cohort", "access_id": "examiner_access"},
    **dict.fromkeys(
        (
            "assessors.quality.show_review",
            "assessors.quality.review_assessment",
            "assessors.quality.sample_assessment",
            "assessors.quality.reopen_assessment",
        ),
        _ASSESSMENT,
    ),
    "assessors.examiner.show_examiner_candidate": _GRANT,
    "assessors.examiner.download_examiner_file": {**_GRANT, "version_id": "file_version"},
}

"""F2: kill -9 during a sign-off, before and after commit: the decision and its audit row are both present
or both absent, and the audit chain verifies either way."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assessors.marking import services as marking
from assessors.marking.models import Assessment
from core.accounts.models import User
from core.audit.models import AuditEvent
from core.audit.services import verify_chain
from core.extensions import db
from portfolio.submissions.models import Submission
from tests.support.crash import kill_when_it_says
from tests.support.html import signed_in
from tests.support.marking import assessment_id_of, load_marking_demo, start_marking, submit_m01
from tests.support.people import JO, TOM

ALL_MET = {"valid": True, "authentic": True, "current": True, "sufficient": True}

CHILD = """
import sys, time
from core.app import create_app
from core.extensions import db
from core.accounts.models import User
from assessors.marking import services as marking
from assessors.marking.models import Assessment

url, data_dir, assessor_id, assessment_id, stop = sys.argv[1:6]
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WAYMARK_DATA_DIR": data_dir})
with app.test_request_context():
    assessor = db.session.get(User, int(assessor_id))
    assessment = db.session.get(Assessment, int(assessment_id))
    marking.complete_marking(assessor, assessment, expected_version=assessment.version)
    if stop == "after":
        db.session.commit()
        print("COMMITTED", flush=True)
    else:
        print("FLUSHED", flush=True)  # the decision and its audit rows are written but not committed
    time.sleep(60)
"""


def _ready_to_complete(app) -> tuple[int, int]:
    """Jo's M01 submitted and Tom's judgement saved in full (a plan that samples nothing): the two ids."""
    load_marking_demo(app)
    submission_id = submit_m01(app, signed_in(app, JO))
    start_marking(signed_in(app, TOM), submission_id)
    with app.test_request_context():
        tom = db.session.scalar(select(User).where(User.email == TOM))
        assessment = db.session.get(Assessment, assessment_id_of(app, submission_id))
        assert db.session.get(Submission, submission_id).marking_started_at is not None
        marking.save_judgement(
            tom,
            assessment,
            expected_version=assessment.version,
            outcomes={j.criterion_ref: "met" for j in assessment.judgements},
            comments={},
            feedback_md="Clear, well-evidenced referrals.",
            action_md="",
            vacs=ALL_MET,
            vacs_notes={},
            decision="achieved",
        )
        db.session.commit()
        return tom.id, assessment.id


def _completion(app, assessment_id: int) -> tuple[str, int | None, str | None, int]:
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        audited = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "marking_completed", AuditEvent.object_id == str(assessment_id))
        )
        checked, problems = verify_chain()
        assert checked > 0
        assert problems == []
        return assessment.status, assessment.completed_by_id, assessment.decision, audited


@pytest.mark.parametrize("stop", ["before", "after"])
def test_kill_during_sign_off_keeps_decision_and_audit_row_together(app, stop):
    assessor_id, assessment_id = _ready_to_complete(app)
    args = [
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config["WAYMARK_DATA_DIR"],
        str(assessor_id),
        str(assessment_id),
        stop,
    ]
    kill_when_it_says(CHILD, args, "COMMITTED" if stop == "after" else "FLUSHED")

    # The draft saved before the crash survives either way; the completion is all or nothing.
    completion = _completion(app, assessment_id)
    if stop == "before":
        assert completion == ("in_marking", None, "achieved", 0)
    else:
        assert completion == ("ready_for_release", assessor_id, "achieved", 1)

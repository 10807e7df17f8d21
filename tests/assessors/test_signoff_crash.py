"""F2: kill -9 during a sign-off, before and after commit: the decision and its audit row are both present
or both absent, and the audit chain verifies either way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assessors import marking
from assessors.models import Assessment
from core.accounts.models import User
from core.audit.models import AuditEvent
from core.audit.services import verify_chain
from core.extensions import db
from portfolio.models import Submission
from portfolio.submissions import submit_module
from qualification.models import AssessorAllocation
from tests.modules.study_support import JO, load_study_demo
from tests.portfolio.test_submissions import add_item

ROOT = Path(__file__).resolve().parents[2]
ALL_MET = {"valid": True, "authentic": True, "current": True, "sufficient": True}

CHILD = """
import sys, time
from core.app import create_app
from core.extensions import db
from core.accounts.models import User
from assessors import marking
from assessors.models import Assessment

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
    """Jo's M01 submitted and her assessor's judgement saved in full: (assessor id, assessment id)."""
    load_study_demo(app)
    add_item(app, JO, "Referral note")
    with app.test_request_context():
        jo = db.session.scalar(select(User).where(User.email == JO))
        submission = submit_module(jo, family="CCQ", module_code="M01")
        db.session.commit()
        allocation = db.session.scalar(
            select(AssessorAllocation).where(AssessorAllocation.candidate_id == jo.id)
        )
        assessor = db.session.get(User, allocation.assessor_id)
        assessment = marking.start_submission_marking(assessor, db.session.get(Submission, submission.id))
        db.session.commit()
        marking.save_judgement(
            assessor,
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
        return assessor.id, assessment.id


def _completions(app) -> tuple[str, int]:
    with app.app_context():
        state = db.session.scalar(select(Assessment.state))
        audited = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "marking_completed")
        )
        checked, problems = verify_chain()
        assert checked > 0
        assert problems == []
        return state, audited


@pytest.mark.parametrize("stop", ["before", "after"])
def test_kill_during_sign_off_keeps_decision_and_audit_row_together(app, stop):
    assessor_id, assessment_id = _ready_to_complete(app)
    child = subprocess.Popen(  # noqa: S603  (our own interpreter and script)
        [
            sys.executable,
            "-c",
            CHILD,
            app.config["SQLALCHEMY_DATABASE_URI"],
            app.config["WAYMARK_DATA_DIR"],
            str(assessor_id),
            str(assessment_id),
            stop,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("COMMITTED" if stop == "after" else "FLUSHED"), line
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=10)
        child.stdout.close()

    state, audited = _completions(app)
    if stop == "before":
        assert (state, audited) == ("in_marking", 0)
    else:
        assert state in ("in_iqa_review", "ready_for_release")
        assert audited == 1

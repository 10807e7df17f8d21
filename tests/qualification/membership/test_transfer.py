"""Moving a candidate to another cohort: their portfolio, results, prior learning and study progress go with
them, they get an assessor by the new cohort's rule, the old membership reads "transferred"; a cohort of
another award, or a version without their modules, is refused in words."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from modules.study.models import ModuleEnrolment
from portfolio.submissions.models import Submission
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, MemberRole
from qualification.cohorts.services import add_staff, create_cohort
from qualification.demo import DEMO_COHORT, DEMO_SPEC
from qualification.pathway.models import PathwayChoice
from qualification.versions.models import QualificationVersion
from tests.support.demo import demo_ids
from tests.support.evidence import audit_rows
from tests.support.html import page_text, signed_in
from tests.support.marking import load_marking_demo, submit_m01
from tests.support.membership import joined_days_ago, member_row, membership_url, transfer
from tests.support.people import HELEN, JO, LEADER, TOM
from tests.support.transcript import achieve

LATER = "Certificate 2027-28, Northmoor"


def _new_cohort(app, name: str, *, award: str = "CERT", version: int = 1) -> int:
    """A cohort the course leader opened (set up through the services), with Helen as its one assessor."""
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        found = db.session.scalar(select(QualificationVersion).where(QualificationVersion.number == version))
        cohort = create_cohort(
            leader, name=name, version=found, award_code=award, module_code=None, start_date=date(2027, 9, 17)
        )
        add_staff(
            leader, cohort, db.session.scalar(select(User).where(User.email == HELEN)), MemberRole.ASSESSOR
        )
        db.session.commit()
        return cohort.id


@pytest.fixture
def demo(app):
    """The study demo: Jo (M04 chosen, allocated to Tom) achieved M01, and her M02 waits unmarked."""
    load_marking_demo(app)
    cohort, people = demo_ids(app)
    joined_days_ago(app, cohort)
    achieve(app, JO, "M01", date(2026, 11, 2))
    jo = signed_in(app, JO)
    attempt = submit_m01(app, jo, "Planning notes", code="M02", backed=False)
    return app, cohort, people, jo, attempt


def test_course_leader_moves_a_candidate_who_keeps_results_and_work(demo):
    app, cohort, people, jo, attempt = demo
    later = _new_cohort(app, LATER)
    leader = signed_in(app, LEADER)
    assert LATER in page_text(leader.get(membership_url(cohort, people[JO])))  # offered in the list

    shown = page_text(transfer(leader, cohort, people[JO], later, "Needs a later start"))

    assert (
        f"Jo Patel has moved to {LATER}, with their portfolio, results, prior learning and study progress."
        in shown
    )
    assert f"Jo Patel in {LATER} Where they stand Studying" in shown
    # Jo is told where she is now.
    assert f"You have moved to {LATER}" in page_text(signed_in(app, JO).get("/notifications/"))
    old = member_row(app, cohort, people[JO])
    new = member_row(app, later, people[JO])
    assert (old["status"], old["transferred_to_id"], old["left_reason"]) == (
        "transferred",
        new["id"],
        "Needs a later start",
    )
    assert new["status"] == "active"
    with app.app_context():
        # Allocated by the new cohort's rule (even spread: Helen is its only assessor).
        assessor = db.session.scalar(
            select(AssessorAllocation.assessor_id).where(
                AssessorAllocation.cohort_id == later, AssessorAllocation.candidate_id == people[JO]
            )
        )
        assert assessor == people[HELEN]
        chosen = db.session.scalars(
            select(PathwayChoice.module_code).where(PathwayChoice.member_id == new["id"])
        )
        assert list(chosen) == ["M04"]
        studied = db.session.execute(
            select(ModuleEnrolment.module_code, ModuleEnrolment.cohort_id).where(
                ModuleEnrolment.candidate_id == people[JO], ModuleEnrolment.status == "active"
            )
        ).all()
        assert {cid for _, cid in studied} == {later}
        assert {code for code, _ in studied} == {"M01", "M02", "M03", "M04"}
        # Her unmarked M02 went with her: it is the new cohort's, so Helen's to mark.
        assert db.session.get(Submission, attempt).cohort_id == later
    (moved,) = audit_rows(app, "candidate_transferred")
    assert (moved["candidate_id"], moved["to_cohort_id"], moved["work_moved"]) == (people[JO], later, 1)
    assert len(audit_rows(app, "candidate_transferred_in")) == 1

    transcript = page_text(jo.get("/transcript"))
    assert "Communicating and Working with Others in CEIAG" in transcript  # M01, achieved before the move
    assert LATER in transcript
    assert DEMO_COHORT not in transcript  # one transcript: the cohort she moved to
    assert "Start marking M02 for Jo Patel" in page_text(signed_in(app, HELEN).get("/assessors/queue"))
    assert "Jo Patel" not in page_text(signed_in(app, TOM).get("/assessors/queue"))
    home = page_text(jo.get("/"))
    assert LATER in home
    assert DEMO_COHORT not in home
    assert "Transferred" in page_text(leader.get(f"/cohorts/{cohort}"))


def test_a_cohort_of_another_award_is_refused_plainly(demo):
    app, cohort, people, _, attempt = demo
    other = _new_cohort(app, "PG Certificate 2027-28", award="PGCERT")
    leader = signed_in(app, LEADER)
    response = transfer(leader, cohort, people[JO], other)

    assert response.status_code == 422
    assert "PG Certificate 2027-28 studies PGCERT, not CERT: choose a cohort of the same award." in page_text(
        response
    )
    _nothing_moved(app, cohort, other, people[JO], attempt)


def test_a_version_without_the_candidates_modules_is_refused_plainly(demo, runner, tmp_path):
    app, cohort, people, _, attempt = demo
    # Version 2 drops M04, the option Jo chose.
    spec = json.loads(DEMO_SPEC.read_text())
    spec["modules"] = [m for m in spec["modules"] if m["code"] != "M04"]
    cert = next(a for a in spec["awards"] if a["code"] == "CERT")
    cert["options"][0]["modules"] = ["M05"]
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(spec))
    result = runner.invoke(args=["qualification", "import", str(path), "--publish"])
    assert result.exit_code == 0, result.output
    v2 = _new_cohort(app, "Certificate 2027-28 (version 2)", version=2)

    response = transfer(signed_in(app, LEADER), cohort, people[JO], v2)

    assert response.status_code == 422
    refused = page_text(response)
    assert "Certificate 2027-28 (version 2) studies version 2, which has no M04: " in refused
    assert "Jo Patel studies or has achieved it. Choose a cohort whose version has all their" in refused
    _nothing_moved(app, cohort, v2, people[JO], attempt)


def test_a_move_needs_a_cohort_and_a_reason(demo):
    app, cohort, people, _, attempt = demo
    later = _new_cohort(app, LATER)
    response = transfer(signed_in(app, LEADER), cohort, people[JO], 0, "")
    assert response.status_code == 422
    text = page_text(response)
    assert "Choose the cohort they move to." in text
    assert "Give the reason: it stays in the candidate's record." in text
    _nothing_moved(app, cohort, later, people[JO], attempt)


def _nothing_moved(app, cohort: int, target: int, candidate: int, attempt: int) -> None:
    assert member_row(app, cohort, candidate)["status"] == "active"
    with app.app_context():
        assert (
            db.session.scalar(
                select(CohortMember.id).where(
                    CohortMember.cohort_id == target, CohortMember.user_id == candidate
                )
            )
            is None
        )
        assert db.session.get(Submission, attempt).cohort_id == cohort
        assert db.session.get(Cohort, target) is not None
    assert audit_rows(app, "candidate_transferred") == []

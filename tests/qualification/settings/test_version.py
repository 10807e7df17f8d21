"""A course leader moves a cohort that has not started onto a newer published version of its qualification;
a cohort that has started, or a version without the cohort's award, is refused plainly and nothing changes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db.timeutil import uk_today
from core.extensions import db
from modules.study.models import ModuleEnrolment
from qualification.cohorts.models import Cohort, CohortMember
from qualification.demo import DEMO_SPEC
from qualification.pathway.models import PathwayChoice
from qualification.pathway.services import choose_options
from qualification.versions.models import QualificationVersion, VersionModule
from tests.support.cohorts import create_cohort, invite
from tests.support.html import page_text, press

MOVE = "Move to this version"


def _import(runner, tmp_path, change, *, publish=True) -> None:
    spec = json.loads(DEMO_SPEC.read_text())
    change(spec)
    path = tmp_path / "next.json"
    path.write_text(json.dumps(spec))
    args = ["qualification", "import", str(path), *(["--publish"] if publish else [])]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output


def _retitle_m01(spec) -> None:
    spec["modules"][0]["title"] = "Communicating with Others in CEIAG"


def _version_id(app, number: int) -> int:
    with app.app_context():
        return db.session.scalar(select(QualificationVersion.id).where(QualificationVersion.number == number))


def _state(app, cohort_id: int) -> dict:
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        enrolments = db.session.scalars(select(ModuleEnrolment).where(ModuleEnrolment.cohort_id == cohort_id))
        return {
            "version": cohort.version_id,
            "enrolments": sorted((e.module_code, e.module_id, e.status) for e in enrolments),
            "audit": db.session.scalar(
                select(AuditEvent.id).where(AuditEvent.action == "cohort_version_changed")
            ),
        }


@pytest.fixture
def future_cohort(app, client, leader):
    """A cohort starting in half a year, with one candidate invited."""
    start = uk_today() + timedelta(days=180)
    cohort_id = create_cohort(client, start_date=start.isoformat())
    invite(client, cohort_id, "Nia Okafor", "nia@vale.example", "Vale School")
    return cohort_id


def test_course_leader_moves_a_cohort_that_has_not_started_onto_a_newer_version(
    app, client, runner, tmp_path, future_cohort
):
    _import(runner, tmp_path, _retitle_m01)
    v1, v2 = _version_id(app, 1), _version_id(app, 2)
    page = client.get(f"/cohorts/{future_cohort}/settings")
    assert "Version 2: " in page_text(page)
    shown = page_text(press(client, page, MOVE, {"move-target": v2}))
    assert "Certificate 2027, Northmoor now studies version 2." in shown
    assert "version 2)" in shown  # the cohort page's "Studies" line
    state = _state(app, future_cohort)
    assert state["version"] == v2
    with app.app_context():
        m01 = db.session.scalar(
            select(VersionModule.module_id).where(VersionModule.version_id == v2, VersionModule.code == "M01")
        )
        old_m01 = db.session.scalar(
            select(VersionModule.module_id).where(VersionModule.version_id == v1, VersionModule.code == "M01")
        )
    assert m01 != old_m01  # the retitled module is a new revision ...
    assert ("M01", m01, "active") in state["enrolments"]  # ... and the candidate studies it now
    assert state["audit"] is not None


def test_a_choice_that_breaks_the_new_versions_rules_is_cleared_and_named(
    app, client, runner, tmp_path, future_cohort
):
    with app.app_context():
        member = db.session.scalar(select(CohortMember).where(CohortMember.role == "candidate"))
        choose_options(member.user, member, ["M04"], today=uk_today())
        db.session.commit()

    def only_m05(spec):
        spec["awards"][0]["options"][0]["modules"] = ["M05"]

    _import(runner, tmp_path, only_m05)
    page = client.get(f"/cohorts/{future_cohort}/settings")
    shown = page_text(press(client, page, MOVE, {"move-target": _version_id(app, 2)}))
    assert "These candidates' option choices do not meet version 2's rules and were cleared" in shown
    assert "Nia Okafor" in shown
    with app.app_context():
        assert db.session.scalars(select(PathwayChoice)).all() == []
    assert ("M04", "withdrawn") in {
        (code, status) for code, _, status in _state(app, future_cohort)["enrolments"]
    }


@pytest.mark.parametrize("case", ["started", "no_award", "draft", "older", "garbage"])
def test_course_leader_cannot_move_a_cohort_when_the_move_is_not_allowed(
    app, client, runner, tmp_path, leader, case
):
    start = "2026-09-18" if case == "started" else (uk_today() + timedelta(days=180)).isoformat()
    cohort_id = create_cohort(client, start_date=start)
    if case == "no_award":
        _import(runner, tmp_path, lambda spec: spec["awards"].pop(0))
    else:
        _import(runner, tmp_path, _retitle_m01, publish=case != "draft")
    target = {"older": _version_id(app, 1), "garbage": "not-a-number"}.get(case, _version_id(app, 2))
    before = _state(app, cohort_id)
    page = client.get(f"/cohorts/{cohort_id}/settings")
    if case == "started":
        assert "It started on 18 September 2026, so it stays on version 1" in page_text(page)
        # The form is not offered; a request sent anyway is refused in words.
        page = client.get(f"/cohorts/{cohort_id}/settings")
        data = {"move-target": target, "move-version": "1"}
        response = client.post(
            f"/cohorts/{cohort_id}/version",
            data={**data, "move-csrf_token": _token(page)},
        )
    else:
        response = (
            press(client, page, MOVE, {"move-target": target}, follow=False) if case != "draft" else None
        )
        if response is None:  # no newer published version: nothing offered, and a forced request is refused
            assert "There is no newer published version of CCQ to move to." in page_text(page)
            response = client.post(
                f"/cohorts/{cohort_id}/version",
                data={"move-target": target, "move-version": "1", "move-csrf_token": _token(page)},
            )
    assert response.status_code == 422
    message = {
        "started": "started on 18 September 2026: a cohort that has started stays on version 1",
        "no_award": "Version 2 has no award CERT. The cohort stays on version 1.",
        "draft": "Choose a published version of CCQ newer than version 1.",
        "older": "Choose a published version of CCQ newer than version 1.",
        "garbage": "Choose the version to move to.",
    }[case]
    assert message in page_text(response)
    assert _state(app, cohort_id) == before


def _token(page) -> str:
    from tests.support.cohorts import token

    return token(page.get_data(as_text=True))  # one session token serves every form of the page

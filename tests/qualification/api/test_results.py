"""A candidate's progress and results through the API: nothing unreleased ever leaves, a candidate reads only
their own, and ratified awards come with their status."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from qualification.certificates.models import Certificate
from qualification.certificates.services import revoke
from tests.support.apitokens import api_get, assert_problem, service_token
from tests.support.certificates import meet_award, ratify_directly
from tests.support.demo import demo_ids
from tests.support.html import signed_in
from tests.support.marking import (
    assessment_id_of,
    judge,
    judgement,
    load_marking_demo,
    release_all,
    start_marking,
    submit_m01,
)
from tests.support.people import CHRIS, JO, LEADER, TOM
from tests.support.transcript import load_demo_world


@pytest.fixture
def marking(app):
    load_marking_demo(app)
    cohort_id, ids = demo_ids(app)
    return app, cohort_id, ids


def _module(body: dict, code: str) -> dict:
    return next(m for m in body["modules"] if m["code"] == code)


def test_a_decision_reaches_the_api_only_when_it_is_released(marking):
    app, cohort_id, ids = marking
    client, leader = app.test_client(), service_token(app, LEADER)
    jo, tom = signed_in(app, JO), signed_in(app, TOM)
    results = f"/api/v1/cohorts/{cohort_id}/candidates/{ids[JO]}/results"
    progress = f"/api/v1/cohorts/{cohort_id}/candidates/{ids[JO]}/progress"
    submission_id = submit_m01(app, jo)

    handed_in = _module(api_get(client, progress, leader).get_json(), "M01")
    assert (handed_in["submitted"], handed_in["achieved"]) == (True, False)

    # Tom judges it achieved and completes marking: ready for release, not released.
    start_marking(tom, submission_id)
    judge(tom, assessment_id_of(app, submission_id), "Complete marking", judgement())
    for reader in (leader, service_token(app, JO)):
        unreleased = api_get(client, results, reader).get_json()
        assert unreleased["modules"] == []
        assert unreleased["credits"] == 0
        assert _module(api_get(client, progress, reader).get_json(), "M01")["achieved"] is False

    release_all(tom)

    released = api_get(client, results, leader).get_json()
    [m01] = released["modules"]
    assert (m01["code"], m01["how"], m01["credits"]) == ("M01", "assessment", 15)
    assert {c["ref"] for c in m01["criteria"]} >= {"M01.1.1", "M01.4.2"}
    after = _module(api_get(client, progress, leader).get_json(), "M01")
    assert (after["submitted"], after["achieved"]) == (False, True)
    assert after["activities_total"] > 0


def test_a_candidate_reads_their_own_progress_and_no_one_elses(marking):
    app, cohort_id, ids = marking
    client, jo = app.test_client(), service_token(app, JO)

    own = api_get(client, f"/api/v1/cohorts/{cohort_id}/candidates/{ids[JO]}/progress", jo)
    assert own.status_code == 200
    assert {m["code"] for m in own.get_json()["modules"]} >= {"M01", "M02", "M03"}
    for path in ("progress", "results"):
        assert_problem(
            api_get(client, f"/api/v1/cohorts/{cohort_id}/candidates/{ids[CHRIS]}/{path}", jo), 404
        )
    # Nor can a staff member be read as if a candidate.
    assert_problem(api_get(client, f"/api/v1/cohorts/{cohort_id}/candidates/{ids[TOM]}/progress", jo), 404)
    # Tom is Jo's assessor (he reads her transcript on the web); Chris's is Helen's.
    tom = service_token(app, TOM)
    assert (
        api_get(client, f"/api/v1/cohorts/{cohort_id}/candidates/{ids[JO]}/results", tom).status_code == 200
    )
    assert_problem(api_get(client, f"/api/v1/cohorts/{cohort_id}/candidates/{ids[CHRIS]}/results", tom), 404)


def test_ratified_awards_are_listed_valid_or_revoked(app):
    load_demo_world(app)
    cohort_id, ids = demo_ids(app)
    meet_award(app)
    number = ratify_directly(app)
    client, leader, jo = app.test_client(), service_token(app, LEADER), service_token(app, JO)
    url = f"/api/v1/cohorts/{cohort_id}/certificates"

    [valid] = api_get(client, url, leader).get_json()["items"]
    assert (valid["number"], valid["status"], valid["candidate"]["id"]) == (number, "valid", ids[JO])
    assert valid["revoked_at"] is None
    own = api_get(client, f"/api/v1/cohorts/{cohort_id}/candidates/{ids[JO]}/results", jo).get_json()
    assert own["award"]["met"] is True
    assert [c["number"] for c in own["certificates"]] == [number]
    # The cohort's list is the course leader's, as the exam board's pages are.
    assert_problem(api_get(client, url, jo), 403)

    with app.app_context():
        certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
        leader_row = db.session.scalar(select(User).where(User.email == LEADER))
        revoke(certificate, actor=leader_row, reason="Appeal upheld: the award was made in error.")
        db.session.commit()

    [revoked] = api_get(client, url, leader).get_json()["items"]
    assert revoked["status"] == "revoked"
    assert revoked["revoked_at"]

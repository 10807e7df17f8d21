"""Enrolling a candidate through the API: the cohort page's own service (an invitation, or an existing account
added), once only, for those who manage the cohort and with the enrol scope; and the rate limit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.accounts.models import Invitation, User
from core.apitokens.models import ApiToken
from core.audit.models import AuditEvent
from core.extensions import db
from core.mail.models import OutboxMessage
from qualification.cohorts.models import CohortMember
from tests.support.apitokens import api_get, api_post, assert_problem, service_token
from tests.support.people import AISHA, LEADER, TOM


def _members(app, cohort_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(CohortMember.id)).where(CohortMember.cohort_id == cohort_id)
        )


def test_enrolling_a_new_person_invites_them_once(demo):
    token = service_token(demo.app, LEADER, scopes=("read", "enrol"))
    url = f"/api/v1/cohorts/{demo.cohort_id}/enrolments"
    body = {"name": "Sam Newcomer", "email": "Sam.Newcomer@School.example", "school": "Hollins Park Academy"}

    created = api_post(demo.client, url, token, body)
    again = api_post(demo.client, url, token, body)

    assert created.status_code == 201, created.get_data(as_text=True)
    enrolment = created.get_json()
    assert enrolment["candidate"]["email"] == "sam.newcomer@school.example"
    assert (enrolment["status"], enrolment["joined"], enrolment["joined_at"]) == ("active", False, None)
    assert enrolment["school"] == "Hollins Park Academy"
    assert again.status_code == 200
    assert again.get_json() == enrolment
    with demo.app.app_context():
        user = db.session.scalar(select(User).where(User.email == "sam.newcomer@school.example"))
        assert (
            db.session.scalar(select(func.count(CohortMember.id)).where(CohortMember.user_id == user.id)) == 1
        )
        assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.email == user.email)) == 1
        assert (
            db.session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.to_address == user.email)
            )
            == 1
        )
        added = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort_candidate_added"))
        assert added.actor_label == LEADER  # the token's account did it, as on the cohort page


def test_enrolling_an_existing_account_adds_it(demo):
    token = service_token(demo.app, LEADER, scopes=("enrol",))

    response = api_post(
        demo.client, f"/api/v1/cohorts/{demo.cohort_id}/enrolments", token, {"name": "Aisha", "email": AISHA}
    )

    assert response.status_code == 201
    assert response.get_json()["candidate"]["name"] == "Aisha Khan"  # the account's own name is kept
    assert response.get_json()["joined"] is True
    # An enrol-only token reads nothing.
    assert_problem(api_get(demo.client, "/api/v1/cohorts", token), 403)


def test_what_is_sent_is_checked_and_nothing_changes_when_it_is_wrong(demo):
    token = service_token(demo.app, LEADER, scopes=("enrol",))
    url = f"/api/v1/cohorts/{demo.cohort_id}/enrolments"
    before = _members(demo.app, demo.cohort_id)

    not_an_email = assert_problem(
        api_post(demo.client, url, token, {"name": "X", "email": "not an email"}), 422
    )
    no_name = assert_problem(api_post(demo.client, url, token, {"email": "x@school.example"}), 422)
    stray = assert_problem(
        api_post(demo.client, url, token, {"name": "X", "email": "x@school.example", "x": 1}), 422
    )
    long_school = {"name": "X", "email": "x@school.example", "school": "S" * 201}

    assert "email" in not_an_email["errors"]["json"]
    assert "name" in no_name["errors"]["json"]
    assert "x" in stray["errors"]["json"]
    assert "school" in assert_problem(api_post(demo.client, url, token, long_school), 422)["errors"]["json"]
    assert _members(demo.app, demo.cohort_id) == before


def test_only_those_who_manage_the_cohort_enrol(demo):
    body = {"name": "Probe Person", "email": "probe@school.example"}
    url = f"/api/v1/cohorts/{demo.cohort_id}/enrolments"
    before = _members(demo.app, demo.cohort_id)

    # Tom assesses the cohort (he knows it): 403. Aisha is no part of it: 404.
    assert_problem(api_post(demo.client, url, service_token(demo.app, TOM, scopes=("enrol",)), body), 403)
    assert_problem(api_post(demo.client, url, service_token(demo.app, AISHA, scopes=("enrol",)), body), 404)
    assert _members(demo.app, demo.cohort_id) == before


def test_too_many_requests_in_a_minute_get_429_with_retry_after(demo):
    demo.app.config["WAYMARK_API_PER_MINUTE"] = 3
    for _ in range(3):
        assert api_get(demo.client, "/api/v1/cohorts", demo.leader).status_code == 200

    refused = api_get(demo.client, "/api/v1/cohorts", demo.leader)

    body = assert_problem(refused, 429)
    assert "3 requests in a minute" in body["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Another token has its own count.
    assert api_get(demo.client, "/api/v1/cohorts", service_token(demo.app, TOM)).status_code == 200
    # A minute on, the window starts again.
    with demo.app.app_context():
        for token in db.session.scalars(select(ApiToken)):
            token.window_started_at -= timedelta(seconds=61)
        db.session.commit()
    assert api_get(demo.client, "/api/v1/cohorts", demo.leader).status_code == 200

"""API tokens as the administrator issues and revokes them on their page, and as the API then takes them:
shown once, stored as a hash, expiring, revocable, acting as one account."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from sqlalchemy import func, select

from core.accounts.models import Role, User
from core.apitokens.models import ApiToken
from core.audit.models import AuditEvent
from core.db.timeutil import uk_today, utcnow
from core.extensions import db
from qualification.cohorts.models import Cohort, CohortMember
from qualification.demo import DEMO_COHORT
from tests.support.apitokens import (
    ADMIN,
    api_get,
    api_post,
    assert_problem,
    issue_on_page,
    page_token,
    raw_token_on,
    service_token,
)
from tests.support.demo import load_demo_data
from tests.support.html import csrf_from, forms_of, page_text, press, signed_in
from tests.support.people import DEMO_PASSWORD, LEADER, TOM


def _tokens(app) -> list[ApiToken]:
    with app.app_context():
        rows = list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))
        db.session.expunge_all()
        return rows


def test_admin_issues_a_token_on_the_page_and_sees_it_once(app):
    load_demo_data(app, content=False)
    admin = signed_in(app, ADMIN)
    assert "API tokens" in page_text(admin.get("/"))  # in the menu
    page = admin.get("/admin/api-tokens/new")
    form = next(f for f in forms_of(page) if f.action == "/admin/api-tokens/new")

    shown = press(
        admin, page, "Issue the token", {"name": "Student records system", "scopes": ["read", "enrol"]}
    )

    assert shown.status_code == 201
    raw = raw_token_on(shown)
    assert raw is not None
    assert raw.startswith("wmk_")
    assert "It is not shown again" in page_text(shown)
    [token] = _tokens(app)
    # Only the hash is kept; the list shows the first characters, never the token.
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in repr([getattr(token, c.key) for c in ApiToken.__table__.columns])
    assert token.scopes == "read enrol"
    assert token.kind == "service"
    listed = admin.get("/admin/api-tokens/")
    assert token.prefix in page_text(listed)
    assert raw not in listed.get_data(as_text=True)
    with app.app_context():
        account = db.session.get(User, token.user_id)
        assert account.name == "Student records system"
        assert account.has_role(Role.COURSE_LEADER)
        assert not account.has_joined  # it can never sign in
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token_issued"))
        assert json.loads(event.details_json)["acts_as"] == account.email
        assert raw not in event.details_json

    # A reload sends the same form again: nothing more is issued, and the token is not shown again.
    again = admin.post(form.action, data=form.data("Issue the token", {"name": "Student records system"}))
    assert again.status_code == 302
    followed = admin.get(again.headers["Location"])
    assert "shown only once" in page_text(followed)
    assert raw_token_on(followed) is None
    assert len(_tokens(app)) == 1


def test_the_token_from_the_page_reads_cohorts_as_its_account(app):
    load_demo_data(app, content=False)
    raw = page_token(app)
    client = app.test_client()

    response = api_get(client, "/api/v1/cohorts", raw)

    assert response.status_code == 200
    assert [c["name"] for c in response.get_json()["items"]] == [DEMO_COHORT]
    [token] = _tokens(app)
    assert token.last_used_at is not None
    assert utcnow() - token.last_used_at < timedelta(minutes=1)


def test_a_personal_token_sees_only_what_its_person_sees(app):
    load_demo_data(app, content=False)
    raw = page_token(app, {"kind": "personal", "email": TOM})
    with app.app_context():
        tom_id = db.session.scalar(select(User.id).where(User.email == TOM))
    assert _tokens(app)[0].user_id == tom_id
    client = app.test_client()
    cohort = api_get(client, "/api/v1/cohorts", raw).get_json()["items"][0]
    # Tom assesses the cohort: he sees it, but its enrolments (the people page) are the course leader's.
    assert_problem(api_get(client, f"/api/v1/cohorts/{cohort['id']}/enrolments", raw), 403)


def test_a_token_must_expire_within_a_year(app):
    load_demo_data(app, content=False)
    admin = signed_in(app, ADMIN)
    too_late = (uk_today() + timedelta(days=400)).isoformat()

    refused = issue_on_page(admin, {"name": "Records", "expires_on": too_late})

    assert refused.status_code == 422
    assert "A token lasts at most a year" in page_text(refused)
    assert raw_token_on(refused) is None
    assert _tokens(app) == []


def test_a_token_needs_a_scope_and_a_known_account(app):
    load_demo_data(app, content=False)
    admin = signed_in(app, ADMIN)

    no_scope = issue_on_page(admin, {"name": "Records", "scopes": []})
    nobody = issue_on_page(admin, {"name": "Records", "kind": "personal", "email": "nobody@nowhere.example"})

    assert no_scope.status_code == 422
    assert "Choose what the token may do." in page_text(no_scope)
    assert nobody.status_code == 422
    assert "No account has that email address." in page_text(nobody)
    assert _tokens(app) == []


def test_only_an_administrator_issues_tokens(app):
    load_demo_data(app, content=False)
    leader = signed_in(app, LEADER)
    assert leader.get("/admin/api-tokens/new").status_code == 403
    token = csrf_from(leader.get("/account").get_data(as_text=True))
    refused = leader.post(
        "/admin/api-tokens/new", data={"csrf_token": token, "name": "Mine", "scopes": "read"}
    )
    assert refused.status_code == 403
    assert _tokens(app) == []


def test_a_revoked_token_is_refused_with_401(app):
    load_demo_data(app, content=False)
    raw = page_token(app)
    client = app.test_client()
    assert api_get(client, "/api/v1/cohorts", raw).status_code == 200
    admin = signed_in(app, ADMIN)

    listed = admin.get("/admin/api-tokens/")
    revoked = press(admin, listed, "Revoke Student records system", follow=True)

    assert "is revoked" in page_text(revoked)
    body = assert_problem(api_get(client, "/api/v1/cohorts", raw), 401)
    assert "revoked" in body["detail"]
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token_revoked")) is not None
        )


def test_an_expired_token_is_refused_with_401(app):
    load_demo_data(app, content=False)
    raw = service_token(app, LEADER)
    with app.app_context():
        # A month later: the token's day has passed.
        db.session.scalars(select(ApiToken)).one().expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()

    response = api_get(app.test_client(), "/api/v1/cohorts", raw)

    body = assert_problem(response, 401)
    assert "expired" in body["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_or_missing_token_is_refused_with_401(app):
    load_demo_data(app, content=False)
    client = app.test_client()
    forged = "wmk_" + "A" * 43

    assert (
        "not one Waymark issued" in assert_problem(api_get(client, "/api/v1/cohorts", forged), 401)["detail"]
    )
    assert "Send an API token" in assert_problem(client.get("/api/v1/cohorts"), 401)["detail"]
    assert_problem(client.get("/api/v1/cohorts", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}), 401)


def test_a_disabled_accounts_token_stops_working(app):
    load_demo_data(app, content=False)
    raw = service_token(app, LEADER)
    with app.app_context():
        db.session.scalar(select(User).where(User.email == LEADER)).disabled_at = utcnow()
        db.session.commit()
    assert "disabled" in assert_problem(api_get(app.test_client(), "/api/v1/cohorts", raw), 401)["detail"]


def test_a_signed_in_browser_without_a_token_gets_nothing_from_the_api(app):
    load_demo_data(app, content=False)
    leader = signed_in(app, LEADER, DEMO_PASSWORD)  # a session cookie, no bearer token
    with app.app_context():
        cohort = db.session.scalar(select(Cohort))
        before = db.session.scalar(select(func.count(CohortMember.id)))
    token = csrf_from(leader.get("/account").get_data(as_text=True))

    listed = leader.get("/api/v1/cohorts")
    posted = leader.post(
        f"/api/v1/cohorts/{cohort.id}/enrolments",
        json={"name": "Cookie Person", "email": "cookie@school.example"},
        headers={"X-CSRFToken": token},
    )

    assert_problem(listed, 401)
    assert_problem(posted, 401)
    with app.app_context():
        assert db.session.scalar(select(func.count(CohortMember.id))) == before


def test_a_token_without_the_enrol_scope_cannot_enrol(app):
    load_demo_data(app, content=False)
    raw = service_token(app, LEADER, scopes=("read",))
    with app.app_context():
        cohort_id = db.session.scalar(select(Cohort.id))

    response = api_post(
        app.test_client(),
        f"/api/v1/cohorts/{cohort_id}/enrolments",
        raw,
        {"name": "N", "email": "n@school.example"},
    )

    assert "enrol" in assert_problem(response, 403)["detail"]
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "n@school.example")) is None

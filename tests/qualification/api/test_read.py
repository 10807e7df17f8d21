"""Reading through the API as the token's account reads on the web: qualifications (drafts for editors
only), cohorts the account belongs to, sessions, enrolments for those who manage the cohort; keyset pages;
problem details for whatever goes wrong; the document and its page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from qualification.cohorts.models import Cohort
from qualification.cohorts.services import create_cohort, invite_candidate
from qualification.demo import DEMO_COHORT, DEMO_SESSIONS
from qualification.versions.queries import find_version
from qualification.versions.services import create_qualification
from tests.support.apitokens import api_get, assert_problem, service_token
from tests.support.people import AISHA, CHRIS, JO, LEADER, MORGAN, SAM, TOM


def _walk(client, url: str, token: str) -> tuple[list[dict], list[str]]:
    """Every item of a list, following `next` page by page; and the Link headers seen."""
    items, links = [], []
    while url:
        response = api_get(client, url, token)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        items += body["items"]
        if body["next"]:
            links.append(response.headers["Link"])
            assert response.headers["Link"] == f'<{body["next"]}>; rel="next"'
        else:
            assert "Link" not in response.headers
        url = body["next"]
    return items, links


def test_qualifications_and_a_published_version(demo):
    listed = api_get(demo.client, "/api/v1/qualifications", demo.leader).get_json()
    assert [q["code"] for q in listed["items"]] == ["CCQ"]
    assert [(v["number"], v["status"]) for v in listed["items"][0]["versions"]] == [(1, "published")]

    version = api_get(demo.client, "/api/v1/qualifications/CCQ/versions/1", demo.leader).get_json()

    assert version["qualification"] == "CCQ"
    assert {"M01", "M02", "M03", "M04"} <= {m["code"] for m in version["modules"]}
    assert version["awards"]
    assert all(a["credits"] > 0 for a in version["awards"])


def test_a_draft_is_only_for_those_who_edit_qualifications(demo):
    with demo.app.app_context():
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        create_qualification(leader, code="DRAFTQ", title="A qualification in the making", provider=None)
        db.session.commit()
    jo = service_token(demo.app, JO)

    assert "DRAFTQ" in [
        q["code"] for q in api_get(demo.client, "/api/v1/qualifications", demo.leader).get_json()["items"]
    ]
    assert "DRAFTQ" not in [
        q["code"] for q in api_get(demo.client, "/api/v1/qualifications", jo).get_json()["items"]
    ]
    assert_problem(api_get(demo.client, "/api/v1/qualifications/DRAFTQ", jo), 404)
    assert_problem(api_get(demo.client, "/api/v1/qualifications/DRAFTQ/versions/1", jo), 404)
    assert api_get(demo.client, "/api/v1/qualifications/DRAFTQ/versions/1", demo.leader).status_code == 200


def _second_cohort(app) -> int:
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        cohort = create_cohort(
            leader,
            name="Certificate 2027-28, Eastbrook",
            version=find_version("CCQ"),
            award_code="CERT",
            module_code=None,
            start_date=date(2027, 9, 1),
        )
        db.session.commit()
        return cohort.id


def test_cohorts_are_those_the_account_belongs_to(demo):
    other = _second_cohort(demo.app)
    jo, tom, aisha = (service_token(demo.app, e) for e in (JO, TOM, AISHA))

    def names(token):
        return [c["name"] for c in api_get(demo.client, "/api/v1/cohorts", token).get_json()["items"]]

    assert names(demo.leader) == [DEMO_COHORT, "Certificate 2027-28, Eastbrook"]
    assert names(jo) == [DEMO_COHORT]
    assert names(tom) == [DEMO_COHORT]
    assert names(aisha) == []
    # Another cohort is as unknown to Jo as no cohort at all.
    assert_problem(api_get(demo.client, f"/api/v1/cohorts/{other}", jo), 404)
    assert_problem(api_get(demo.client, "/api/v1/cohorts/999999", jo), 404)
    shown = api_get(demo.client, f"/api/v1/cohorts/{demo.cohort_id}", jo).get_json()
    assert shown["qualification"] == "CCQ"
    assert shown["course_leader"]["name"] == "Dr Priya Raman"


def test_sessions_come_in_time_order_page_by_page(demo):
    jo = service_token(demo.app, JO)

    sessions, links = _walk(demo.client, f"/api/v1/cohorts/{demo.cohort_id}/sessions?limit=2", jo)

    assert [s["title"] for s in sessions] == [row[1] for row in DEMO_SESSIONS]
    assert len(links) == 2  # pages of 2, 2 and 1
    assert sessions[0]["kind"] == "day_release"
    assert sessions[0]["status"] == "scheduled"


def test_enrolments_walk_every_page_without_repeats_even_when_one_joins_meanwhile(demo):
    url = f"/api/v1/cohorts/{demo.cohort_id}/enrolments?limit=1"
    first = api_get(demo.client, url, demo.leader).get_json()
    assert first["next"].startswith("http://")
    # Someone is enrolled while the records system is between pages.
    with demo.app.app_context():
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        invite_candidate(
            leader,
            db.session.get(Cohort, demo.cohort_id),
            name="Late Joiner",
            email="late@school.example",
            school="",
        )
        db.session.commit()

    rest, links = _walk(demo.client, first["next"], demo.leader)

    emails = [e["candidate"]["email"] for e in first["items"] + rest]
    assert sorted(emails) == sorted([JO, CHRIS, MORGAN, "late@school.example"])
    assert len(set(emails)) == len(emails)
    assert len(links) == 2  # 4 enrolments a page each: the first page, then three more
    jo = next(e for e in first["items"] + rest if e["candidate"]["email"] == JO)
    assert jo["status"] == "active"
    assert jo["joined"] is True
    assert jo["joined_at"]


def test_enrolments_are_for_those_who_manage_the_cohort(demo):
    url = f"/api/v1/cohorts/{demo.cohort_id}/enrolments"
    # Sam (the cohort's IQA) sees the cohort but not its people page; Aisha does not know the cohort.
    assert_problem(api_get(demo.client, url, service_token(demo.app, SAM)), 403)
    assert_problem(api_get(demo.client, url, service_token(demo.app, AISHA)), 404)
    assert api_get(demo.client, url, demo.leader).status_code == 200


def test_what_goes_wrong_is_told_as_problem_details(demo):
    bad_limit = assert_problem(api_get(demo.client, "/api/v1/cohorts?limit=0", demo.leader), 422)
    assert "limit" in bad_limit["errors"]["query"]
    bad_cursor = assert_problem(api_get(demo.client, "/api/v1/cohorts?after=not-a-cursor", demo.leader), 400)
    assert "cursor" in bad_cursor["detail"]
    assert_problem(api_get(demo.client, "/api/v1/no-such-thing", demo.leader), 404)
    assert_problem(demo.client.delete("/api/v1/cohorts", headers={"Authorization": "Bearer x"}), 405)
    assert_problem(api_get(demo.client, "/api/v1/qualifications/%00x", demo.leader), 404)
    assert_problem(api_get(demo.client, "/api/v1/cohorts/99999999999", demo.leader), 404)
    body = assert_problem(
        demo.client.post(
            f"/api/v1/cohorts/{demo.cohort_id}/enrolments",
            data="{not json",
            content_type="application/json",
            headers={"Authorization": f"Bearer {service_token(demo.app, LEADER, scopes=('enrol',))}"},
        ),
        400,
    )
    assert body["instance"].startswith("urn:waymark:request:")


def test_a_crash_is_a_problem_without_a_trace(demo, monkeypatch):
    def broken(*_args):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("qualification.api.views.cohorts_page", broken)

    response = api_get(demo.client, "/api/v1/cohorts", demo.leader)

    assert_problem(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)


def test_the_document_and_its_page(demo):
    document = demo.client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    spec = document.get_json()
    assert spec["openapi"] == "3.1.0"
    assert "/api/v1/cohorts/{cohort_id}/enrolments" in spec["paths"]
    assert set(spec["paths"]["/api/v1/cohorts/{cohort_id}/enrolments"]) == {"get", "post", "parameters"}
    assert spec["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    problem = spec["components"]["responses"]["NOT_FOUND"]["content"]
    assert list(problem) == ["application/problem+json"]

    page = demo.client.get("/api/v1/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<code>GET /api/v1/cohorts</code>: Cohorts" in html
    assert "<code>POST /api/v1/cohorts/{cohort_id}/enrolments</code>" in html
    # Nothing from a CDN: the page is ours, and the app runs on closed networks.
    assert "cdn" not in html.lower()
    assert "swagger" not in html.lower()

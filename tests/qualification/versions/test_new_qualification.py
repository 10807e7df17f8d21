"""Course leaders start a qualification from nothing, rename a draft, and cannot publish a broken one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.extensions import db
from qualification.demo import DEMO_SPEC
from qualification.versions.models import Qualification, QualificationVersion
from tests.support.html import csrf_from, form_post, login


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_course_leader_can_create_an_empty_draft(client, app, course_leader):
    login(client, course_leader.email)
    response = form_post(
        client, "/qualifications/new", {"code": "cpd-x", "title": "CPD in IAG", "provider": "Northmoor"}
    )
    assert response.headers["Location"] == "/qualifications/CPD-X/v1"
    page = client.get("/qualifications/CPD-X/v1").get_data(as_text=True)
    assert "CPD-X created as a draft" in page
    assert "Publish this version" in page
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "qualification_created"))
        assert event.actor_label == course_leader.email


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "x", "title": "T"}, "Use 2 to 20 capital letters"),
        ({"code": "AB CD", "title": "T"}, "Use 2 to 20 capital letters"),
        ({"code": "CCQ", "title": ""}, "Enter a title."),
        ({"code": "CCQ", "title": "T" * 201}, "Field cannot be longer than 200 characters."),
    ],
)
def test_course_leader_cannot_create_with_bad_input(client, app, course_leader, data, message):
    login(client, course_leader.email)
    response = form_post(client, "/qualifications/new", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(app, Qualification) == 0


def test_course_leader_cannot_reuse_a_code(client, app, course_leader, runner):
    runner.invoke(args=["qualification", "import", str(DEMO_SPEC)])
    login(client, course_leader.email)
    response = form_post(client, "/qualifications/new", {"code": "CCQ", "title": "Again"})
    assert "A qualification with code CCQ exists already" in response.get_data(as_text=True)
    assert _count(app, QualificationVersion) == 1


def test_empty_draft_cannot_be_published_and_the_page_says_why(client, app, course_leader):
    login(client, course_leader.email)
    form_post(client, "/qualifications/new", {"code": "NEW", "title": "New thing"})
    page = client.get("/qualifications/NEW/v1").get_data(as_text=True)
    response = client.post("/qualifications/NEW/v1/publish", data={"csrf_token": csrf_from(page)})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This version cannot be published yet" in text
    assert "modules" in text
    with app.app_context():
        assert db.session.scalar(select(QualificationVersion.status)) == "draft"


def test_second_editor_of_the_title_gets_a_conflict_and_keeps_their_text(app, course_leader, runner):
    runner.invoke(args=["qualification", "import", str(DEMO_SPEC)])
    first, second = app.test_client(), app.test_client()
    login(first, course_leader.email)
    login(second, course_leader.email)
    page_1 = first.get("/qualifications/CCQ/v1").get_data(as_text=True)
    page_2 = second.get("/qualifications/CCQ/v1").get_data(as_text=True)

    def post(client, page, title):
        version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
        data = {"csrf_token": csrf_from(page), "title": title, "provider": "Northmoor", "version": version}
        return client.post("/qualifications/CCQ/v1/details", data=data)

    assert post(first, page_1, "Careers Leadership Qualification").status_code == 302
    response = post(second, page_2, "My competing title")
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this version" in text
    assert 'value="My competing title"' in text
    with app.app_context():
        assert db.session.scalar(select(QualificationVersion.title)) == "Careers Leadership Qualification"


def test_published_version_title_cannot_change(client, app, course_leader, runner):
    runner.invoke(args=["qualification", "import", str(DEMO_SPEC), "--publish"])
    login(client, course_leader.email)
    page = client.get("/qualifications/CCQ/v1").get_data(as_text=True)
    assert "Change the title or provider" not in page
    response = client.post(
        "/qualifications/CCQ/v1/details",
        data={"csrf_token": csrf_from(page), "title": "Hacked", "provider": "", "version": "1"},
    )
    assert response.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(QualificationVersion.title)) == "Careers Coordinator Qualification"

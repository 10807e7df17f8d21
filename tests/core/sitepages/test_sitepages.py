"""The privacy notice, accessibility statement and help pages: linked from every page's footer, readable
without an account, and edited by administrators in Markdown (preview, save, a stale tab refused, back to the
default)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.sitepages.models import SitePage
from tests.support.evidence import audit_rows
from tests.support.html import csrf_from, form_post, login, page_text

PAGES = ["/privacy", "/accessibility", "/help", "/help/candidates", "/help/assessors", "/help/course-leaders"]


def _rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(SitePage.id)))


@pytest.mark.parametrize("url", PAGES)
def test_anyone_can_read_the_site_pages_without_signing_in(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "Sign in" in response.get_data(as_text=True)  # not signed in, and not sent to the sign-in page


def test_every_page_footer_links_the_notices_and_help(client, candidate):
    login(client, "candidate@school.example")
    html = client.get("/").get_data(as_text=True)
    footer = html[html.index("<footer") :]
    for href in ('href="/help"', 'href="/privacy"', 'href="/accessibility"'):
        assert href in footer


def test_the_default_notices_name_the_university_and_the_regulations(app, client):
    app.config["WAYMARK_UNIVERSITY"] = "Northmoor University"
    privacy = page_text(client.get("/privacy"))
    assert "Northmoor University is the data controller" in privacy
    assert "Information Commissioner" in privacy
    statement = page_text(client.get("/accessibility"))
    assert "Accessibility statement for Waymark" in statement
    assert "Compliance status" in statement
    assert "(WCAG 2.2) AA standard" in statement
    assert "Enforcement procedure" in statement


def test_an_unknown_help_page_is_not_found(client):
    assert client.get("/help/nobody").status_code == 404


def test_admin_can_preview_then_save_a_page(app, client, admin):
    login(client, "admin@uni.example")
    assert "Site pages" in client.get("/").get_data(as_text=True)
    body = "# Privacy notice\n\nContact **dpo@northmoor.example**.\n\n<script>alert(1)</script>"
    preview = form_post(client, "/admin/pages/privacy", {"body": body, "version": "", "preview": "Preview"})
    assert preview.status_code == 200
    assert "Preview (not saved yet)" in page_text(preview)
    assert "<script>alert" not in preview.get_data(as_text=True)
    assert _rows(app) == 0
    saved = form_post(
        client, "/admin/pages/privacy", {"body": body, "version": "", "save": "Save"}, follow=True
    )
    assert "Privacy notice saved." in page_text(saved)
    public = client.get("/privacy").get_data(as_text=True)
    assert "<strong>dpo@northmoor.example</strong>" in public
    assert "<script>alert" not in public
    assert "Last updated" in public
    assert [row["slug"] for row in audit_rows(app, "site_page.saved")] == ["privacy"]


def test_an_empty_page_is_refused_and_nothing_changes(app, client, admin):
    login(client, "admin@uni.example")
    response = form_post(client, "/admin/pages/accessibility", {"body": "   ", "version": "", "save": "Save"})
    assert response.status_code == 422
    assert "Write the page" in page_text(response)
    assert _rows(app) == 0


def test_a_stale_tab_cannot_overwrite_a_newer_edit(app, client, admin):
    login(client, "admin@uni.example")
    first = client.get("/admin/pages/help-candidates")
    token = csrf_from(first.get_data(as_text=True))
    client.post(
        "/admin/pages/help-candidates",
        data={"csrf_token": token, "body": "One", "version": "", "save": "Save"},
    )
    stale = client.post(
        "/admin/pages/help-candidates",
        data={"csrf_token": token, "body": "Two, typed in an old tab", "version": "", "save": "Save"},
    )
    assert stale.status_code == 409
    assert "Two, typed in an old tab" in stale.get_data(as_text=True)  # what was typed is kept on the page
    assert "One" in page_text(client.get("/help/candidates"))


def test_admin_can_go_back_to_the_default_text(app, client, admin):
    login(client, "admin@uni.example")
    form_post(client, "/admin/pages/help-iqa", {"body": "Local text", "version": "", "save": "Save"})
    page = client.get("/admin/pages/help-iqa")
    back = client.post(
        "/admin/pages/help-iqa/reset",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
        follow_redirects=True,
    )
    assert "back to its default text" in page_text(back)
    assert "Sampling" in page_text(client.get("/help/iqa"))
    assert _rows(app) == 0
    assert [row["slug"] for row in audit_rows(app, "site_page.reset")] == ["help-iqa"]


@pytest.mark.parametrize("who", ["candidate", "course_leader"])
def test_only_administrators_edit_site_pages(request, client, who):
    person = request.getfixturevalue(who)
    login(client, person.email)
    assert client.get("/admin/pages").status_code in (403, 404)
    assert client.get("/admin/pages/privacy").status_code in (403, 404)

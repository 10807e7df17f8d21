"""Adding, editing, confirming and removing evidence, as the candidate does it through the pages."""

from __future__ import annotations

import hashlib
import importlib.util
import re

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from portfolio.evidence.models import CriterionMapping, EvidenceItem, EvidenceTag, EvidenceVersion
from portfolio.evidence.services import Content, content_hash
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.evidence import ANONYMISED, LAST_WEEK, add_evidence, audit_rows, item_id, map_to, post_file
from tests.support.html import csrf_from, login, page_text, press, signed_in_fixture, textarea_text
from tests.support.people import CHRIS, DEMO_PASSWORD, JO, make_user

FILES_READY = importlib.util.find_spec("portfolio.files") is not None


demo = demo_fixture(load_study_demo)
jo = signed_in_fixture(JO)


@pytest.fixture
def with_files(app):
    """The app with the file store's download route, until the composition root registers it."""
    from portfolio.files.views import bp

    if "files" not in app.blueprints:
        app.register_blueprint(bp)
    return app


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_candidate_can_add_a_written_account_with_tags_and_anonymisation(jo, app):
    added = add_evidence(
        jo, tags=["principles:P5", "gatsby:GB5"], anonymised="y", follow=False, title="Employer panel"
    )
    assert added.status_code == 302
    assert re.fullmatch(r"/portfolio/items/\d+#map", added.headers["Location"])

    item_page = page_text(jo.get(added.headers["Location"]))
    assert "Employer panel" in item_page
    assert "We ran the fair with twelve employers." in item_page  # rendered Markdown
    assert "Confirmed anonymised" in item_page

    listed = page_text(jo.get("/portfolio/"))
    assert "Employer panel" in listed
    assert "Written account" in listed
    assert "Actively promotes equality of opportunity and challenges stereotypes" in listed
    assert "5 Encounters with employers and employees" in listed
    assert "Not yet confirmed anonymised" not in listed
    assert "Not mapped to any criterion" in listed

    with app.app_context():
        item = db.session.get(EvidenceItem, item_id(app, "Employer panel"))
        assert item.kind == "account"
        assert item.anonymised_at is not None
        assert {(t.framework, t.tag) for t in item.tags} == {("principles", "P5"), ("gatsby", "GB5")}
        version = item.current
        assert version.number == 1
        assert version.body_md == "We ran the fair with **twelve** employers."
        expected = Content(
            "Employer panel",
            version.activity_date,
            "Year 10, summer term.",
            version.body_md,
            None,
            None,
            None,
        )
        assert version.content_hash == content_hash("account", expected)
    [event] = audit_rows(app, "evidence_added")
    assert event["actor"] == JO
    assert event["version"] == 1
    assert event["tags"] == ["principles:P5", "gatsby:GB5"]
    assert event["anonymised"] is True


def test_candidate_sees_what_is_missing_and_nothing_is_stored(jo, app):
    response = add_evidence(jo, title="", body_md="", activity_date="")
    assert response.status_code == 422
    text = page_text(response)
    assert "Give the evidence a title." in text
    assert "Enter the date of the activity." in text
    assert _count(app, EvidenceItem) == 0


def test_candidate_cannot_date_evidence_in_the_future(jo, app):
    response = add_evidence(jo, activity_date="2999-01-01")
    assert response.status_code == 422
    assert "The date of the activity cannot be in the future." in page_text(response)
    assert _count(app, EvidenceItem) == 0


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<b>x</b>",
        "ftp://x.example/",
    ],
)
def test_candidate_cannot_add_a_link_that_is_not_http(jo, app, url):
    response = add_evidence(jo, "link", url=url, title="Careers site")
    assert response.status_code == 422
    assert "Enter a web address starting with http:// or https://." in page_text(response)
    assert _count(app, EvidenceItem) == 0


def test_candidate_can_add_a_link(jo, app):
    add_evidence(jo, "link", url="https://school.example/careers", title="Careers pages")
    page = jo.get(f"/portfolio/items/{item_id(app, 'Careers pages')}")
    assert 'href="https://school.example/careers" rel="nofollow noopener noreferrer"' in page.get_data(
        as_text=True
    )
    assert "Not yet confirmed anonymised" in page_text(page)


@pytest.mark.skipif(not FILES_READY, reason="portfolio.files (the file store) is not in this tree yet")
def test_candidate_can_add_a_file(with_files, jo, app):
    page = jo.get("/portfolio/new?kind=file")
    assert 'enctype="multipart/form-data"' in page.get_data(as_text=True)
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    added = post_file(jo, pdf, "slides.pdf", context="")
    assert added.status_code == 302
    shown = jo.get(added.headers["Location"])
    text = page_text(shown)
    assert "slides.pdf" in text
    with app.app_context():
        version = db.session.get(EvidenceItem, item_id(app, "Options evening slides")).current
        assert version.blob_sha256 == hashlib.sha256(pdf).hexdigest()
        download = f'href="/files/{version.blob_sha256}/{version.id}"'
    assert download in shown.get_data(as_text=True)
    assert "Storage used" in page_text(jo.get("/portfolio/"))


def test_candidate_is_told_to_choose_a_file(jo, app):
    page = jo.get("/portfolio/new?kind=file")
    response = press(jo, page, "Add to portfolio", {"title": "Plan", "activity_date": LAST_WEEK})
    assert response.status_code == 422
    assert "Choose a file to upload." in page_text(response)
    assert _count(app, EvidenceItem) == 0


def test_candidate_chooses_a_kind_first_and_cannot_add_assessor_kinds(jo):
    chooser = page_text(jo.get("/portfolio/new"))
    for label in ("File", "Written account", "Link", "Professional discussion record"):
        assert label in chooser
    assert "Observation record" not in chooser
    assert "What kind of evidence is it?" in page_text(jo.get("/portfolio/new?kind=observation"))
    token = csrf_from(jo.get("/portfolio/new").get_data(as_text=True))
    refused = jo.post("/portfolio/new?kind=observation", data={"csrf_token": token, "title": "Mine"})
    assert refused.status_code == 404


def _edit(client, item: int, changes: dict, *, page=None, follow=True):
    page = page or client.get(f"/portfolio/items/{item}")
    return press(client, page, "Save as a new version", changes, follow=follow)


def test_candidate_can_edit_into_version_2_and_still_read_version_1(jo, app):
    add_evidence(jo, title="Parents' evening", body_md="First draft.", anonymised="y")
    item = item_id(app, "Parents' evening")
    saved = _edit(jo, item, {"body_md": "Second draft, with the follow-up calls."})
    text = page_text(saved)
    assert "Saved as version 2." in text
    assert "Second draft, with the follow-up calls." in text
    # A confirmation covers what was confirmed: the new version asks again.
    assert "Not yet confirmed anonymised" in text

    old = page_text(jo.get(f"/portfolio/items/{item}?version=1"))
    assert "You are looking at version 1" in old
    assert "First draft." in old
    assert "Second draft" not in old
    with app.app_context():
        row = db.session.get(EvidenceItem, item)
        assert [v.number for v in row.versions] == [1, 2]
        assert row.current.number == 2
        assert row.versions[0].body_md == "First draft."
        assert row.versions[0].content_hash != row.versions[1].content_hash
    [event] = audit_rows(app, "evidence_edited")
    assert (event["from_version"], event["version"], event["changed"]) == (1, 2, ["body_md"])


def test_an_edit_that_changes_nothing_makes_no_version(jo, app):
    add_evidence(jo, title="Unchanged")
    item = item_id(app, "Unchanged")
    assert "no new version was made" in page_text(_edit(jo, item, {}))
    assert _count(app, EvidenceVersion) == 1
    assert audit_rows(app, "evidence_edited") == []


def test_a_stale_edit_gets_409_and_keeps_the_typed_text(jo, app):
    add_evidence(jo, title="Work experience week")
    item = item_id(app, "Work experience week")
    old_tab = jo.get(f"/portfolio/items/{item}")
    _edit(jo, item, {"body_md": "Edited in the other tab."})

    stale = _edit(jo, item, {"body_md": "My long evening edit."}, page=old_tab, follow=False)
    assert stale.status_code == 409
    assert "it is now at version 2" in page_text(stale)
    assert textarea_text(stale, "body_md") == "My long evening edit."
    assert _count(app, EvidenceVersion) == 2

    # Saving again from the re-shown form is deliberate, and works.
    again = press(jo, stale, "Save as a new version")
    assert "Saved as version 3." in page_text(again)


def test_candidate_can_confirm_anonymisation_later(jo, app):
    add_evidence(jo, title="Tutor briefing")
    item = item_id(app, "Tutor briefing")
    page = jo.get(f"/portfolio/items/{item}")
    assert "Not yet confirmed anonymised" in page_text(jo.get("/portfolio/"))
    done = press(jo, page, "I confirm no pupil can be identified from this evidence")
    assert "Confirmed anonymised" in page_text(done)
    assert "Not yet confirmed anonymised" not in page_text(jo.get("/portfolio/"))
    [event] = audit_rows(app, "evidence_anonymised")
    assert event["version"] == 1


def test_candidate_can_change_tags(jo, app):
    add_evidence(jo, title="Tagged", tags=["gatsby:GB1"])
    item = item_id(app, "Tagged")
    saved = press(
        jo, jo.get(f"/portfolio/items/{item}"), "Save tags", {"tags": ["gatsby:GB8", "principles:P2"]}
    )
    assert "Tags saved." in page_text(saved)
    with app.app_context():
        tags = db.session.scalars(select(EvidenceTag.tag).where(EvidenceTag.item_id == item)).all()
        assert sorted(tags) == ["GB8", "P2"]
    [event] = audit_rows(app, "evidence_tagged")
    assert event["added"] == ["gatsby:GB8", "principles:P2"]
    assert event["removed"] == ["gatsby:GB1"]


def test_candidate_can_remove_an_item_and_its_versions_are_kept(jo, app):
    add_evidence(jo, title="Old plan")
    item = item_id(app, "Old plan")
    _edit(jo, item, {"body_md": "Second version."})
    map_to(jo, item, "CCQ/M01.1.2")
    removed = press(jo, jo.get(f"/portfolio/items/{item}"), "Remove from my portfolio")
    assert "Removed “Old plan” from your working portfolio." in page_text(removed)
    assert "Old plan" not in page_text(jo.get("/portfolio/"))
    assert jo.get(f"/portfolio/items/{item}").status_code == 404
    assert "Old plan" not in page_text(jo.get("/portfolio/modules/CCQ/M01"))
    with app.app_context():
        row = db.session.get(EvidenceItem, item)
        assert row.deleted_at is not None
        assert len(row.versions) == 2  # snapshots may point at them
        assert db.session.scalar(select(func.count()).select_from(CriterionMapping)) == 0
    [event] = audit_rows(app, "evidence_deleted")
    assert event["unmapped"] == ["M01.1.2"]


def test_another_candidate_gets_404_on_jos_item_and_changes_nothing(app, client):
    load_study_demo(app)
    login(client, JO, DEMO_PASSWORD)
    add_evidence(client, title="Jo's private account")
    item = item_id(app, "Jo's private account")
    page = client.get(f"/portfolio/items/{item}")
    client.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})

    login(client, CHRIS, DEMO_PASSWORD)
    assert client.get(f"/portfolio/items/{item}").status_code == 404
    assert client.get(f"/portfolio/items/{item}?version=1").status_code == 404
    assert "Jo's private account" not in page_text(client.get("/portfolio/"))
    token = csrf_from(client.get("/portfolio/").get_data(as_text=True))
    posts = {
        "edit": {"title": "Taken", "activity_date": LAST_WEEK, "body_md": "x", "version": "1"},
        "tags": {"tags": "gatsby:GB1"},
        "anonymised": {},
        "mappings": {"criterion": "CCQ/M01.1.2"},
        "unmap": {"criterion": "CCQ/M01.1.2"},
        "delete": {},
    }
    for action, data in posts.items():
        response = client.post(f"/portfolio/items/{item}/{action}", data={**data, "csrf_token": token})
        assert response.status_code == 404, action
    with app.app_context():
        row = db.session.get(EvidenceItem, item)
        assert row.deleted_at is None
        assert row.anonymised_at is None
        assert row.current.title == "Jo's private account"
        assert len(row.versions) == 1
        assert row.tags == []
        assert row.mappings == []


def test_assessor_cannot_open_the_portfolio_pages(app, client):
    assessor = make_user(app, "marker@uni.example", roles=(Role.ASSESSOR,))
    login(client, assessor.email)
    for url in (
        "/portfolio/",
        "/portfolio/new?kind=account",
        "/portfolio/items/1",
        "/portfolio/modules/CCQ/M01",
    ):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/portfolio/")
    assert response.headers["Location"].startswith("/login?next=")


def test_anonymisation_statement_is_on_the_add_form(jo):
    assert ANONYMISED in page_text(jo.get("/portfolio/new?kind=account"))


def test_markdown_in_evidence_is_sanitised(jo, app):
    body = "<script>alert(1)</script> See [the plan](javascript:alert(2)) and <img src=x onerror=alert(3)>."
    add_evidence(jo, title="<b>Bold</b> title", body_md=body, context_md="<iframe src=//evil.example>")
    html = jo.get(f"/portfolio/items/{item_id(app, '<b>Bold</b> title')}").get_data(as_text=True)
    main = html[html.index("<main") :]
    assert "&lt;b&gt;Bold&lt;/b&gt; title" in main
    for dangerous in ("<script>alert", "javascript:alert", "onerror=", "<iframe"):
        assert dangerous not in main.split("<details")[0], dangerous


def test_candidate_cannot_rewrite_or_remove_a_record_someone_else_signed(app):
    from portfolio.permissions import can_edit_item, can_revise_item

    class _User:
        is_authenticated = True
        id = 7

    class _Item:
        candidate_id, deleted_at = 7, None

        def __init__(self, kind):
            self.kind = kind

    for kind in ("observation", "testimony"):
        assert can_edit_item(_User(), _Item(kind))  # they may still map and tag it
        assert not can_revise_item(_User(), _Item(kind))
    assert can_revise_item(_User(), _Item("account"))

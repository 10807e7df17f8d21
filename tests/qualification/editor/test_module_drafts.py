"""Course leaders edit modules in the browser: published versions never change; drafts copy on change."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from modules.catalogue.models import Module
from qualification.editor.services.modules import module_content_hash
from qualification.spec import parse_spec, spec_to_document
from qualification.versions.models import Qualification, QualificationVersion, VersionModule
from qualification.versions.services import _module_hash
from tests.support.editor import (
    DEMO,
    M01,
    M01_V1,
    V1,
    V2,
    events,
    export,
    import_demo,
    page,
    revisions,
    submit,
)
from tests.support.html import csrf_from, login
from tests.support.people import make_user

# Acting through the page's forms, as a browser would ----------------------------------------------------


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


# Set-up and reading rows --------------------------------------------------------------------------------


# Drafts -------------------------------------------------------------------------------------------------


def test_course_leader_can_start_a_draft_from_a_published_version(client, runner, app, course_leader):
    import_demo(runner)
    login(client, course_leader.email)
    v1_page = page(client, M01_V1)
    assert "Published versions never change" in v1_page
    assert 'name="module-title"' not in v1_page  # read-only
    assert "15 UK credits (150 notional hours, 7.5 ECTS)" in v1_page
    response = client.post(f"{V1}/draft", data={"csrf_token": csrf_from(v1_page)})
    assert response.headers["Location"] == V2
    shown = page(client, V2)
    assert "Version 2 is a new draft made from version 1." in shown
    assert "Publish this version" in shown
    draft = export(client, V2)
    assert draft == {**export(client, V1)}  # same modules (shared revisions) and copied awards
    with app.app_context():
        assert db.session.scalar(select(func.count(Module.id))) == 14  # nothing copied yet
        links = db.session.scalars(select(VersionModule.module_id).order_by(VersionModule.id)).all()
        assert links[:14] == links[14:]
    [event] = events(app, "qualification_draft_started")
    assert event["before"] is None
    assert event["after"]["version"] == 2
    assert event["after"]["awards"] == ["CERT", "PGCERT", "MA"]
    assert event["actor"] == course_leader.email


def test_course_leader_cannot_start_a_second_draft_or_one_from_a_draft(leader_with_draft, app):
    client = leader_with_draft
    token = csrf_from(page(client, V1))
    again = client.post(f"{V1}/draft", data={"csrf_token": token})
    assert again.status_code == 409
    assert "Version 2 of CCQ is already a draft" in again.get_data(as_text=True)
    from_draft = client.post(f"{V2}/draft", data={"csrf_token": token})
    assert from_draft.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count(QualificationVersion.id))) == 2


# Editing a module's details -----------------------------------------------------------------------------


def test_editing_a_draft_module_copies_it_once_and_leaves_the_published_version_unchanged(
    leader_with_draft, app
):
    client = leader_with_draft
    editor = page(client, M01)
    assert "Version 1 also uses this module as it stands." in editor
    response = submit(client, editor, field="module-title", data={"module-title": "Communicating in CEIAG"})
    assert response.headers["Location"] == f"{M01}#details"
    shown = page(client, response.headers["Location"])
    assert "Saved the details of M01." in shown
    assert "<h1>M01 Communicating in CEIAG" in shown
    assert "also uses this module" not in shown
    assert export(client, V2)["modules"][0]["title"] == "Communicating in CEIAG"
    assert export(client, V1) == spec_to_document(parse_spec(DEMO))  # published never changes
    assert revisions(app) == [1, 2]
    with app.app_context():
        copy = db.session.scalar(select(Module).where(Module.code == "M01", Module.revision == 2))
        # The stored hash is the one import computes, so re-importing this module would reuse the row.
        assert copy.content_hash == _module_hash(parse_spec(export(client, V2)).modules[0])
        assert [o.ref for o in copy.outcomes] == ["M01.1", "M01.2", "M01.3", "M01.4"]

    # The copy is the draft's alone now: editing again changes it in place.
    response = submit(client, shown, field="module-credits", data={"module-credits": "20"}, follow=True)
    assert "20 UK credits (200 notional hours, 10 ECTS)" in response.get_data(as_text=True)
    assert revisions(app) == [1, 2]
    assert export(client, V1)["modules"][0]["credits"] == 15

    with app.app_context():
        copy = db.session.scalar(select(Module).where(Module.code == "M01", Module.revision == 2))
        assert copy.content_hash == module_content_hash(copy)
    [created] = events(app, "module_revision_created")
    assert created["before"]["revision"] == 1
    assert created["after"]["revision"] == 2
    first, second = events(app, "module_updated")
    assert first["before"]["title"] == DEMO["modules"][0]["title"]
    assert first["after"]["title"] == "Communicating in CEIAG"
    assert (second["before"]["credits"], second["after"]["credits"]) == (15, 20)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"module-title": "   "}, "module-title", "Enter a title of 1 to 200 characters."),
        ({"module-title": "x" * 201}, "module-title", "Enter a title of 1 to 200 characters."),
        ({"module-level": "9"}, "module-level", "Enter a level from 3 to 8."),
        ({"module-credits": "0"}, "module-credits", "Enter credits from 1 to 180."),
        ({"module-summary": "s" * 20_001}, "module-summary", "Keep the summary to 20000 characters"),
    ],
)
def test_invalid_module_details_are_refused_with_the_input_kept(
    leader_with_draft, app, changes, field, message
):
    client = leader_with_draft
    response = submit(client, page(client, M01), field="module-title", data=changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-error"' in html
    assert revisions(app) == [1]  # nothing copied, nothing changed
    assert events(app, "module_updated") == []


def test_the_second_of_two_concurrent_editors_gets_a_conflict_and_keeps_their_text(
    leader_with_draft, app, course_leader
):
    first = leader_with_draft
    second = app.test_client()
    other = make_user(app, "second@uni.example", name="Sam Second", roles=(Role.COURSE_LEADER,))
    login(second, other.email)
    first_page, second_page = page(first, M01), page(second, M01)
    assert (
        submit(first, first_page, field="module-title", data={"module-title": "First title"}).status_code
        == 302
    )
    response = submit(second, second_page, field="module-title", data={"module-title": "Second title"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this module since you opened it" in html
    assert 'value="Second title"' in html  # their typed text is still in the input
    assert "<h1>M01 First title" in html  # and the page shows what was saved
    assert export(first, V2)["modules"][0]["title"] == "First title"

    # Without a copy in between, the module's version does the same job for outcomes.
    first_page, second_page = page(first, M01), page(second, M01)
    ok = submit(
        first, first_page, field="outcome-M01.1-text", data={"outcome-M01.1-text": "Changed by the first"}
    )
    assert ok.status_code == 302
    response = submit(
        second, second_page, field="outcome-M01.2-text", data={"outcome-M01.2-text": "Typed by the second"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Typed by the second" in html
    outcomes = export(first, V2)["modules"][0]["outcomes"]
    assert [o["text"] for o in outcomes[:2]] == [
        "Changed by the first",
        DEMO["modules"][0]["outcomes"][1]["text"],
    ]
    stale = submit(second, second_page, text="Delete outcome M01.3")
    assert stale.status_code == 409
    assert "so nothing was changed" in stale.get_data(as_text=True)
    assert len(export(first, V2)["modules"][0]["outcomes"]) == 4


def test_a_forged_edit_of_a_published_version_is_refused_and_changes_nothing(leader_with_draft, app):
    client = leader_with_draft
    with app.app_context():
        before = _row_counts()
        module = db.session.scalar(select(Module).where(Module.code == "M01"))
        lock = {"module_id": module.id, "version": module.version}
    token = csrf_from(page(client, M01_V1))
    response = client.post(
        f"{M01_V1}/details",
        data={
            "csrf_token": token,
            "module-csrf_token": token,
            **lock,
            "module-title": "Forged",
            "module-level": 6,
            "module-credits": 15,
        },
    )
    assert response.status_code == 409
    assert "Published versions never change" in response.get_data(as_text=True)
    outcome = client.post(
        f"{M01_V1}/outcomes", data={"csrf_token": token, **lock, "add-outcome-text": "Forged"}
    )
    assert outcome.status_code == 409
    with app.app_context():
        assert _row_counts() == before
    assert export(client, V1) == spec_to_document(parse_spec(DEMO))


def test_opening_editor_pages_changes_nothing(leader_with_draft, app):
    client = leader_with_draft
    with app.app_context():
        before = _row_counts()
    for url in (M01, M01_V1, f"{V2}/modules/new", f"{V1}/modules/new", f"{V2}/modules/M14"):
        page(client, url)
    with app.app_context():
        assert _row_counts() == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", M01),
        ("get", f"{V2}/modules/new"),
        ("post", f"{V1}/draft"),
        ("post", f"{M01}/details"),
        ("post", f"{M01}/outcomes"),
        ("post", f"{M01}/remove"),
    ],
)
def test_candidate_cannot_reach_the_editor(client, runner, app, candidate, method, url):
    import_demo(runner)
    login(client, candidate.email)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(
            url, data={"csrf_token": csrf_from(client.get("/account").get_data(as_text=True))}
        )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Qualification.id))) == 1
        assert db.session.scalar(select(func.count(QualificationVersion.id))) == 1

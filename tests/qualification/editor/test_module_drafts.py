"""Course leaders edit modules in the browser: published versions never change; drafts copy on change."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from modules.catalogue.models import Module
from qualification.demo import DEMO_SPEC
from qualification.editor.services.modules import module_content_hash
from qualification.spec import parse_spec, spec_to_document
from qualification.versions.models import Qualification, QualificationVersion, VersionModule
from qualification.versions.services import _module_hash
from tests.support.html import csrf_from, login
from tests.support.people import make_user

DEMO = json.loads(DEMO_SPEC.read_text())
V1 = "/qualifications/CCQ/v1"
V2 = "/qualifications/CCQ/v2"
M01_V1 = f"{V1}/modules/M01"
M01 = f"{V2}/modules/M01"


# Acting through the page's forms, as a browser would ----------------------------------------------------


class _Forms(HTMLParser):
    """Every form of a page: its action, the values a browser would send, and its visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: list | None = None
        self._button: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action"), "fields": [], "text": "", "attrs": a, "buttons": []}
            self.forms.append(self._form)
        elif self._form is not None and tag == "button":
            self._button = [a.get("name"), a.get("value", ""), ""]
            self._form["buttons"].append(self._button)
        elif self._form is not None and tag == "input" and "name" in a:
            kind = a.get("type", "text")
            if kind not in ("submit", "button") and (kind != "checkbox" or "checked" in a):
                self._form["fields"].append((a["name"], a.get("value") or ""))
        elif self._form is not None and tag == "textarea":
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        if self._form is not None:
            self._form["text"] += data
        if self._button is not None:
            self._button[2] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            name, value = self._textarea
            # Browsers drop the one line break that follows <textarea>.
            self._form["fields"].append((name, value.removeprefix("\r\n").removeprefix("\n")))
            self._textarea = None
        elif tag == "button":
            self._button = None
        elif tag == "form":
            self._form = None


def page_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _shows(shown: str, text: str) -> bool:
    # Whole words only: "Move down M01.1" must not match the button of M01.1.1.
    return re.search(re.escape(text) + r"(?!\S)", " ".join(shown.split())) is not None


def find_form(html: str, *, field: str | None = None, text: str | None = None) -> dict:
    """The one form holding a field of this name, or showing this text (e.g. 'Move up M01.2')."""
    found = [
        f
        for f in page_forms(html)
        if (field is None or any(name == field for name, _ in f["fields"]))
        and (text is None or _shows(f["text"], text))
    ]
    assert len(found) == 1, (field, text, len(found))
    return found[0]


def submit(client, html: str, *, field=None, text=None, data=None, follow=False):
    """Fill in one form of the page (a list for checkboxes), press its button `text`, and send it."""
    form = find_form(html, field=field, text=text)
    values = MultiDict(form["fields"])
    for name, value in (data or {}).items():
        values.setlist(name, value if isinstance(value, list) else [value])
    pressed = [b for b in form["buttons"] if text and _shows(b[2], text) and b[0]]
    if pressed:
        values.add(pressed[0][0], pressed[0][1])
    return client.post(form["action"], data=values, follow_redirects=follow)


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# Set-up and reading rows --------------------------------------------------------------------------------


def import_demo(runner) -> None:
    result = runner.invoke(args=["qualification", "import", str(DEMO_SPEC), "--publish"])
    assert result.exit_code == 0, result.output


def start_draft(client) -> None:
    response = submit(client, page(client, M01_V1), text="Start a new draft to change this")
    assert response.headers["Location"] == M01


def export(client, url: str) -> dict:
    return json.loads(client.get(f"{url}/export.json").get_data())


def revisions(app, code: str = "M01") -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(select(Module.revision).where(Module.code == code).order_by(Module.id))
        )


def events(app, action: str) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
        return [{**json.loads(e.details_json), "actor": e.actor_label} for e in rows]


@pytest.fixture
def leader_with_draft(client, runner, course_leader):
    """The demo published as v1, and v2 started as a draft by a signed-in course leader."""
    import_demo(runner)
    login(client, course_leader.email)
    start_draft(client)
    return client


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

"""Course leaders import and export qualifications in qualification-spec/1, from the web and the CLI."""

from __future__ import annotations

import copy
import html
import io
import json
import re

import pytest
from sqlalchemy import func, select

from core.accounts.demo import load_demo
from core.audit.models import AuditEvent
from core.extensions import db
from modules.catalogue.models import Module
from qualification.demo import DEMO_SPEC, load_demo_cohort
from qualification.spec import parse_spec, spec_to_document
from qualification.versions.models import QualificationVersion
from tests.support.html import csrf_from, login

DEMO = json.loads(DEMO_SPEC.read_text())


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(QualificationVersion.id))),
            db.session.scalar(select(func.count(Module.id))),
        )


def _upload(client, document: bytes | str, *, publish: bool = False, filename: str = "spec.json"):
    token = csrf_from(client.get("/qualifications/import").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "document": (io.BytesIO(document if isinstance(document, bytes) else document.encode()), filename),
    }
    if publish:
        data["publish"] = "y"
    return client.post("/qualifications/import", data=data, content_type="multipart/form-data")


def test_course_leader_can_import_the_demo_spec_and_export_it_back(client, course_leader, app):
    login(client, course_leader.email)
    response = _upload(client, json.dumps(DEMO), publish=True)
    assert response.headers["Location"] == "/qualifications/CCQ/v1"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported CCQ as version 1 (published)." in page
    assert "Professional Certificate in Careers Coordination" in page
    assert "Rules add up" in page
    assert "Cannot be satisfied" not in page
    exported = client.get("/qualifications/CCQ/v1/export.json")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="CCQ-v1.json"'
    assert json.loads(exported.get_data()) == spec_to_document(parse_spec(DEMO))
    assert _counts(app) == (1, 14)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "qualification_imported"))
        assert event.actor_label == course_leader.email


def test_invalid_upload_lists_every_problem_and_stores_nothing(client, course_leader, app):
    login(client, course_leader.email)
    bad = copy.deepcopy(DEMO)
    bad["modules"][3]["credits"] = 0
    bad["awards"][0]["compulsory"].append("M99")
    response = _upload(client, json.dumps(bad))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported: 2 problems" in page
    # Told by name, as a course leader knows the qualification; the CLI keeps the paths.
    shown = html.unescape(page)
    module = f"Module M04 '{DEMO['modules'][3]['title']}'"
    assert f"{module}: the credits must be a whole number from 1 to 180." in shown
    award = f"Award '{DEMO['awards'][0]['title']}'"
    assert f'{award}, the compulsory modules: unknown module "M99".' in shown
    assert "modules[3]" not in page
    assert "awards[0]" not in page
    assert _counts(app) == (0, 0)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "Not valid JSON"),
        (b"\xff\xfe\x00", "The file is not UTF-8 text."),
        (b"[]", "The document must be a JSON object."),
        (b"  ", "Choose a spec file"),
    ],
)
def test_malformed_upload_gets_a_clear_message(client, course_leader, app, raw, message):
    login(client, course_leader.email)
    response = _upload(client, raw)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _counts(app) == (0, 0)


def test_reimport_makes_a_new_version_and_reuses_unchanged_modules(client, course_leader, app):
    login(client, course_leader.email)
    _upload(client, json.dumps(DEMO), publish=True)
    changed = copy.deepcopy(DEMO)
    changed["modules"][0]["title"] = "Communicating with Others in CEIAG"
    response = _upload(client, json.dumps(changed))
    assert response.headers["Location"] == "/qualifications/CCQ/v2"
    # Thirteen modules are identical and shared; M01 gets a second revision.
    assert _counts(app) == (2, 15)
    first = json.loads(client.get("/qualifications/CCQ/v1/export.json").get_data())
    second = json.loads(client.get("/qualifications/CCQ/v2/export.json").get_data())
    assert first["modules"][0]["title"] == DEMO["modules"][0]["title"]
    assert second["modules"][0]["title"] == "Communicating with Others in CEIAG"


def test_course_leader_can_publish_a_draft_once(client, course_leader, app):
    login(client, course_leader.email)
    _upload(client, json.dumps(DEMO))
    page = client.get("/qualifications/CCQ/v1").get_data(as_text=True)
    assert "Publish this version" in page
    token = csrf_from(page)
    response = client.post(
        "/qualifications/CCQ/v1/publish", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Version 1 of CCQ is published." in response.get_data(as_text=True)
    again = client.post("/qualifications/CCQ/v1/publish", data={"csrf_token": token})
    assert again.status_code == 409


def test_text_is_stored_as_written_and_shown_sanitised(client, course_leader, app):
    login(client, course_leader.email)
    doc = copy.deepcopy(DEMO)
    doc["modules"][0]["summary"] = "<script>alert(1)</script>**Bold** <img src=x onerror=alert(2)>"
    doc["modules"][0]["title"] = "<b>M01</b> & co"
    _upload(client, json.dumps(doc), publish=True)
    exported = json.loads(client.get("/qualifications/CCQ/v1/export.json").get_data())
    assert exported["modules"][0]["summary"] == doc["modules"][0]["summary"]
    page = client.get("/catalogue/CCQ/CERT").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "onerror" not in page
    assert "<strong>Bold</strong>" in page
    assert "&lt;b&gt;M01&lt;/b&gt; &amp; co" in page


@pytest.mark.parametrize("actor", ["candidate", "anonymous"])
def test_others_cannot_import(client, candidate, actor):
    if actor == "candidate":
        login(client, candidate.email)
    response = client.get("/qualifications/import")
    assert response.status_code == (403 if actor == "candidate" else 302)


def test_anyone_can_read_the_published_catalogue(client, app, runner):
    assert runner.invoke(args=["qualification", "import", str(DEMO_SPEC), "--publish"]).exit_code == 0
    index = client.get("/catalogue/").get_data(as_text=True)
    assert "How the awards connect" in index
    assert "MA Careers Education and Guidance Leadership" in index
    award = client.get("/catalogue/CCQ/MA").get_data(as_text=True)
    assert "Includes in full" in award
    assert "Reached from" in award
    assert "M14" in award
    assert client.get("/catalogue/CCQ/NOPE").status_code == 404


def test_cli_import_and_export_round_trip(runner, app, tmp_path):
    result = runner.invoke(args=["qualification", "import", str(DEMO_SPEC)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "CCQ version 1 (draft)"
    exported = runner.invoke(args=["qualification", "export", "CCQ"])
    assert exported.exit_code == 0
    assert json.loads(exported.output) == spec_to_document(parse_spec(DEMO))
    path = tmp_path / "again.json"
    path.write_text(exported.output)
    result = runner.invoke(args=["qualification", "import", str(path), "--publish"])
    assert result.output.strip() == "CCQ version 2 (published)"
    assert runner.invoke(args=["qualification", "export", "CCQ", "--version", "1"]).exit_code == 0
    # Without --version: the newest published.
    assert json.loads(runner.invoke(args=["qualification", "export", "CCQ"]).output)["code"] == "CCQ"
    missing = runner.invoke(args=["qualification", "export", "CCQ", "--version", "9"])
    assert missing.exit_code == 1


def test_cli_import_of_an_invalid_document_prints_problems_with_paths_and_stores_nothing(
    runner, app, tmp_path
):
    bad = copy.deepcopy(DEMO)
    bad["format"] = "qualification-spec/2"
    bad["modules"][2]["level"] = 11
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    result = runner.invoke(args=["qualification", "import", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert any(line.startswith("format:") for line in lines)
    assert any(re.match(r"modules\[2\]\.level: ", line) for line in lines)
    assert _counts(app) == (0, 0)


def test_a_cohort_stays_on_the_version_it_enrolled_on(client, course_leader, app, runner, tmp_path):
    runner.invoke(args=["qualification", "import", str(DEMO_SPEC), "--publish"])
    with app.app_context():
        load_demo()
        load_demo_cohort()
        db.session.commit()
    changed = copy.deepcopy(DEMO)
    changed["modules"][0]["title"] = "A renamed M01"
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(changed))
    assert runner.invoke(args=["qualification", "import", str(path), "--publish"]).exit_code == 0

    login(client, "leader@northmoor.example", "waymark-demo-2026")
    cohort_page = client.get("/cohorts/1").get_data(as_text=True)
    assert "version 1" in cohort_page
    first = json.loads(client.get("/qualifications/CCQ/v1/export.json").get_data())
    assert first["modules"][0]["title"] == DEMO["modules"][0]["title"]
    # The public catalogue shows the newest published version.
    assert "A renamed M01" in client.get("/catalogue/CCQ/CERT").get_data(as_text=True)


def test_the_version_page_counts_awards_and_modules_in_words(client, course_leader, app):
    login(client, course_leader.email)
    one = copy.deepcopy(DEMO)
    one["awards"] = [{**one["awards"][0], "progression": []}]
    _upload(client, json.dumps(one))
    text = " ".join(html.unescape(client.get("/qualifications/CCQ/v1").get_data(as_text=True)).split())
    assert f"{len(DEMO['modules'])} modules · 1 award" in text
    assert "1 awards" not in text

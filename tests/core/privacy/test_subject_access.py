"""Subject access: a candidate with every kind of record downloads one archive holding each kind (JSON and
readable HTML) and their files byte for byte, never a judgement not yet released to them nor a secret; an
administrator downloads someone's archive on their behalf; both are audited. Every table of the schema is
classified by the policy, so a new table cannot be left out unseen."""

from __future__ import annotations

import io
import json
import re
import zipfile

from core.extensions import db
from core.privacy.rules import NOT_PERSONAL, SUBJECT_ACCESS, unclassified
from tests.support.evidence import audit_rows
from tests.support.html import csrf_from, page_text, signed_in
from tests.support.marking import (
    assessment_id_of,
    judge,
    judgement,
    load_marking_demo,
    start_marking,
    submit_m01,
)
from tests.support.people import JO, TOM, user_id
from tests.support.privacy import PDF, jo_with_every_kind_of_record

ADMIN = "admin@northmoor.example"


def test_every_table_is_classified_by_the_privacy_policy(app):
    with app.app_context():
        tables = list(db.metadata.tables)
    assert unclassified(tables) == []
    assert not set(SUBJECT_ACCESS) & set(NOT_PERSONAL)
    assert set(SUBJECT_ACCESS) | set(NOT_PERSONAL) <= set(tables)  # no rule for a table that is gone


def _download(client, url: str) -> zipfile.ZipFile:
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def test_a_candidate_downloads_everything_held_about_them(app):
    jo, _tom = jo_with_every_kind_of_record(app)
    assert "Download everything Waymark holds about you" in page_text(jo.get("/account"))
    archive = _download(jo, "/account/my-data")
    names = archive.namelist()
    assert "data.json" in names
    assert "index.html" in names
    data = json.loads(archive.read("data.json"))
    records = data["records"]
    have = {table for table, block in records.items() if block["rows"]}
    for table in (
        "users",
        "user_roles",
        "login_sessions",
        "cohort_members",
        "module_enrolments",
        "evidence_items",
        "evidence_versions",
        "criterion_mappings",
        "submissions",
        "submission_entries",
        "assessments",
        "criterion_judgements",
        "notifications",
        "audit_events",
        "forum_threads",
        "forum_posts",
        "study_logs",
        "module_results",
        "criterion_results",
    ):
        assert table in have, f"no {table} in the archive"
    # Released feedback is there; secrets are not.
    assert any(row["feedback_md"] == "Released feedback." for row in records["assessments"]["rows"])
    assert all("password_hash" not in row for row in records["users"]["rows"])
    assert all("token_hash" not in row for row in records["login_sessions"]["rows"])
    # Only Jo's own rows.
    jo_id = user_id(app, JO)
    assert {row["id"] for row in records["users"]["rows"]} == {jo_id}
    assert {row["candidate_id"] for row in records["submissions"]["rows"]} == {jo_id}
    # The file, byte for byte; the readable page names each kind.
    files = [n for n in names if n.startswith("files/evidence/") and n.endswith("slides.pdf")]
    assert len(files) == 1
    assert archive.read(files[0]) == PDF
    html = archive.read("index.html").decode()
    for table in have:
        assert records[table]["kind"] in html.replace("&#39;", "'")
    assert [row["for"] for row in audit_rows(app, "privacy.subject_access")] == [JO]


def test_a_judgement_not_yet_released_never_leaves(app):
    load_marking_demo(app)
    jo, tom = signed_in(app, JO), signed_in(app, TOM)
    submission = submit_m01(app, jo)
    start_marking(tom, submission)
    judge(tom, assessment_id_of(app, submission), "Complete marking", judgement(feedback="Not for Jo yet."))
    archive = _download(jo, "/account/my-data")
    data = archive.read("data.json").decode()
    assert "Not for Jo yet." not in data
    assert "Not for Jo yet." not in archive.read("index.html").decode()
    # Tom's own archive holds his judgement: it is his work.
    assert "Not for Jo yet." in _download(tom, "/account/my-data").read("data.json").decode()


def test_an_administrator_downloads_a_persons_data_on_their_behalf(app):
    load_marking_demo(app)
    admin = signed_in(app, ADMIN)
    jo_id = user_id(app, JO)
    assert "Download everything held about Jo Patel" in page_text(admin.get(f"/admin/accounts/{jo_id}"))
    archive = _download(admin, f"/admin/accounts/{jo_id}/data")
    data = json.loads(archive.read("data.json"))
    assert data["person"]["email"] == JO
    rows = audit_rows(app, "privacy.subject_access")
    assert rows[-1]["for"] == JO
    assert rows[-1]["on_behalf"] is True
    assert rows[-1]["actor"] == ADMIN


def test_nobody_else_can_download_a_persons_data(app):
    load_marking_demo(app)
    tom = signed_in(app, TOM)
    jo_id = user_id(app, JO)
    assert tom.get(f"/admin/accounts/{jo_id}/data").status_code in (403, 404)
    page = tom.get("/account/my-data")
    refused = tom.post(
        f"/admin/accounts/{jo_id}/data", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert refused.status_code in (403, 404)
    assert audit_rows(app, "privacy.subject_access") == []


def test_a_download_without_the_form_token_changes_nothing(app):
    load_marking_demo(app)
    jo = signed_in(app, JO)
    response = jo.post("/account/my-data", data={})
    assert response.status_code in (400, 422)
    assert not re.search(r"Traceback", response.get_data(as_text=True))
    assert audit_rows(app, "privacy.subject_access") == []

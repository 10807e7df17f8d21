"""The portfolio export: a zip that opens, an offline index linking the files, a JSON document of it all."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from core.files.storage import get_store
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.evidence.models import Blob
from portfolio.export.queries import clean_name, export_file_name
from qualification.cohorts.models import Cohort
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.html import signed_in
from tests.support.people import JO, user_id
from tests.support.submissions import add_item, edit_item, submit

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CERTIFICATE = b"%PDF-1.4\n% a scanned certificate\n%%EOF\n"


demo = demo_fixture(load_study_demo)


def stored(app, content: bytes) -> str:
    """A file in the store with its blob row, as an accepted upload leaves it."""
    with app.app_context():
        blob = get_store(app).put_stream(io.BytesIO(content), max_bytes=1 << 20)
        if db.session.get(Blob, blob.sha256) is None:
            db.session.add(Blob(sha256=blob.sha256, size=blob.size, detected_kind="pdf"))
            db.session.commit()
        return blob.sha256


@pytest.fixture
def portfolio(demo):
    """Jo's portfolio: a file item, an account edited after it was submitted, a submission, an APL claim."""
    plan_sha = stored(demo, PDF)
    cert_sha = stored(demo, CERTIFICATE)
    plan = add_item(
        demo, JO, "Careers plan", "The plan.", blob_sha256=plan_sha, file_name="Careers plan (final).pdf"
    )
    account = add_item(
        demo,
        JO,
        "Reflective account",
        "First **draft**.<script>alert(1)</script>",
        maps=[("M01", "M01.2.1", "Reflects on it"), ("M02", "M02.1.1", "")],
    )
    jo = signed_in(demo, JO)
    assert submit(jo, follow=False).status_code == 302
    edit_item(demo, account, "Second version, written after submitting.")
    jo_id = user_id(demo, JO)
    with demo.app_context():
        cohort = db.session.scalar(select(Cohort.id))
        db.session.add(
            AplClaim(
                candidate_id=jo_id, cohort_id=cohort, family="CCQ", module_code="M03", scope="module",
                criteria_refs="M03.1.1 M03.1.2", credits=15, awarding_body="OCR",
                certificate_title="Diploma in Career Guidance", certificate_sha256=cert_sha,
                certificate_file_name="diploma.pdf", status=AplStatus.SUBMITTED,
            )
        )  # fmt: skip
        db.session.commit()
    return {"client": jo, "plan": plan, "account": account, "plan_sha": plan_sha, "cert_sha": cert_sha}


def download(client) -> zipfile.ZipFile:
    response = client.get("/portfolio/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    expected = export_file_name("Jo Patel", date.today())  # noqa: DTZ011 - as the view names it
    assert expected.startswith("portfolio-jo-patel-")
    assert response.headers["Content-Disposition"] == f"attachment; filename={expected}"
    assert response.content_length == len(response.data)
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_candidate_can_export_their_portfolio_as_a_zip(portfolio):
    archive = download(portfolio["client"])
    assert archive.testzip() is None
    names = set(archive.namelist())
    plan_path = f"files/{portfolio['plan_sha']}-Careers-plan-final-.pdf"
    cert_path = f"files/{portfolio['cert_sha']}-diploma.pdf"
    assert names == {"index.html", "portfolio.json", plan_path, cert_path}
    assert archive.read(plan_path) == PDF
    assert archive.read(cert_path) == CERTIFICATE

    index = archive.read("index.html").decode()
    assert f'href="{plan_path}"' in index
    assert f'href="{cert_path}"' in index
    assert "Careers plan" in index
    assert "Second version, written after submitting." in index
    assert "<strong>draft</strong>" in index  # the earlier version, rendered
    # Offline and inert: no scripts, nothing fetched from anywhere.
    assert "<script" not in index.lower()
    assert not re.search(r'(src|href)="(https?:)?//', index)
    assert "default-src 'none'" in index

    document = json.loads(archive.read("portfolio.json"))
    items = {i["id"]: i for i in document["items"]}
    plan, account = items[portfolio["plan"]], items[portfolio["account"]]
    assert plan["versions"][0]["file"] == {
        "sha256": portfolio["plan_sha"],
        "name": "Careers plan (final).pdf",
        "path": plan_path,
    }
    assert [v["number"] for v in account["versions"]] == [1, 2]
    assert account["current_version_id"] == account["versions"][1]["id"]
    assert {(m["module_code"], m["criterion_ref"], m["note"]) for m in account["mappings"]} == {
        ("M01", "M01.2.1", "Reflects on it"),
        ("M02", "M02.1.1", ""),
    }
    date.fromisoformat(account["versions"][0]["created_at"][:10])
    (submission,) = document["submissions"]
    assert (submission["module_code"], submission["attempt"], submission["status"]) == ("M01", 1, "submitted")
    # The snapshot holds version 1 of the account, not the version written afterwards.
    frozen = {e["item_id"]: e for e in submission["entries"] if e["criterion_ref"] == "M01.2.1"}
    assert frozen[portfolio["account"]]["version_number"] == 1
    assert frozen[portfolio["account"]]["content_hash"] == account["versions"][0]["content_hash"]
    (claim,) = document["apl_claims"]
    assert (claim["module_code"], claim["credits"], claim["certificate_file"]) == ("M03", 15, cert_path)
    assert document["missing_files"] == []


def test_export_notes_a_file_missing_from_the_store(portfolio, demo):
    get_store(demo).delete(portfolio["plan_sha"])
    archive = download(portfolio["client"])
    assert not any(n.startswith(f"files/{portfolio['plan_sha']}") for n in archive.namelist())
    assert json.loads(archive.read("portfolio.json"))["missing_files"] == [portfolio["plan_sha"]]
    assert "could not be found when this export was made" in archive.read("index.html").decode()


def test_assessor_cannot_export(demo):
    assessor = signed_in(demo, "assessor@northmoor.example")
    assert assessor.get("/portfolio/export").status_code == 403


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("Careers plan (final).pdf", "Careers-plan-final-.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\jo\\café.docx", "cafe.docx"),
        ("...", "file"),
        (None, "file"),
    ],
)
def test_clean_name(raw, cleaned):
    assert clean_name(raw) == cleaned

"""Durability and access: one stored copy per content, reference counting and the sweep, F4 (disk full),
F1 (kill -9 mid-upload), the storage allowance, and downloads only through the permission check."""

from __future__ import annotations

import errno
import hashlib
import os

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from core.files import storage
from core.files.storage import get_store
from modules.catalogue.models import Module
from portfolio.apl.models import AplClaim
from portfolio.evidence.models import EvidenceItem, EvidenceVersion
from portfolio.files.services import (
    DISK_MESSAGE,
    accept_upload,
    blob_quota_used,
    referenced,
    sweep_unreferenced,
)
from portfolio.submissions.models import Submission, SubmissionEntry
from tests.support.crash import kill_when_it_says
from tests.support.html import login
from tests.support.people import make_user
from tests.support.submissions import item_with_version
from tests.support.uploads import (
    assert_nothing_kept,
    blob_rows,
    pdf,
    refusal,
    stored_blobs,
    temp_files,
    upload,
)


@pytest.fixture
def owner(app):
    return make_user(app, "casey@school.example", name="Casey Candidate")


def add_version(app, candidate_id: int, stored, *, title: str = "Careers fair plan") -> int:
    """An item with one version referring to the stored file, committed; returns the version id."""
    with app.app_context():
        _, version = item_with_version(
            candidate_id,
            "file",
            title=title,
            blob_sha256=stored.sha256,
            file_name=stored.name,
            content_hash="0" * 64,
        )
        db.session.commit()
        return version.id


# Reference counting and the sweep ------------------------------------------------------------------


def test_identical_content_is_stored_once(app, owner):
    other = make_user(app, "sam@school.example", name="Sam")
    first = upload(app, owner.id, pdf(), "plan.pdf")
    second = upload(app, other.id, pdf(), "Sam's copy.pdf")
    assert first.sha256 == second.sha256
    assert second.name == "Sam's copy.pdf"
    assert blob_rows(app) == 1
    assert stored_blobs(app) == [first.sha256]


def test_a_blob_stays_while_any_version_refers_to_it(app, owner):
    stored = upload(app, owner.id, pdf(), "plan.pdf")
    first, second = add_version(app, owner.id, stored), add_version(app, owner.id, stored)
    with app.app_context():
        db.session.delete(db.session.get(EvidenceVersion, first))
        db.session.commit()
        assert referenced(stored.sha256)
        assert sweep_unreferenced(grace_seconds=0) == 0
    assert stored_blobs(app) == [stored.sha256]
    with app.app_context():
        db.session.delete(db.session.get(EvidenceVersion, second))
        db.session.commit()
        assert not referenced(stored.sha256)
        assert sweep_unreferenced() == 0, "within the grace period an upload may not be committed yet"
        assert sweep_unreferenced(grace_seconds=0) == 1
    assert_nothing_kept(app)


def test_an_apl_certificate_keeps_its_blob_and_counts_against_the_allowance(app, owner):
    stored = upload(app, owner.id, pdf(), "certificate.pdf")
    with app.app_context():
        claim = AplClaim(
            candidate_id=owner.id,
            family="CDP",
            module_code="CD401",
            scope="module",
            certificate_sha256=stored.sha256,
            certificate_file_name=stored.name,
        )
        db.session.add(claim)
        db.session.commit()
        assert referenced(stored.sha256)
        assert blob_quota_used(owner.id) == stored.size
        assert sweep_unreferenced(grace_seconds=0) == 0
        db.session.delete(claim)
        db.session.commit()
        assert sweep_unreferenced(grace_seconds=0) == 1
    assert_nothing_kept(app)


def test_sweep_command_reports_what_it_removed(app, owner, runner):
    stored = upload(app, owner.id, pdf(), "plan.pdf")
    stray = get_store(app).tmp_dir / "upload-dead.part"
    stray.write_bytes(b"half")
    result = runner.invoke(args=["storage", "sweep", "--grace-seconds", "0"])
    assert result.exit_code == 0, result.output
    assert f"removed blob {stored.sha256}" in result.output
    assert "1 blob(s) and 1 temp file(s) removed." in result.output
    assert_nothing_kept(app)


# F4: disk full --------------------------------------------------------------------------------------


def test_disk_full_gives_a_clear_error_and_keeps_nothing(app, owner, monkeypatch):
    def enospc(*_args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage.os, "write", enospc)
    assert refusal(app, owner.id, pdf(), "plan.pdf") == DISK_MESSAGE
    monkeypatch.undo()
    assert_nothing_kept(app)
    assert upload(app, owner.id, pdf(), "plan.pdf").kind == "pdf"
    assert blob_rows(app) == 1


# F1: kill -9 during an upload -------------------------------------------------------------------------

CHILD = """
import io, os, sys, time
from core.app import create_app
from core.extensions import db
from portfolio.files.services import accept_upload
from tests.support.crash import SlowReader

url, data_dir, candidate_id, payload, stop = sys.argv[1:6]

app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WAYMARK_DATA_DIR": data_dir})
size = os.path.getsize(payload)
with app.app_context(), open(payload, "rb") as fh:
    stop_at = size * 10 if stop == "stored" else int(size * float(stop))
    accept_upload(int(candidate_id), SlowReader(fh, stop_at), "observation.pdf")
    print("STORED", flush=True)  # the blob is stored and its row flushed, but nothing is committed
    time.sleep(60)
"""


@pytest.mark.parametrize("stop", ["0.1", "0.5", "0.9", "stored"])
def test_kill_during_upload_leaves_no_partial_file_or_row_and_a_retry_makes_one(app, owner, tmp_path, stop):
    payload = tmp_path / "observation.pdf"
    payload.write_bytes(pdf(os.urandom(5 << 20)))
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    args = [url, app.config["WAYMARK_DATA_DIR"], str(owner.id), str(payload), stop]
    kill_when_it_says(CHILD, args, "STORED" if stop == "stored" else "AT")

    store = get_store(app)
    for sha256 in store.iter_blobs():
        assert hashlib.sha256(store.path_for(sha256).read_bytes()).hexdigest() == sha256
    assert blob_rows(app) == 0

    with app.app_context(), payload.open("rb") as fh:
        stored = accept_upload(owner.id, fh, "observation.pdf")
        db.session.commit()
    add_version(app, owner.id, stored)
    with app.app_context():
        sweep_unreferenced(grace_seconds=0)
        assert db.session.scalar(select(func.count()).select_from(EvidenceItem)) == 1
    assert blob_rows(app) == 1
    assert stored_blobs(app) == [hashlib.sha256(payload.read_bytes()).hexdigest()]
    assert temp_files(app) == []


# Storage allowance ----------------------------------------------------------------------------------


def test_upload_over_the_allowance_is_refused(app, owner):
    app.config["WAYMARK_QUOTA_MB"] = 1
    first = upload(app, owner.id, pdf(b"a" * 600_000), "one.pdf")
    add_version(app, owner.id, first)
    with app.app_context():
        assert blob_quota_used(owner.id) == first.size
    message = refusal(app, owner.id, pdf(b"b" * 600_000), "two.pdf")
    assert message == "This would take you over your 1 MB storage allowance (you use 586 KB)."
    # Bytes the candidate already has do not count twice.
    again = upload(app, owner.id, pdf(b"a" * 600_000), "one again.pdf")
    add_version(app, owner.id, again)
    with app.app_context():
        assert blob_quota_used(owner.id) == first.size
    # Someone else's files are not the candidate's.
    other = make_user(app, "sam@school.example", name="Sam")
    assert upload(app, other.id, pdf(b"b" * 600_000), "two.pdf").size > 600_000


# Downloads ------------------------------------------------------------------------------------------


def test_owner_can_download_as_an_attachment(app, owner, client):
    stored = upload(app, owner.id, pdf(), "évaluation été.pdf")
    version_id = add_version(app, owner.id, stored)
    login(client, owner.email)
    response = client.get(f"/files/{stored.sha256}/{version_id}")
    assert response.status_code == 200
    assert response.data == pdf()
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"evaluation ete.pdf\"; filename*=UTF-8''%C3%A9valuation%20%C3%A9t%C3%A9.pdf"
    )
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_other_candidate_cannot_download(app, owner, client):
    stored = upload(app, owner.id, pdf(), "plan.pdf")
    version_id = add_version(app, owner.id, stored)
    other = make_user(app, "sam@school.example", name="Sam")
    login(client, other.email)
    assert client.get(f"/files/{stored.sha256}/{version_id}").status_code == 404
    assert client.get(f"/files/{'0' * 64}/{version_id}").status_code == 404
    assert client.get(f"/files/{stored.sha256}/999999").status_code == 404


def test_owner_gets_404_for_a_hash_the_version_does_not_hold(app, owner, client):
    stored = upload(app, owner.id, pdf(), "plan.pdf")
    version_id = add_version(app, owner.id, stored)
    login(client, owner.email)
    assert client.get(f"/files/{'0' * 64}/{version_id}").status_code == 404
    assert client.get(f"/files/../{version_id}").status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(app, owner, client):
    stored = upload(app, owner.id, pdf(), "plan.pdf")
    version_id = add_version(app, owner.id, stored)
    response = client.get(f"/files/{stored.sha256}/{version_id}")
    assert response.headers["Location"].startswith("/login?next=")


def test_submission_viewers_can_download_and_unallocated_assessor_cannot(app, owner, client):
    stored = upload(app, owner.id, pdf(), "plan.pdf")
    version_id = add_version(app, owner.id, stored)
    with app.app_context():
        module = Module(
            family="CDP", code="CD401", title="Careers", level=4, credits=10, content_hash="0" * 64
        )
        db.session.add(module)
        db.session.flush()
        submission = Submission(
            candidate_id=owner.id,
            family="CDP",
            module_code="CD401",
            module_id=module.id,
            attempt=1,
            snapshot_hash="0" * 64,
        )
        submission.entries.append(
            SubmissionEntry(criterion_ref="1.1", version_id=version_id, content_hash="0" * 64)
        )
        db.session.add(submission)
        db.session.commit()
    leader = make_user(app, "leader@uni.example", name="Lee Leader", roles=(Role.COURSE_LEADER,))
    iqa = make_user(app, "iqa@uni.example", name="Ivy IQA", roles=(Role.IQA,))
    assessor = make_user(app, "assessor@uni.example", name="Al Assessor", roles=(Role.ASSESSOR,))
    url = f"/files/{stored.sha256}/{version_id}"
    login(client, leader.email)
    assert client.get(url).status_code == 200
    # An IQA reads only the submissions of cohorts they are IQA of; this one is of none.
    for person in (iqa, assessor):
        other = app.test_client()
        login(other, person.email)
        assert other.get(url).status_code == 404

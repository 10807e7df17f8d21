"""Uploads through the form: the file part is written once, straight into the store's temp folder and hashed
on the way (core.uploads, core.storage.Spool), then fsynced and renamed; nothing is copied a second time.
Disk full, over the limit and refused content leave nothing behind (no blob, no row, no temp file)."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat

import pytest
from sqlalchemy import func, select

from core.accounts.models import User
from core.extensions import db
from core.files import storage
from core.files.storage import FileStore, get_store
from portfolio.evidence.models import EvidenceItem
from portfolio.files.services import DISK_MESSAGE, sweep_unreferenced
from tests.support.crash import kill_when_it_says
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.evidence import post_file
from tests.support.html import page_text, signed_in_fixture
from tests.support.people import JO
from tests.support.uploads import (
    assert_nothing_kept,
    blob_rows,
    pdf,
    stored_blobs,
    temp_files,
)

demo = demo_fixture(load_study_demo)
jo = signed_in_fixture(JO)


def items(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(EvidenceItem))


def big_pdf(size: int, seed: int = 1) -> bytes:
    # Several parser reads long, with CR/LF and dashes scattered through it (boundary look-alikes).
    chunk = hashlib.sha256(str(seed).encode()).digest() + b"\r\n--\r\n-"
    body = (chunk * (size // len(chunk) + 1))[: size - 16]
    return pdf(body)


@pytest.mark.parametrize("file_first", [False, True])
def test_candidate_can_upload_a_large_file_that_is_written_once(jo, app, monkeypatch, file_first):
    def copied(*_args, **_kwargs):
        raise AssertionError("the upload was copied into the store a second time")

    monkeypatch.setattr(FileStore, "_put_stream", copied)
    data = big_pdf(3 << 20)
    added = post_file(jo, data, "slides.pdf", file_first=file_first)
    assert added.status_code == 302, page_text(added)
    digest = hashlib.sha256(data).hexdigest()
    assert stored_blobs(app) == [digest]
    path = get_store(app).path_for(digest)
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == storage.FILE_MODE
    assert temp_files(app) == []
    with app.app_context():
        assert db.session.scalars(select(EvidenceItem)).one().current.blob_sha256 == digest


def test_the_same_file_uploaded_twice_is_stored_once_and_leaves_no_temp_file(jo, app):
    data = big_pdf(600_000)
    assert post_file(jo, data, "slides.pdf").status_code == 302
    assert post_file(jo, data, "slides-again.pdf").status_code == 302
    assert stored_blobs(app) == [hashlib.sha256(data).hexdigest()]
    assert blob_rows(app) == 1
    assert items(app) == 2
    assert temp_files(app) == []


def test_disk_full_during_a_form_upload_gives_a_clear_error_and_keeps_nothing(jo, app, monkeypatch):
    def enospc(*_args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage.os, "write", enospc)
    refused = post_file(jo, big_pdf(1 << 20), "slides.pdf")
    monkeypatch.undo()
    assert refused.status_code == 422
    assert DISK_MESSAGE in page_text(refused)
    assert items(app) == 0
    assert_nothing_kept(app)
    assert post_file(jo, big_pdf(1 << 20), "slides.pdf").status_code == 302


def test_form_upload_over_the_limit_is_refused_and_keeps_nothing(jo, app):
    app.config["WAYMARK_MAX_UPLOAD_MB"] = 1
    refused = post_file(jo, b"%PDF-1.4\n" + b"x" * (1 << 20) + b"\n%%EOF\n", "slides.pdf")
    assert refused.status_code == 422
    assert "The file is larger than" in page_text(refused)
    assert items(app) == 0
    assert_nothing_kept(app)


def test_form_upload_with_refused_content_keeps_nothing(jo, app):
    refused = post_file(jo, b"<html><script>alert(1)</script></html>" * 20_000, "notes.txt")
    assert refused.status_code == 422
    assert items(app) == 0
    assert_nothing_kept(app)


# The spool itself -------------------------------------------------------------------------------------


def test_spool_reads_like_a_file_and_is_written_only_before_reading(app):
    store = get_store(app)
    spool = store.spool()
    spool.write(b"line one\n")
    spool.write(b"line two\n")
    assert spool.seek(0) == 0
    assert spool.readline() == b"line one\n"
    assert spool.read() == b"line two\n"
    with pytest.raises(io.UnsupportedOperation):
        spool.write(b"more")
    assert spool.hexdigest() == hashlib.sha256(b"line one\nline two\n").hexdigest()
    spool.close()
    assert temp_files(app) == []


def test_spool_stored_in_another_store_is_copied_and_closing_keeps_the_stored_blob(app, tmp_path):
    store = get_store(app)
    spool = store.spool()
    spool.write(b"field notes")
    spool.seek(0)
    other = FileStore(tmp_path / "elsewhere")
    copied = other.put_stream(spool, max_bytes=100)
    assert other.path_for(copied.sha256).read_bytes() == b"field notes"
    adopted = store.put_stream(spool, max_bytes=100)
    assert adopted == copied
    assert store.put_stream(spool, max_bytes=100) == adopted  # stored once, whatever asks again
    with pytest.raises(io.UnsupportedOperation):
        spool.write(b"x")  # the stored blob can never be written through the spool
    spool.close()
    assert store.path_for(adopted.sha256).read_bytes() == b"field notes"
    assert temp_files(app) == []


def test_spool_refuses_too_large_and_empty_and_keeps_its_temp_file_until_closed(app):
    store = get_store(app)
    spool = store.spool()
    spool.write(b"12345")
    with pytest.raises(storage.TooLarge):
        store.put_stream(spool, max_bytes=4)
    assert len(temp_files(app)) == 1
    spool.close()
    empty = store.spool()
    with pytest.raises(storage.EmptyFile):
        store.put_stream(empty, max_bytes=4)
    empty.close()
    assert temp_files(app) == []
    assert stored_blobs(app) == []


# F1: kill -9 while a form upload is being spooled or stored ----------------------------------------------

CHILD = """
import io, os, sys, time
from werkzeug.datastructures import FileStorage
from werkzeug.test import EnvironBuilder, encode_multipart
from core.app import create_app
from portfolio.files.services import accept_upload
from tests.support.crash import SlowReader

url, data_dir, candidate_id, payload, stop = sys.argv[1:6]

app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WAYMARK_DATA_DIR": data_dir})
with open(payload, "rb") as fh:
    content = fh.read()
part = FileStorage(io.BytesIO(content), "observation.pdf", content_type="application/pdf")
boundary, body = encode_multipart({"title": "Observation", "file": part})
stop_at = len(body) * 10 if stop == "stored" else int(len(body) * float(stop))
environ = EnvironBuilder(
    method="POST", data=body, content_type=f"multipart/form-data; boundary={boundary}",
).get_environ()
environ["wsgi.input"] = SlowReader(io.BytesIO(body), stop_at)  # the body arrives slowly and stops at `stop`
with app.request_context(environ):
    from flask import request
    accept_upload(int(candidate_id), request.files["file"].stream, "observation.pdf")
    print("STORED", flush=True)  # the blob is stored and its row flushed, but nothing is committed
    time.sleep(60)
"""


@pytest.mark.parametrize("stop", ["0.1", "0.5", "0.9", "stored"])
def test_kill_during_a_spooled_upload_leaves_no_partial_file_or_row_and_a_retry_makes_one(
    jo, app, tmp_path, stop
):
    payload = tmp_path / "observation.pdf"
    payload.write_bytes(pdf(os.urandom(3 << 20)))
    with app.app_context():
        candidate_id = db.session.scalar(select(User.id).where(User.email == JO))
    config = app.config
    args = [
        config["SQLALCHEMY_DATABASE_URI"],
        config["WAYMARK_DATA_DIR"],
        str(candidate_id),
        str(payload),
        stop,
    ]
    kill_when_it_says(CHILD, args, "STORED" if stop == "stored" else "AT")

    store = get_store(app)
    for sha256 in store.iter_blobs():  # nothing partial under a final name
        assert hashlib.sha256(store.path_for(sha256).read_bytes()).hexdigest() == sha256
    assert blob_rows(app) == 0
    assert len(temp_files(app)) == (0 if stop == "stored" else 1)

    assert post_file(jo, payload.read_bytes(), "observation.pdf").status_code == 302
    with app.app_context():
        sweep_unreferenced(grace_seconds=0)
    assert items(app) == 1
    assert blob_rows(app) == 1
    assert stored_blobs(app) == [hashlib.sha256(payload.read_bytes()).hexdigest()]
    assert temp_files(app) == []

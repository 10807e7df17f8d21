"""Files for the upload tests (valid and hostile), the upload service called directly, and what the store
keeps.
"""

from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.files.storage import get_store
from portfolio.evidence.models import Blob
from portfolio.files.services import UploadRefused, accept_upload


def pdf(body: bytes = b"1 0 obj << >> endobj") -> bytes:
    return b"%PDF-1.4\n" + body + b"\ntrailer << >>\n%%EOF\n"


def stored_blobs(app) -> list[str]:
    return list(get_store(app).iter_blobs())


def blob_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Blob))


def temp_files(app) -> list[str]:
    tmp = get_store(app).tmp_dir
    return sorted(os.listdir(tmp)) if tmp.exists() else []


def assert_nothing_kept(app) -> None:
    assert stored_blobs(app) == []
    assert blob_rows(app) == 0
    assert temp_files(app) == []


def upload(app, candidate_id: int, data: bytes, name: str, **kwargs):
    """Store the file through the upload service and commit; returns what it stored."""
    with app.app_context():
        stored = accept_upload(candidate_id, io.BytesIO(data), name, **kwargs)
        db.session.commit()
        return stored


def refusal(app, candidate_id: int, data: bytes, name: str, **kwargs) -> str:
    """The upload service refuses the file (and changes nothing); returns its message."""
    with app.app_context():
        with pytest.raises(UploadRefused) as info:
            accept_upload(candidate_id, io.BytesIO(data), name, **kwargs)
        db.session.rollback()
    assert info.value.errors == {"file": info.value.message}
    return info.value.message

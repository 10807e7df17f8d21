"""Evidence files: accepting an upload safely, the storage allowance, downloads, and sweeping blobs
nothing refers to any more.

An upload is streamed into the content-addressed store (core.storage) before anything touches the
database, so no lock is held while bytes arrive. The caller adds the row that refers to the blob and
commits; a crash before that commit leaves only a file no row names, which the sweep removes.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import BinaryIO

from flask import Response, current_app, send_file
from sqlalchemy import delete, exists, func, or_, select, union
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from core.db.timeutil import utcnow
from core.errors import ValidationFailed
from core.extensions import db
from core.files import storage
from core.files.downloads import clean_name, content_disposition, fit_name, human_size
from core.files.filetypes import ALLOWED_KINDS, EXTENSIONS, NameMismatch, Refused, extension_of, identify
from core.files.storage import EmptyFile, StorageError, StoredBlob, TooLarge, get_store
from modules.content.models import ActivityFile
from portfolio.apl.models import AplClaim
from portfolio.evidence.models import Blob, EvidenceItem, EvidenceVersion
from portfolio.permissions import can_view_submission, owns
from portfolio.submissions.models import Submission, SubmissionEntry
from qualification.cohorts.queries import cohort_roles

__all__ = [
    "ALLOWED_KINDS",
    "StoredFile",
    "UploadRefused",
    "accept_upload",
    "blob_quota_used",
    "can_download_version",
    "clean_file_name",
    "content_disposition",
    "download_response",
    "human_size",
    "referenced",
    "sweep_unreferenced",
]

DEFAULT_QUOTA_MB = 2048
DISK_MESSAGE = (
    "The file could not be stored: the server's disk may be full. Nothing was saved; try again later."
)
RETRY_MESSAGE = "The file could not be stored. Nothing was saved; please try again."


class UploadRefused(ValidationFailed):
    """An upload that was not accepted; the message is for the person, on the form's file field."""

    def __init__(self, message: str) -> None:
        super().__init__({"file": message})

    @property
    def message(self) -> str:
        """The message for the person who uploaded the file."""
        return self.errors["file"]


@dataclass(frozen=True)
class StoredFile:
    """An accepted upload: its blob's address and size, the kind its bytes show, its cleaned name."""

    sha256: str
    size: int
    kind: str
    name: str


def clean_file_name(raw: str | None) -> str:
    """The display name to keep (core.downloads.clean_name), refused on the form's file field."""
    try:
        return clean_name(raw)
    except Refused as exc:
        raise UploadRefused(exc.message) from exc


def accept_upload(
    candidate_id: int, stream: BinaryIO, filename: str, *, max_bytes: int | None = None
) -> StoredFile:
    """Store an upload for `candidate_id` once its name, size, content and the owner's allowance pass.

    Creates (or reuses) the Blob row and flushes; the caller adds the row that refers to it and commits.
    Call it before the request's other writes: on SQLite the first write takes the database lock, and
    the upload should not hold it while its bytes arrive.
    """
    name = clean_file_name(filename)
    if max_bytes is None:
        max_bytes = int(current_app.config["WAYMARK_MAX_UPLOAD_MB"]) << 20
    store = get_store(current_app)
    try:
        stored = store.put_stream(stream, max_bytes=max_bytes)
    except TooLarge as exc:
        raise UploadRefused(f"The file is larger than {human_size(max_bytes)}.") from exc
    except EmptyFile as exc:
        raise UploadRefused("The file is empty.") from exc
    except StorageError as exc:
        disk = exc.message == storage.DISK_ERROR_MESSAGE
        raise UploadRefused(DISK_MESSAGE if disk else exc.message) from exc
    path = store.path_for(stored.sha256)
    try:
        # Identical bytes may have been stored long ago; a fresh time keeps the sweep's grace period
        # from removing the file before the caller commits the row that refers to it.
        os.utime(path)
    except FileNotFoundError as exc:
        raise UploadRefused(RETRY_MESSAGE) from exc
    except OSError as exc:
        raise UploadRefused(DISK_MESSAGE) from exc

    extension = extension_of(name)
    try:
        kind = identify(path, extension)
    except NameMismatch as exc:
        # The bytes are acceptable, so another upload may be storing them under a fitting name at this
        # moment; deleting here could pull the file from under it. Unreferenced, the sweep removes it.
        raise UploadRefused(exc.message) from exc
    except Refused as exc:
        _discard(stored.sha256)
        raise UploadRefused(exc.message) from exc
    except OSError as exc:
        raise UploadRefused(RETRY_MESSAGE) from exc
    if not extension:
        name = fit_name(f"{name}.{EXTENSIONS[kind][0]}")

    _check_allowance(candidate_id, stored)
    _blob_row(stored, kind)
    return StoredFile(sha256=stored.sha256, size=stored.size, kind=kind, name=name)


def _discard(sha256: str) -> None:
    # Refused content is refused for everyone, so only an existing row (accepted under older limits)
    # can still need the file.
    if db.session.get(Blob, sha256) is None:
        get_store(current_app).delete(sha256)


def quota_bytes() -> int:
    """The per-candidate storage allowance (WAYMARK_QUOTA_MB, 2 GB by default)."""
    return int(current_app.config.get("WAYMARK_QUOTA_MB", DEFAULT_QUOTA_MB)) << 20


def _check_allowance(candidate_id: int, stored: StoredBlob) -> None:
    already = select(func.count()).select_from(_owner_blobs(candidate_id, only=stored.sha256).subquery())
    if db.session.scalar(already):
        return  # the owner already counts these bytes
    quota = quota_bytes()
    used = blob_quota_used(candidate_id)
    if used + stored.size > quota:
        raise UploadRefused(
            f"This would take you over your {human_size(quota)} storage allowance "
            f"(you use {human_size(used)})."
        )


def _owner_blobs(candidate_id: int, *, only: str | None = None):
    versions = (
        select(EvidenceVersion.blob_sha256.label("sha256"))
        .join(EvidenceItem, EvidenceItem.id == EvidenceVersion.item_id)
        .where(EvidenceItem.candidate_id == candidate_id, EvidenceVersion.blob_sha256.is_not(None))
    )
    claims = select(AplClaim.certificate_sha256.label("sha256")).where(
        AplClaim.candidate_id == candidate_id, AplClaim.certificate_sha256.is_not(None)
    )
    if only is not None:
        versions = versions.where(EvidenceVersion.blob_sha256 == only)
        claims = claims.where(AplClaim.certificate_sha256 == only)
    return union(versions, claims)


def _blob_row(stored: StoredBlob, kind: str) -> Blob:
    # FOR KEY SHARE (PostgreSQL): a sweep cannot delete the row between here and the caller's commit.
    found = db.session.execute(
        select(Blob).where(Blob.sha256 == stored.sha256).with_for_update(key_share=True)
    ).scalar_one_or_none()
    if found is not None:
        return found
    blob = Blob(sha256=stored.sha256, size=stored.size, detected_kind=kind)
    try:
        with db.session.begin_nested():
            db.session.add(blob)
    except IntegrityError:
        # The same bytes were uploaded at the same moment and that upload's row was committed first.
        found = db.session.get(Blob, stored.sha256)
        if found is None:
            raise
        return found
    return blob


def blob_quota_used(candidate_id: int) -> int:
    """Bytes of the distinct blobs the owner's evidence versions and APL certificates refer to."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(Blob.size), 0)).where(Blob.sha256.in_(_owner_blobs(candidate_id)))
    )
    return int(total or 0)


def _reference_exists(sha256_column):
    return or_(
        exists().where(EvidenceVersion.blob_sha256 == sha256_column),
        exists().where(AplClaim.certificate_sha256 == sha256_column),
        exists().where(ActivityFile.sha256 == sha256_column),
    )


def referenced(sha256: str) -> bool:
    """True while any evidence version, APL claim or activity file still refers to the blob."""
    return bool(db.session.scalar(select(_reference_exists(sha256))))


# Downloads --------------------------------------------------------------------------------------------


def can_download_version(user, version) -> bool:
    """Download a version's file: the item's owner, or anyone who may view a submission holding it.

    Every other way to reach a file (APL evidence, witness links, ...) is added here, once.
    """
    if not user.is_authenticated or version is None or version.blob_sha256 is None:
        return False
    return owns(user, version.item) or _in_viewable_submission(user, version)


def _in_viewable_submission(user, version) -> bool:
    submissions = db.session.scalars(
        select(Submission).where(Submission.entries.any(SubmissionEntry.version_id == version.id))
    )
    for submission in submissions:
        if can_view_submission(user, submission, cohort_roles(submission.cohort_id, submission.candidate_id)):
            return True
    return False


def download_response(sha256: str, file_name: str) -> Response:
    """The stored file as an attachment that no browser will render or sniff; 404 when it is missing."""
    store = get_store(current_app)
    try:
        path = store.path_for(sha256)
    except ValueError as exc:
        raise NotFound() from exc
    if not path.is_file():
        raise NotFound()
    # Always octet-stream: with nosniff and an attachment, nothing uploaded is ever shown inline.
    response = send_file(
        path, mimetype="application/octet-stream", as_attachment=True, download_name="file", etag=sha256
    )
    response.headers["Content-Disposition"] = content_disposition(file_name or "file")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Sweeping ---------------------------------------------------------------------------------------------


@dataclass
class SweepReport:
    """What a sweep removed: blob rows (with their files), files without a row, stale temp files."""

    rows: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    temp_files: int = 0

    @property
    def blobs(self) -> int:
        """Distinct blobs removed (row, file or both)."""
        return len(set(self.rows) | set(self.files))


def sweep(*, grace_seconds: int = 3600) -> SweepReport:
    """Remove blobs nothing refers to and that are older than the grace period; commits.

    Rows go first and are committed before any file is deleted, so a failure can never leave a row
    without its file. A file is removed only when no row names it and it was not touched within the
    grace period (accept_upload touches it), so an upload not yet committed keeps its file.
    """
    report = SweepReport()
    cutoff = utcnow() - timedelta(seconds=grace_seconds)
    candidates = db.session.scalars(
        select(Blob.sha256).where(Blob.created_at < cutoff, ~_reference_exists(Blob.sha256))
    ).all()
    for sha256 in candidates:
        try:
            with db.session.begin_nested():
                result = db.session.execute(
                    delete(Blob).where(Blob.sha256 == sha256, ~_reference_exists(Blob.sha256))
                )
        except IntegrityError:
            continue  # a reference was committed meanwhile: the blob is in use again
        if result.rowcount:
            report.rows.append(sha256)
    db.session.commit()

    store = get_store(current_app)
    cutoff_time = time.time() - grace_seconds
    batch: list[str] = []
    for sha256 in store.iter_blobs():
        batch.append(sha256)
        if len(batch) >= 500:
            report.files.extend(_sweep_files(store, batch, cutoff_time))
            batch = []
    report.files.extend(_sweep_files(store, batch, cutoff_time))
    db.session.rollback()  # end the read transaction
    report.temp_files = store.sweep_temp(older_than_seconds=grace_seconds)
    return report


def _sweep_files(store: storage.FileStore, batch: list[str], cutoff_time: float) -> list[str]:
    if not batch:
        return []
    with_rows = set(db.session.scalars(select(Blob.sha256).where(Blob.sha256.in_(batch))))
    # Files attached to module activities have no Blob row (modules cannot import portfolio): their own
    # rows keep them.
    with_rows |= set(db.session.scalars(select(ActivityFile.sha256).where(ActivityFile.sha256.in_(batch))))
    removed = []
    for sha256 in batch:
        if sha256 in with_rows:
            continue
        try:
            if store.path_for(sha256).stat().st_mtime >= cutoff_time:
                continue
        except FileNotFoundError:
            continue
        store.delete(sha256)
        removed.append(sha256)
    return removed


def sweep_unreferenced(*, grace_seconds: int = 3600) -> int:
    """Remove unreferenced blobs older than `grace_seconds` and stale temp files; returns blobs removed."""
    return sweep(grace_seconds=grace_seconds).blobs

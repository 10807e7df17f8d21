"""The candidate's whole portfolio as a zip: theirs to keep when the course ends (and a data-subject export).

The zip holds `index.html` (one page that opens offline from disk: no scripts, no outside assets),
`files/<sha256>-<name>` for every file their versions and claims refer to, and `portfolio.json`.
It is written to an anonymous temporary file, copying each file from the store in chunks, so memory does
not grow with the size of the portfolio.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import unicodedata
import zipfile
from datetime import date, datetime
from typing import IO

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.accounts.models import User
from core.db.timeutil import utcnow
from core.extensions import db
from core.files.storage import get_store
from portfolio.apl.services import claims_of
from portfolio.evidence.models import Blob, EvidenceItem, EvidenceVersion
from portfolio.submissions.models import Submission, SubmissionEntry

FORMAT = "waymark-portfolio/1"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def clean_name(name: str | None, fallback: str = "file") -> str:
    """A file name safe inside a zip and in a relative link: ASCII letters, digits, dot, dash, underscore."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("-", ascii_name).strip(".-_")[:100]
    return cleaned or fallback


def export_file_name(user_name: str, today: date) -> str:
    """The download's name: portfolio-<name>-<date>.zip."""
    return f"portfolio-{clean_name(user_name, 'candidate').lower()}-{today.isoformat()}.zip"


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _load(user_id: int):
    items = list(
        db.session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.candidate_id == user_id)
            .options(selectinload(EvidenceItem.versions), selectinload(EvidenceItem.mappings))
            .order_by(EvidenceItem.id)
        )
    )
    submissions = list(
        db.session.scalars(
            select(Submission)
            .where(Submission.candidate_id == user_id)
            .options(selectinload(Submission.entries).selectinload(SubmissionEntry.version))
            .order_by(Submission.family, Submission.module_code, Submission.attempt)
        )
    )
    return items, submissions, claims_of(user_id)


def _file_paths(items, claims) -> dict[str, str]:
    """sha256 -> path inside the zip, one per stored file (the first name it was seen under)."""
    paths: dict[str, str] = {}
    for item in items:
        for version in item.versions:
            if version.blob_sha256:
                paths.setdefault(
                    version.blob_sha256, f"files/{version.blob_sha256}-{clean_name(version.file_name)}"
                )
    for claim in claims:
        if claim.certificate_sha256:
            paths.setdefault(
                claim.certificate_sha256,
                f"files/{claim.certificate_sha256}-{clean_name(claim.certificate_file_name, 'certificate')}",
            )
    return paths


def _version_doc(version: EvidenceVersion, paths: dict[str, str]) -> dict:
    file_doc = None
    if version.blob_sha256:
        file_doc = {
            "sha256": version.blob_sha256,
            "name": version.file_name,
            "path": paths[version.blob_sha256],
        }
    return {
        "id": version.id,
        "number": version.number,
        "title": version.title,
        "activity_date": _iso(version.activity_date),
        "context_md": version.context_md,
        "body_md": version.body_md,
        "url": version.url,
        "file": file_doc,
        "content_hash": version.content_hash,
        "created_at": _iso(version.created_at),
    }


def portfolio_document(user: User, items, submissions, claims, paths: dict[str, str]) -> dict:
    """Everything in the portfolio as plain JSON-ready data (dates ISO 8601)."""
    return {
        "format": FORMAT,
        "exported_at": _iso(utcnow()),
        "candidate": {"name": user.name, "email": user.email},
        "items": [
            {
                "id": item.id,
                "kind": item.kind,
                "created_at": _iso(item.created_at),
                "anonymised_at": _iso(item.anonymised_at),
                "deleted_at": _iso(item.deleted_at),
                "current_version_id": item.current_version_id,
                "tags": [{"framework": t.framework, "tag": t.tag} for t in item.tags],
                "versions": [_version_doc(v, paths) for v in item.versions],
                "mappings": [
                    {
                        "family": m.family,
                        "module_code": m.module_code,
                        "criterion_ref": m.criterion_ref,
                        "note": m.note,
                        "created_at": _iso(m.created_at),
                    }
                    for m in item.mappings
                ],
            }
            for item in items
        ],
        "submissions": [
            {
                "id": s.id,
                "family": s.family,
                "module_code": s.module_code,
                "attempt": s.attempt,
                "status": s.status,
                "submitted_at": _iso(s.submitted_at),
                "snapshot_hash": s.snapshot_hash,
                "statement_md": s.statement_md,
                "entries": [
                    {
                        "criterion_ref": e.criterion_ref,
                        "item_id": e.version.item_id,
                        "version_id": e.version_id,
                        "version_number": e.version.number,
                        "content_hash": e.content_hash,
                        "note": e.note,
                    }
                    for e in s.entries
                ],
            }
            for s in submissions
        ],
        "apl_claims": [
            {
                "id": c.id,
                "family": c.family,
                "module_code": c.module_code,
                "scope": c.scope,
                "criteria_refs": c.refs,
                "credits": c.credits,
                "status": c.status,
                "awarding_body": c.awarding_body,
                "certificate_title": c.certificate_title,
                "certificate_level": c.certificate_level,
                "certificate_credits": c.certificate_credits,
                "awarded_on": _iso(c.awarded_on),
                "certificate_file": paths.get(c.certificate_sha256) if c.certificate_sha256 else None,
                "experience_md": c.experience_md,
                "own_part_md": c.own_part_md,
                "evidence_version_ids": [e.version_id for e in c.evidence],
                "created_at": _iso(c.created_at),
                "submitted_at": _iso(c.submitted_at),
            }
            for c in claims
        ],
    }


def _index_html(user: User, items, submissions, claims, paths: dict[str, str], missing: set[str]) -> str:
    versions = {v.id: v for item in items for v in item.versions}
    return render_template(
        "portfolio/export/export_index.html",
        user=user,
        items=[i for i in items if i.deleted_at is None],
        submissions=submissions,
        claims=claims,
        versions=versions,
        paths=paths,
        missing=missing,
        exported_on=utcnow().date(),
    )


def _copy_files(archive: zipfile.ZipFile, paths: dict[str, str]) -> set[str]:
    """Copy each file from the store into the zip in chunks; return the hashes that were not found."""
    store = get_store(current_app)
    sizes = dict(db.session.execute(select(Blob.sha256, Blob.size).where(Blob.sha256.in_(list(paths)))).all())
    missing: set[str] = set()
    for sha256, arcname in sorted(paths.items(), key=lambda p: p[1]):
        try:
            source = store.open(sha256)
        except (FileNotFoundError, ValueError):
            missing.add(sha256)
            continue
        info = zipfile.ZipInfo(arcname, date_time=utcnow().timetuple()[:6])
        # Most evidence (PDF, images, Office files, video) is compressed already: store it as it is.
        info.compress_type = zipfile.ZIP_STORED
        info.file_size = sizes.get(sha256, 0)
        big = sha256 not in sizes or info.file_size > zipfile.ZIP64_LIMIT
        with source, archive.open(info, "w", force_zip64=big) as target:
            shutil.copyfileobj(source, target, 1 << 20)
    return missing


def build_export(user_id: int) -> IO[bytes]:
    """The candidate's portfolio as a zip in an anonymous temporary file, positioned at its start."""
    user = db.session.get(User, user_id)
    items, submissions, claims = _load(user_id)
    paths = _file_paths(items, claims)
    # An anonymous file: the operating system removes it when it is closed, even after a crash.
    out = tempfile.TemporaryFile(prefix="waymark-export-", suffix=".zip")  # noqa: SIM115 - the caller closes it
    try:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            missing = _copy_files(archive, paths)
            document = portfolio_document(user, items, submissions, claims, paths)
            document["missing_files"] = sorted(missing)
            archive.writestr("portfolio.json", json.dumps(document, indent=2, ensure_ascii=False))
            archive.writestr("index.html", _index_html(user, items, submissions, claims, paths, missing))
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out

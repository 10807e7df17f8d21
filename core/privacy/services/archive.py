"""The subject-access archive: everything Waymark holds about a person, as JSON and readable HTML, with
their files; asked for by the person or by an administrator on their behalf, and audited either way."""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from pathlib import Path

from flask import current_app, render_template

from core.accounts.models import User
from core.accounts.permissions import can_manage_accounts
from core.audit.services import record
from core.db.timeutil import utcnow
from core.errors import require
from core.files.storage import get_store
from core.privacy.queries import Holdings, holdings_of

_UNSAFE = re.compile(r"[^\w.\- ]+")


def can_export(actor, person: User) -> bool:
    return actor.is_authenticated and (actor.id == person.id or can_manage_accounts(actor))


def _archive_name(name: str) -> str:
    """A file name safe inside a zip on any system (no folders, no control characters)."""
    return _UNSAFE.sub("_", name)[:180] or "file"


def subject_access_archive(person: User, *, actor) -> Path:
    """Write the person's archive to a temporary file and audit who asked; the caller sends and deletes it."""
    require(can_export(actor, person), "You can download only your own data.")
    holdings = holdings_of(person)
    handle = tempfile.NamedTemporaryFile(prefix="waymark-data-", suffix=".zip", delete=False)  # noqa: SIM115
    path = Path(handle.name)
    handle.close()
    try:
        _write(path, holdings)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    record(
        "privacy.subject_access",
        actor=actor,
        obj=person,
        details={
            "for": person.email,
            "on_behalf": actor.id != person.id,
            "rows": sum(len(rows) for _, rows in holdings.tables.values()),
            "files": len(holdings.files),
        },
    )
    return path


def _write(path: Path, holdings: Holdings) -> None:
    generated = utcnow().replace(microsecond=0)
    data = {
        "format": "waymark-subject-access/1",
        "generated_at": generated.isoformat(),
        "person": {"id": holdings.person.id, "email": holdings.person.email, "name": holdings.person.name},
        "records": {table: {"kind": kind, "rows": rows} for table, (kind, rows) in holdings.tables.items()},
        "files": [name for name, _ in holdings.files],
    }
    store = get_store(current_app)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, indent=1, ensure_ascii=False, default=str))
        archive.writestr(
            "index.html",
            render_template("core/privacy/archive.html", holdings=holdings, generated=generated),
        )
        for name, sha256 in holdings.files:
            folder, _, file_name = name.partition("/")
            if store.exists(sha256):
                with (
                    store.open(sha256) as source,
                    archive.open(f"files/{folder}/{_archive_name(file_name)}", "w") as target,
                ):
                    while chunk := source.read(1 << 20):
                        target.write(chunk)

"""Files course leaders attach to an activity: downloads for a lesson or resource, images a lesson shows.

The upload is streamed into the content-addressed store (core.storage) and its kind decided by its bytes
(core.filetypes), exactly as evidence uploads are; the same content is refused with the same messages.
The blob stays in the store when a file is removed: the portfolio's sweep removes it once nothing refers
to it.
"""

from __future__ import annotations

import os
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select

from core.errors import ValidationFailed
from core.extensions import db
from core.files.downloads import clean_name, fit_name
from core.files.filetypes import EXTENSIONS, NameMismatch, Refused, extension_of, identify
from core.files.storage import get_store
from core.files.uploads import put_upload
from modules.authoring.services.common import audit, begin
from modules.content.models import Activity, ActivityFile, ActivityKind

RETRY_MESSAGE = "The file could not be stored. Nothing was saved; please try again."
FILE_KINDS = (ActivityKind.LESSON, ActivityKind.RESOURCE)


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed({"file": message})


def attach_file(actor, activity: Activity, stream: BinaryIO, filename: str | None) -> ActivityFile:
    """Store an uploaded file and attach it to the activity once its name, size and content pass."""
    begin(actor)
    if activity.kind not in FILE_KINDS:
        raise _refused("Files can be attached to lessons and resources only.")
    try:
        name = clean_name(filename)
    except Refused as exc:
        raise _refused(exc.message) from exc
    store = get_store(current_app)
    try:
        stored = put_upload(store, stream, int(current_app.config["WAYMARK_MAX_UPLOAD_MB"]) << 20)
    except Refused as exc:
        raise _refused(exc.message) from exc
    path = store.path_for(stored.sha256)
    try:
        # Identical bytes may be old: a fresh time keeps the sweep's grace period from removing the file
        # before the request commits the row that refers to it.
        os.utime(path)
    except OSError as exc:
        raise _refused(RETRY_MESSAGE) from exc
    extension = extension_of(name)
    try:
        kind = identify(path, extension)
    except (NameMismatch, Refused) as exc:
        # The file is left to the sweep: another upload may be storing the same bytes at this moment.
        raise _refused(exc.message) from exc
    except OSError as exc:
        raise _refused(RETRY_MESSAGE) from exc
    if not extension:
        name = fit_name(f"{name}.{EXTENSIONS[kind][0]}")
    last = db.session.scalar(
        select(func.max(ActivityFile.position)).where(ActivityFile.activity_id == activity.id)
    )
    attached = ActivityFile(
        activity_id=activity.id,
        sha256=stored.sha256,
        size=stored.size,
        kind=kind,
        name=name,
        position=0 if last is None else last + 1,
    )
    db.session.add(attached)
    db.session.flush()
    section = activity.section
    after = {
        "activity_id": activity.id,
        "name": name,
        "kind": kind,
        "size": stored.size,
        "sha256": stored.sha256,
    }
    audit("activity_file_added", actor, section.family, section.module_code, attached, None, after)
    return attached


def remove_file(actor, activity_file: ActivityFile) -> None:
    """Detach a file from its activity; the stored bytes go with the next sweep if nothing else uses them."""
    begin(actor)
    section = activity_file.activity.section
    before = {
        "activity_id": activity_file.activity_id,
        "name": activity_file.name,
        "kind": activity_file.kind,
    }
    audit("activity_file_removed", actor, section.family, section.module_code, activity_file, before, None)
    db.session.delete(activity_file)
    db.session.flush()


def file_of(activity: Activity, file_id: int) -> ActivityFile | None:
    """One of the activity's files, or None."""
    found = db.session.get(ActivityFile, file_id)
    return found if found is not None and found.activity_id == activity.id else None

"""Reading the audit trail in words: who (name and role), what happened, about what (a label, not a table
and an id), and the entry's hash. The admin's audit page and the history pages (assessors/history) show
entries the same way, through `entry_of`.

Rows name their object by class and id ("Assessment 1"); only the areas can say what that is ("Decision on
M01 attempt 1 (Jo Patel)"), and core imports no area, so the areas register labellers in
`app.extensions["waymark_audit_labels"]`: `{object_type: {object_id, ...}}` ->
`{(object_type, object_id): label}`.
Core labels its own accounts; anything nobody labels is named by its kind in words and its id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from core.accounts.models import User
from core.audit.models import AuditEvent
from core.audit.services import action_words, details_of
from core.extensions import db
from core.web.formatting import role_label

# Details that name the evidence a row is about, in the order they are shown.
EVIDENCE_KEYS = ("evidence_hash", "snapshot_hash", "content_hash", "record_hash", "version_hash")
Key = tuple[str, str]


@dataclass(frozen=True)
class Entry:
    """One audit row in words."""

    seq: int
    occurred_at: datetime
    actor: str
    role: str
    action: str
    subject: str
    module_code: str
    row_hash: str
    evidence_hash: str


def entry_of(event: AuditEvent, subject: str, names: dict[int, str], module_code: str = "") -> Entry:
    """The row in words: the actor's name now (else the email it recorded), their role, the action, what it
    was about, and the hashes a reader can check with `flask audit verify`."""
    details = details_of(event)
    evidence = next((str(details[k]) for k in EVIDENCE_KEYS if details.get(k)), "")
    return Entry(
        seq=event.seq,
        occurred_at=event.occurred_at,
        actor=names.get(event.actor_id) or event.actor_label or "The system",
        role=role_label(event.actor_role) if event.actor_role else "",
        action=action_words(event.action),
        subject=subject,
        module_code=module_code,
        row_hash=event.row_hash,
        evidence_hash=evidence,
    )


def names_of(user_ids: Iterable[int | None]) -> dict[int, str]:
    """user id -> name, for the given ids (one query; none for no ids)."""
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def kind_in_words(object_type: str) -> str:
    """A class name in words: "ForumPost" -> "Forum post", "AplClaim" -> "APL claim"."""
    words = re.findall(r"[A-Z][a-z0-9]*", object_type) or [object_type]
    words = [w.upper() if w in ("Apl", "Iqa", "Vacs") else w.lower() for w in words]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def _accounts(ids: set[str]) -> dict[Key, str]:
    wanted = [int(i) for i in ids if i.isdigit()]
    if not wanted:
        return {}
    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(wanted)))
    return {("User", str(user_id)): f"Account: {name}" for user_id, name in rows}


def object_labels(events: Iterable[AuditEvent]) -> dict[Key, str]:
    """(object type, object id) -> a label in words, for each object the events name."""
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.object_type:
            wanted.setdefault(event.object_type, set()).add(event.object_id or "")
    labels = _accounts(wanted.get("User", set()))
    for labeller in current_app.extensions.get("waymark_audit_labels", []):
        labels.update(labeller(wanted))
    return {
        (kind, ident): labels.get((kind, ident)) or f"{kind_in_words(kind)} {ident}".strip()
        for kind, ids in wanted.items()
        for ident in ids
    }


def entries_of(events: list[AuditEvent]) -> list[Entry]:
    """A page of rows in words, each about its labelled object (a few queries, whatever the page size)."""
    labels = object_labels(events)
    names = names_of(e.actor_id for e in events)
    return [
        entry_of(e, labels.get((e.object_type, e.object_id or ""), "") if e.object_type else "", names)
        for e in events
    ]

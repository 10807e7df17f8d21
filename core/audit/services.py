"""Writing and verifying the audit chain."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app, g, has_request_context, request
from sqlalchemy import select, text

from core.audit.models import AuditCheckpoint, AuditEvent
from core.db.timeutil import utcnow
from core.extensions import db

GENESIS_HASH = "0" * 64
# Any constant will do: it names the one PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 775_533_001


# What a redacted row holds in place of its personal fields (anything else there is tampering).
REDACTED_DETAILS = '{"redacted": true}'


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "seq": event.seq,
        "occurred_at": _iso(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "request_id": event.request_id,
        "prev_hash": event.prev_hash,
    }
    if event.hash_version == 1:
        payload |= {
            "actor_label": event.actor_label,
            "ip_address": event.ip_address,
            "details": json.loads(event.details_json),
        }
    else:
        payload |= {"v": 2, "personal": personal_digest(event)}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def personal_digest(event: AuditEvent) -> str | None:
    """The salted digest of a version 2 row's personal fields, from the fields while it has its salt (so a
    change to them changes the row's hash), from the stored digest once redacted."""
    if event.personal_salt is None:
        return event.personal_digest
    personal = {
        "actor_label": event.actor_label,
        "ip_address": event.ip_address,
        "details": json.loads(event.details_json),
    }
    canonical = json.dumps(personal, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((event.personal_salt + canonical).encode()).hexdigest()


def _iso(moment: datetime) -> str:
    # Microseconds are dropped: not every database keeps them, and the hash must survive a round trip.
    return moment.replace(microsecond=0).isoformat()


def compute_hash(event: AuditEvent) -> str:
    """The SHA-256 of an event's canonical form, which includes the previous row's hash."""
    return hashlib.sha256(_canonical(event)).hexdigest()


def record(
    action: str,
    *,
    actor=None,
    actor_role: str | None = None,
    obj: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    details: dict | None = None,
) -> AuditEvent:
    """Append one audit row in the caller's transaction (flushed, never committed)."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # Appends must be serial or two rows would claim the same predecessor. SQLite writes are already
        # serial (BEGIN IMMEDIATE); PostgreSQL takes a transaction-scoped advisory lock.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.row_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = getattr(obj, "id", object_id)
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        occurred_at=utcnow().replace(microsecond=0),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None),
        actor_role=actor_role,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        request_id=g.get("request_id") if has_request_context() else None,
        ip_address=request.remote_addr if has_request_context() else None,
        details_json=json.dumps(details or {}, sort_keys=True, default=str, ensure_ascii=False),
        prev_hash=last.row_hash if last else GENESIS_HASH,
        hash_version=2,
        personal_salt=secrets.token_hex(16),
    )
    event.personal_digest = personal_digest(event)
    event.row_hash = compute_hash(event)
    session.add(event)
    session.flush()
    return event


@dataclass
class ChainProblem:
    seq: int
    message: str


def verify_chain(batch_size: int = 2000) -> tuple[int, list[ChainProblem]]:
    """Recompute every row's hash and link; return the number of rows checked and the problems found."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch_size)
        ).all()
        if not rows:
            break
        for event in rows:
            checked += 1
            if event.seq != expected_seq:
                problems.append(ChainProblem(event.seq, f"expected row {expected_seq}: rows are missing"))
            if event.prev_hash != expected_prev:
                problems.append(ChainProblem(event.seq, "does not link to the row before it"))
            if compute_hash(event) != event.row_hash:
                problems.append(ChainProblem(event.seq, "its contents do not match its hash (altered)"))
            elif event.hash_version != 1 and event.personal_salt is None and not _properly_redacted(event):
                problems.append(ChainProblem(event.seq, "marked redacted but still holds personal fields"))
            expected_prev = event.row_hash
            expected_seq = event.seq + 1
            last_seq = event.seq
        db.session.expunge_all()
    return checked, problems


def _properly_redacted(event: AuditEvent) -> bool:
    return (
        event.redacted_at is not None
        and event.actor_label is None
        and event.ip_address is None
        and event.details_json == REDACTED_DETAILS
    )


def redact(events: list[AuditEvent]) -> tuple[int, int]:
    """Remove the personal fields of these rows, keeping the chain verifiable; (redacted, kept) where kept
    counts version 1 rows, whose hash covers those fields directly (they stay as they are)."""
    redacted = kept = 0
    now = utcnow()
    for event in events:
        if event.hash_version == 1:
            kept += 1
            continue
        if event.personal_salt is None:
            continue
        event.personal_digest = personal_digest(event)
        event.personal_salt = None
        event.actor_label = None
        event.ip_address = None
        event.details_json = REDACTED_DETAILS
        event.redacted_at = now
        redacted += 1
    db.session.flush()
    return redacted, kept


ACRONYMS = {"iqa": "IQA", "apl": "APL", "vacs": "VACS", "sso": "SSO"}


def action_words(action: str) -> str:
    """An action key in words: "iqa_reviewed" -> "IQA reviewed"."""
    words = [ACRONYMS.get(w, w) for w in action.split("_")]
    first = words[0]
    return " ".join([first if first.isupper() else first.capitalize(), *words[1:]])


def details_of(event: AuditEvent) -> dict:
    """The event's details as a dict."""
    return json.loads(event.details_json)


# Checkpoints ------------------------------------------------------------------------------------------------
# A chain cut short at its end still links from row 1 to its last row, so the chain alone cannot tell. A
# checkpoint remembers how long it was and the hash of its head; kept in the database and in a file outside
# it (WAYMARK_AUDIT_ANCHORS, by default <WAYMARK_DATA_DIR>/audit-anchors.jsonl, which an operator may put on
# append-only or remote storage), and the head is also in every backup's manifest.


@dataclass(frozen=True)
class Anchor:
    taken_at: str
    last_seq: int
    head_hash: str
    where: str  # "checkpoint table" or the file's path


def anchors_file() -> Path:
    configured = current_app.config.get("WAYMARK_AUDIT_ANCHORS")
    return (
        Path(configured)
        if configured
        else Path(current_app.config["WAYMARK_DATA_DIR"]) / "audit-anchors.jsonl"
    )


def take_checkpoint() -> AuditCheckpoint:
    """Record the chain's head now, in the table (caller's transaction) and appended to the anchors file.
    No audit row: the checkpoint is about the trail, and a row for it would move the head it records."""
    last = db.session.execute(
        select(AuditEvent.seq, AuditEvent.row_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    checkpoint = AuditCheckpoint(
        taken_at=utcnow().replace(microsecond=0),
        last_seq=last.seq if last else 0,
        head_hash=last.row_hash if last else GENESIS_HASH,
    )
    db.session.add(checkpoint)
    db.session.flush()
    path = anchors_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "taken_at": _iso(checkpoint.taken_at),
        "last_seq": checkpoint.last_seq,
        "head_hash": checkpoint.head_hash,
    }
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, sort_keys=True) + "\n")
    return checkpoint


def anchors() -> list[Anchor]:
    """Every checkpoint known: the table's rows and the anchors file's lines (a damaged line is skipped)."""
    found = [
        Anchor(_iso(c.taken_at), c.last_seq, c.head_hash, "checkpoint table")
        for c in db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
    ]
    path = anchors_file()
    if path.exists():
        for raw in path.read_text(encoding="utf-8").splitlines():
            try:
                line = json.loads(raw)
                found.append(Anchor(line["taken_at"], int(line["last_seq"]), line["head_hash"], str(path)))
            except (ValueError, KeyError, TypeError):
                continue
    return found


def anchor_problems(found: list[Anchor] | None = None) -> list[ChainProblem]:
    """Where the chain disagrees with a checkpoint: shorter than it was, or a different row at its head."""
    found = anchors() if found is None else found
    if not found:
        return []
    hashes = dict(
        db.session.execute(
            select(AuditEvent.seq, AuditEvent.row_hash).where(AuditEvent.seq.in_({a.last_seq for a in found}))
        ).all()
    )
    last_seq = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0
    problems = []
    longest = max(found, key=lambda a: a.last_seq)
    if last_seq < longest.last_seq:
        problems.append(
            ChainProblem(
                last_seq,
                f"the chain ends at row {last_seq}, shorter than its checkpoint of {longest.taken_at} "
                f"({longest.last_seq} rows, in the {longest.where}): rows were removed from its end",
            )
        )
    for anchor in found:
        have = hashes.get(anchor.last_seq)
        if anchor.last_seq and have is not None and have != anchor.head_hash:
            problems.append(
                ChainProblem(
                    anchor.last_seq,
                    f"differs from the checkpoint of {anchor.taken_at} ({anchor.where}): replaced or altered",
                )
            )
    return problems

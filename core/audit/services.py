"""Writing and verifying the audit chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import select, text

from core.audit.models import AuditEvent
from core.db.timeutil import utcnow
from core.extensions import db

GENESIS_HASH = "0" * 64
# Any constant will do: it names the one PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 775_533_001


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "seq": event.seq,
        "occurred_at": _iso(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "request_id": event.request_id,
        "ip_address": event.ip_address,
        "details": json.loads(event.details_json),
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


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
    )
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
            expected_prev = event.row_hash
            expected_seq = event.seq + 1
            last_seq = event.seq
        db.session.expunge_all()
    return checked, problems


def details_of(event: AuditEvent) -> dict:
    """The event's details as a dict."""
    return json.loads(event.details_json)

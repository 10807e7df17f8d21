"""Audit rows: who did what to which object, when, in which request; each row hashes the one before."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # seq is the chain position, allocated under a lock; ids may have gaps after a rollback, seq may not.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The actor's email at the time, so the trail stays readable if the account changes.
    actor_label: Mapped[str | None] = mapped_column(String(254))
    actor_role: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    details_json: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))
    # Version 2 rows hash their personal fields (actor_label, ip_address, details) through a salted digest, so
    # retention and erasure can remove those fields (and the salt) and the chain still verifies; version 1
    # rows, written before, hash them directly and cannot be redacted without breaking the chain.
    hash_version: Mapped[int] = mapped_column(Integer, default=2, server_default="1")
    personal_salt: Mapped[str | None] = mapped_column(String(32))
    personal_digest: Mapped[str | None] = mapped_column(String(64))
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditCheckpoint(db.Model):
    """The chain's head at a moment: how many rows it had and the last row's hash. Written by a scheduled
    `flask audit checkpoint` (and at every backup) to this table and to a file outside the database, so that
    rows cut from the end of the chain, which leave what remains internally consistent, are still noticed."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))

"""Queued email."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.statemachine import HasStatus, Transitions, status_check, status_column
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db


class MailStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


# Retries keep a message queued; it fails only when the attempts run out. Sent and failed are final.
MAIL_MOVES = Transitions.graph(
    MailStatus, {MailStatus.QUEUED: (MailStatus.SENT, MailStatus.FAILED)}, noun="This message"
)


class OutboxMessage(HasStatus, db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        status_check(MailStatus),
        Index("ix_outbox_messages_status_id", "status", "id"),
    )

    TRANSITIONS = MAIL_MOVES

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    # The same message as simple HTML, sent beside the text as multipart/alternative (None: text only).
    body_html: Mapped[str | None] = mapped_column(Text)
    # The token of the message's one secret link while it waits to be sent (core.mail.rules.SECRET stands in
    # for it in the text); cleared once the message is sent or given up, so the row never keeps a live link.
    secret: Mapped[str | None] = mapped_column(Text)
    # What the message is about, for the admin's outbox view (e.g. "invitation", "password_reset").
    category: Mapped[str] = mapped_column(String(40), default="general")
    status: Mapped[MailStatus] = status_column(MailStatus, 10, default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a sender may next take the message: after a failure's backoff, or once a claim's lease is over.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

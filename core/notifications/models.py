"""Notifications and each person's delivery preferences."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # What it is about, e.g. "forum_reply", "session_reminder", "feedback_released".
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    # What it concerns, in words, when that is a cohort: its name and what it studies (emails name them).
    about: Mapped[str] = mapped_column(String(400), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it went out by email (on its own or in a digest); None while waiting or when email is off.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(db.Model):
    """How a person wants to hear about things. No row means the defaults."""

    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint("delivery IN ('immediate', 'digest', 'off')", name="delivery_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    delivery: Mapped[str] = mapped_column(String(10), default="immediate")
    # UK local clock times; no email is sent between them (e.g. 21:00 to 07:00). Equal means none.
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    digest_hour: Mapped[int] = mapped_column(Integer, default=17)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

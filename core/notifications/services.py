"""Notifying people: an in-app row always; email now, in the daily digest, or never, as they chose."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select, update

from core.accounts.models import User
from core.db.timeutil import UK, utcnow
from core.errors import ValidationFailed
from core.extensions import db
from core.mail.services import queue_template_mail
from core.notifications.models import Notification, NotificationPreference
from core.web.urls import absolute_url
from core.web.words import plural

DELIVERIES = ("immediate", "digest", "off")
BODY_IN_EMAIL = 500  # characters of a notification's text in an email; the link leads to the rest


def preference_of(user_id: int) -> NotificationPreference:
    """The person's preferences (defaults when they never chose: email at once, no quiet hours)."""
    pref = db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user_id))
    return pref or NotificationPreference(user_id=user_id, delivery="immediate", digest_hour=17)


def next_allowed(moment: datetime, pref: NotificationPreference) -> datetime:
    """The first moment at or after `moment` outside the person's quiet hours (UK clock)."""
    start, end = pref.quiet_start, pref.quiet_end
    if start is None or end is None or start == end:
        return moment
    local = moment.astimezone(UK)
    clock = local.time()
    quiet = (start <= clock < end) if start < end else (clock >= start or clock < end)
    if not quiet:
        return moment
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=UK).astimezone(moment.tzinfo)


def notify(
    user_id: int,
    *,
    kind: str,
    title: str,
    body: str = "",
    link_endpoint: str | None = None,
    about: str = "",
    **values,
) -> Notification:
    """Tell someone about something, in the app and by email as they prefer.

    `about` names what it concerns when that is a cohort (its name and qualification, in words); the
    remaining keywords build the link.
    """
    link = absolute_url(link_endpoint, **values) if link_endpoint else ""
    note = Notification(
        user_id=user_id, kind=kind, title=title[:200], body=body, link=link, about=about[:400]
    )
    db.session.add(note)
    db.session.flush()
    pref = preference_of(user_id)
    if pref.delivery == "immediate":
        user = db.session.get(User, user_id)
        if user is not None and user.is_active:
            message = _queue_notes(user, title[:255], [note], category=f"notification:{kind}")
            # Quiet hours: the message waits in the outbox until they end.
            message.next_attempt_at = next_allowed(utcnow(), pref)
            note.emailed_at = message.next_attempt_at
    db.session.flush()
    return note


def _queue_notes(user: User, subject: str, notes: list[Notification], *, category: str):
    """One email (text and HTML) telling the person about these notifications."""
    return queue_template_mail(
        user.email,
        subject,
        "core/notifications/mail/notifications",
        category=category,
        user=user,
        notes=notes,
        body_limit=BODY_IN_EMAIL,
        list_url=absolute_url("core.notifications.list_notifications"),
        preferences_url=absolute_url("core.notifications.preferences"),
    )


def send_digests(now: datetime | None = None) -> int:
    """Email each digest reader their new notifications once a day, at their hour; return how many emails."""
    now = now or utcnow()
    local = now.astimezone(UK)
    sent = 0
    prefs = db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.delivery == "digest")
    )
    for pref in prefs:
        if local.hour < pref.digest_hour:
            continue
        if pref.last_digest_at and pref.last_digest_at.astimezone(UK).date() == local.date():
            continue
        notes = list(
            db.session.scalars(
                select(Notification)
                .where(Notification.user_id == pref.user_id, Notification.emailed_at.is_(None))
                .order_by(Notification.id)
                .limit(50)
            )
        )
        pref.last_digest_at = now
        user = db.session.get(User, pref.user_id)
        if not notes or user is None or not user.is_active:
            continue
        subject = f"Your Waymark digest: {plural(len(notes), 'update')}"
        message = _queue_notes(user, subject, notes, category="digest")
        message.next_attempt_at = next_allowed(now, pref)
        for note in notes:
            note.emailed_at = now
        sent += 1
    db.session.flush()
    return sent


def mark_read(user, note_ids: list[int] | None = None) -> int:
    """Mark some (or all) of the person's notifications as read; return how many changed."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if note_ids is not None:
        query = query.where(Notification.id.in_(note_ids))
    return db.session.execute(query.values(read_at=utcnow())).rowcount or 0


def save_preferences(
    user, *, delivery: str, quiet_start: time | None, quiet_end: time | None, digest_hour: int
) -> None:
    """Store how the person wants to be told about things."""
    errors = {}
    if delivery not in DELIVERIES:
        errors["delivery"] = "Choose how you want to hear about things."
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end"] = "Give both the start and the end of your quiet hours, or neither."
    if not 0 <= digest_hour <= 23:
        errors["digest_hour"] = "Choose an hour from 0 to 23."
    if errors:
        raise ValidationFailed(errors)
    pref = db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    if pref is None:
        pref = NotificationPreference(user_id=user.id)
        db.session.add(pref)
    pref.delivery = delivery
    pref.quiet_start, pref.quiet_end = quiet_start, quiet_end
    pref.digest_hour = digest_hour
    db.session.flush()

"""Queue mail inside the caller's transaction; deliver it later, outside any request."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from core.db.timeutil import utcnow
from core.extensions import db
from core.mail.models import MailStatus, OutboxMessage

log = logging.getLogger("waymark.mail")
MAX_ATTEMPTS = 8


def queue_mail(
    to: str, subject: str, body: str, *, category: str = "general", html: str | None = None
) -> OutboxMessage:
    """Add a message to the outbox; it is sent only if the surrounding transaction commits."""
    message = OutboxMessage(to_address=to, subject=subject, body_text=body, body_html=html, category=category)
    db.session.add(message)
    db.session.flush()
    return message


def render_mail(template: str, **context) -> tuple[str, str]:
    """The plain text and the HTML of an email, from its pair of templates `<template>.txt` and `.html`.

    Rendered by the Jinja environment directly rather than `render_template`: the page's context
    processors would put the *sender's* request into a message meant for someone else (current_user, the
    theme cookie), and mail is also written outside any request (`flask mail digest`).
    """
    env = current_app.jinja_env
    text = env.get_template(f"{template}.txt").render(**context)
    # Jinja drops the template's last line end; a text message ends with one.
    return text.rstrip("\n") + "\n", env.get_template(f"{template}.html").render(**context)


def queue_template_mail(
    to: str, subject: str, template: str, *, category: str = "general", **context
) -> OutboxMessage:
    """Queue an email written by a pair of templates (text and HTML); `subject` is theirs to show too."""
    text, html = render_mail(template, subject=subject, **context)
    return queue_mail(to, subject, text, category=category, html=html)


def _deliver_smtp(message: OutboxMessage) -> None:
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body_text)
    if message.body_html:
        # multipart/alternative: the reader's mail program shows the HTML, or the text where it cannot.
        email.add_alternative(message.body_html, subtype="html")
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"]) as smtp:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls()
        if cfg["SMTP_USERNAME"]:
            smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
        smtp.send_message(email)


def _deliver_log(message: OutboxMessage) -> None:
    log.info("mail to %s: %s\n%s", message.to_address, message.subject, message.body_text)


def _deliverer() -> Callable[[OutboxMessage], None]:
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "smtp":
        return _deliver_smtp
    if backend == "log":
        return _deliver_log
    raise RuntimeError(f"unknown MAIL_BACKEND {backend!r} (use 'log' or 'smtp')")


def _claim_next(now) -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == MailStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Several senders (one per app server) may run at once: each takes a different row.
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def send_pending(limit: int = 100) -> tuple[int, int]:
    """Deliver queued messages one at a time, committing after each; return (sent, failed).

    Committing per message means a sender killed midway never sends a delivered message twice,
    and holds a row lock only while that one message is in flight.
    """
    deliver = _deliverer()
    sent = failed = 0
    now = utcnow()
    for _ in range(limit):
        message = _claim_next(now)
        if message is None:
            break
        message.attempts += 1
        try:
            deliver(message)
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = str(exc)[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.move_to(MailStatus.FAILED)
            else:
                # Back off: 1, 2, 4 ... minutes, so a dead SMTP server is not hammered.
                message.next_attempt_at = utcnow() + timedelta(minutes=2 ** (message.attempts - 1))
            failed += 1
        else:
            message.move_to(MailStatus.SENT)
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
        db.session.commit()
    return sent, failed

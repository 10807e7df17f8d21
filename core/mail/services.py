"""Queue mail inside the caller's transaction; deliver it later, outside any request."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from core.db.timeutil import utcnow
from core.extensions import db
from core.mail.models import MailStatus, OutboxMessage
from core.mail.rules import LEASE, MAX_ATTEMPTS, SECRET, message_backoff, pass_backoff, with_secret

log = logging.getLogger("waymark.mail")


def queue_mail(
    to: str,
    subject: str,
    body: str,
    *,
    category: str = "general",
    html: str | None = None,
    secret: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox; it is sent only if the surrounding transaction commits.

    `secret` is the token of the message's one secret link, which the text carries as SECRET (see
    core.mail.rules): it is kept apart and joined to the text only as the message is sent.
    """
    if secret is not None:
        # A writer that put the token itself into the text would defeat keeping it apart: refuse loudly.
        parts = (body, html) if html is not None else (body,)
        if any(SECRET not in part or secret in part for part in parts):
            raise ValueError("a message with a secret carries SECRET in its text, never the secret itself")
    message = OutboxMessage(
        to_address=to, subject=subject, body_text=body, body_html=html, category=category, secret=secret
    )
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
    to: str, subject: str, template: str, *, category: str = "general", secret: str | None = None, **context
) -> OutboxMessage:
    """Queue an email written by a pair of templates (text and HTML); `subject` is theirs to show too.

    With `secret`, the context's link is built with core.mail.rules.SECRET in place of the token.
    """
    text, html = render_mail(template, subject=subject, **context)
    return queue_mail(to, subject, text, category=category, html=html, secret=secret)


@dataclass(frozen=True)
class Outgoing:
    """A message as it is emailed, secret joined: a plain value, so delivering it never reads the database."""

    id: int
    to: str
    subject: str
    text: str
    html: str | None


def as_sent(message: OutboxMessage) -> Outgoing:
    """The message as its recipient receives it."""
    return Outgoing(
        id=message.id,
        to=message.to_address,
        subject=message.subject,
        text=with_secret(message.body_text, message.secret),
        html=with_secret(message.body_html, message.secret),
    )


def _deliver_smtp(message: Outgoing) -> None:
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_FROM"]
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(message.text)
    if message.html:
        # multipart/alternative: the reader's mail program shows the HTML, or the text where it cannot.
        email.add_alternative(message.html, subtype="html")
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"]) as smtp:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls()
        if cfg["SMTP_USERNAME"]:
            smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
        smtp.send_message(email)


def _deliver_log(message: Outgoing) -> None:
    log.info("mail to %s: %s\n%s", message.to, message.subject, message.text)


def _deliverer() -> Callable[[Outgoing], None]:
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "smtp":
        return _deliver_smtp
    if backend == "log":
        return _deliver_log
    raise RuntimeError(f"unknown MAIL_BACKEND {backend!r} (use 'log' or 'smtp')")


def _claim_next(now: datetime) -> OutboxMessage | None:
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


def _give_up(message: OutboxMessage, error: str) -> None:
    message.move_to(MailStatus.FAILED)
    message.last_error = error[:2000]
    message.secret = None  # nobody will receive the link now


class Sender:
    """Delivers the outbox one message at a time, each claimed, sent and recorded in its own steps.

    Claiming commits before anything is sent: on SQLite no write lock is held while the mail server answers,
    and the claim's lease keeps a second sender away from the message. A message that went out but could not
    be recorded (the database locked at that moment) is remembered here and recorded first on the next pass,
    before its lease ends, so it is not sent twice.
    """

    def __init__(self, deliver: Callable[[Outgoing], None] | None = None) -> None:
        self.deliver = deliver or _deliverer()
        self.unrecorded: dict[int, datetime] = {}

    def send_pass(self, limit: int = 100) -> tuple[int, int]:
        """Deliver up to `limit` due messages; return (sent, failed). Database errors propagate."""
        self._record_unrecorded()
        sent = failed = 0
        for _ in range(limit):
            outgoing = self._claim(utcnow())
            if outgoing is None:
                break
            try:
                self.deliver(outgoing)
            except Exception as exc:  # whatever the backend raised, the message is retried later
                log.warning("mail %s to %s not delivered: %s", outgoing.id, outgoing.to, exc)
                self._record_failure(outgoing.id, f"{type(exc).__name__}: {exc}")
                failed += 1
                continue
            self.unrecorded[outgoing.id] = utcnow()
            sent += 1
            self._record_unrecorded()
        return sent, failed

    def _claim(self, now: datetime) -> Outgoing | None:
        while (message := _claim_next(now)) is not None:
            if message.attempts < MAX_ATTEMPTS:
                break
            # Every try so far ended without an answer (each sender died mid-send): stop trying.
            _give_up(message, message.last_error or "no answer after the last attempt")
            db.session.commit()
        if message is None:
            db.session.rollback()  # ends the read (and, on SQLite, the write lock BEGIN IMMEDIATE took)
            return None
        message.attempts += 1
        message.next_attempt_at = now + LEASE
        outgoing = as_sent(message)
        db.session.commit()
        return outgoing

    def _record_failure(self, message_id: int, error: str) -> None:
        message = db.session.get(OutboxMessage, message_id)
        if message is None or message.status != MailStatus.QUEUED:
            db.session.rollback()
            return
        if message.attempts >= MAX_ATTEMPTS:
            _give_up(message, error)
        else:
            # Back off: 1, 2, 4 ... minutes, so a dead SMTP server is not hammered.
            message.last_error = error[:2000]
            message.next_attempt_at = utcnow() + message_backoff(message.attempts)
        db.session.commit()

    def _record_unrecorded(self) -> None:
        for message_id, sent_at in list(self.unrecorded.items()):
            message = db.session.get(OutboxMessage, message_id)
            if message is not None and message.status == MailStatus.QUEUED:
                message.move_to(MailStatus.SENT)
                message.sent_at = sent_at
                message.last_error = None
                message.secret = None  # sent: the row keeps no live link
            db.session.commit()
            del self.unrecorded[message_id]


def send_pending(limit: int = 100) -> tuple[int, int]:
    """One pass of a fresh sender: deliver up to `limit` due messages; return (sent, failed)."""
    return Sender().send_pass(limit)


def run_sender(
    *,
    interval: float = 10.0,
    passes: int | None = None,
    give_up_after: int | None = None,
    sleep: Callable[[float], None] | None = None,
    report: Callable[[int, int], None] | None = None,
) -> bool:
    """Send mail pass after pass, surviving any error: a failed pass is rolled back, logged and tried again
    after a growing wait (core.mail.rules.pass_backoff); a good pass is followed by `interval` seconds.

    `passes`: stop after this many good passes (None: never); `give_up_after`: stop after this many failed
    passes in a row (None: never). Returns whether the last pass was good. `sleep` and `report` are the
    clock and the output (time.sleep and nothing by default).
    """
    sleep = sleep or time.sleep
    sender = Sender()
    good = failures = 0
    while passes is None or good < passes:
        try:
            sent, failed = sender.send_pass()
        except Exception:
            failures += 1
            with contextlib.suppress(Exception):  # a dead connection may refuse even the rollback
                db.session.rollback()
            db.session.remove()
            wait = pass_backoff(failures)
            log.exception("mail pass failed (%d in a row); trying again in %.0f s", failures, wait)
            if give_up_after is not None and failures >= give_up_after:
                return False
            sleep(wait)
            continue
        failures = 0
        good += 1
        if report:
            report(sent, failed)
        db.session.remove()
        if passes is None or good < passes:
            sleep(interval)
    return True

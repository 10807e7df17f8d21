"""Issue 15: the mail sender survives a locked database and a failing mail server, sends every message once,
and the outbox keeps no live reset, invitation or witness link."""

from __future__ import annotations

import re
import smtplib
import time
from datetime import timedelta
from email import message_from_bytes

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import OperationalError

from core.db.timeutil import utcnow
from core.extensions import db
from core.mail import services as mail_services
from core.mail.models import MailStatus, OutboxMessage
from core.mail.rules import SECRET, shown
from tests.support.html import form_post, login, page_text
from tests.support.mail import FakeSMTP

RESET_LINK = re.compile(r"http://waymark\.test(/reset-password/([A-Za-z0-9_-]+))")
NEW_PASSWORD = "violet harbour tractor cinnamon"


class Stop(BaseException):
    """Ends a `--loop` run from inside its sleep: not an Exception, so the sender cannot swallow it."""


@pytest.fixture
def smtp(app, monkeypatch):
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=25, SMTP_STARTTLS=False)
    FakeSMTP.received, FakeSMTP.failures = [], []
    monkeypatch.setattr(mail_services.smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


def texts(smtp) -> list[str]:
    """The plain-text part of every email the mail server received."""
    found = []
    for raw in smtp.received:
        parsed = message_from_bytes(raw)
        part = next(p for p in parsed.walk() if p.get_content_type() == "text/plain")
        found.append(part.get_payload(decode=True).decode())
    return found


@pytest.fixture
def sleeps(monkeypatch):
    """The sender's waits, recorded instead of slept; the sixth ends the run."""
    waited: list[float] = []

    def sleep(seconds):
        waited.append(seconds)
        if len(waited) >= 6:
            raise Stop

    monkeypatch.setattr(time, "sleep", sleep)
    return waited


@pytest.fixture
def locked(app):
    """Make statements fail as SQLite does when another writer holds the lock past the busy timeout:
    `locked.when(pattern, times)` fails the next `times` statements matching `pattern`."""

    class Lock:
        pattern = re.compile("^$")
        left = 0

        def when(self, pattern: str, times: int) -> None:
            self.pattern, self.left = re.compile(pattern, re.IGNORECASE | re.DOTALL), times

    lock = Lock()

    def before(_conn, _cursor, statement, parameters, _context, _many):
        if lock.left and lock.pattern.search(statement):
            lock.left -= 1
            raise OperationalError(statement, parameters, Exception("database is locked"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    yield lock
    event.remove(engine, "before_cursor_execute", before)


def ask_for_reset(client, email) -> None:
    assert form_post(client, "/forgot-password", {"email": email}).status_code == 302


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        messages = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return messages


def make_due(app) -> None:
    """Time passes: every queued message's wait (back-off or lease) is over."""
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


# The loop ------------------------------------------------------------------------------------------------


def test_the_sender_loop_survives_a_locked_database_and_sends_once_it_frees(
    runner, client, app, candidate, smtp, sleeps, locked
):
    ask_for_reset(client, candidate.email)
    locked.when(r"\boutbox_messages\b", times=3)

    with pytest.raises(Stop):
        runner.invoke(args=["mail", "send", "--loop", "--interval", "7"], catch_exceptions=False)

    # Three failed passes, each waiting twice as long as the one before, then the ordinary interval.
    assert sleeps[:4] == [5, 10, 20, 7]
    (message,) = outbox(app)
    assert (message.status, message.attempts) == (MailStatus.SENT, 1)
    assert len(smtp.received) == 1


def test_a_message_sent_while_the_database_is_locked_is_recorded_later_and_never_sent_twice(
    runner, client, app, candidate, smtp, sleeps, locked
):
    ask_for_reset(client, candidate.email)
    # The send goes out; recording it as sent then meets the lock, twice.
    locked.when(r"^UPDATE outbox_messages SET .*\bstatus=", times=2)

    with pytest.raises(Stop):
        runner.invoke(args=["mail", "send", "--loop", "--interval", "7"], catch_exceptions=False)

    assert sleeps[:3] == [5, 10, 7]
    assert len(smtp.received) == 1
    (message,) = outbox(app)
    assert (message.status, message.attempts) == (MailStatus.SENT, 1)
    # A sender started afterwards (the restart wrapper's) has nothing left to send.
    make_due(app)
    assert "sent 0, failed 0" in runner.invoke(args=["mail", "send"]).output
    assert len(smtp.received) == 1


def test_mail_server_errors_of_any_kind_are_retried_with_backoff_until_the_message_goes(
    runner, client, app, candidate, smtp
):
    ask_for_reset(client, candidate.email)
    smtp.failures = [
        ConnectionRefusedError(111, "Connection refused"),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        RuntimeError("the mail library failed in a way nobody foresaw"),
    ]
    waits = []
    for expected_error in ("ConnectionRefusedError", "SMTPServerDisconnected", "RuntimeError"):
        before = utcnow()
        result = runner.invoke(args=["mail", "send"])
        assert result.exit_code == 0, result.output
        assert "sent 0, failed 1" in result.output
        (message,) = outbox(app)
        assert (message.status, message.sent_at) == (MailStatus.QUEUED, None)
        assert expected_error in message.last_error
        waits.append(message.next_attempt_at - before)
        # Not due yet: another pass leaves it alone.
        assert "sent 0, failed 0" in runner.invoke(args=["mail", "send"]).output
        make_due(app)
    # 1, 2, then 4 minutes between tries.
    assert [round(w.total_seconds() / 60) for w in waits] == [1, 2, 4]

    assert "sent 1, failed 0" in runner.invoke(args=["mail", "send"]).output
    (message,) = outbox(app)
    assert (message.status, message.attempts, message.last_error) == (MailStatus.SENT, 4, None)
    assert len(smtp.received) == 1


def test_a_sender_that_dies_mid_send_leaves_the_message_to_be_tried_after_its_lease(
    runner, client, app, admin, candidate, monkeypatch
):
    ask_for_reset(client, admin.email)
    ask_for_reset(client, candidate.email)
    delivered = []

    def deliver(message):
        if delivered:
            raise Stop("sender killed mid-batch")
        delivered.append(message)

    monkeypatch.setattr("core.mail.services._deliver_log", deliver)
    with pytest.raises(Stop):
        runner.invoke(args=["mail", "send"], catch_exceptions=False)
    assert len(delivered) == 1
    # The first message went out and is recorded; the second was taken by the dead sender, so a second
    # sender leaves it alone until the lease is over (it may still be on its way), then sends it.
    assert [m.status for m in outbox(app)] == [MailStatus.SENT, MailStatus.QUEUED]
    monkeypatch.undo()
    assert "sent 0, failed 0" in runner.invoke(args=["mail", "send"]).output
    make_due(app)
    assert "sent 1, failed 0" in runner.invoke(args=["mail", "send"]).output
    assert [(m.status, m.attempts) for m in outbox(app)] == [(MailStatus.SENT, 1), (MailStatus.SENT, 2)]


# Secret links --------------------------------------------------------------------------------------------


def test_the_outbox_never_keeps_or_shows_a_reset_link_and_the_emailed_link_works_once(
    runner, client, app, admin, candidate, smtp
):
    ask_for_reset(client, candidate.email)
    staff = app.test_client()
    login(staff, admin.email)
    queued_page = staff.get("/admin/outbox/").get_data(as_text=True)

    assert "sent 1, failed 0" in runner.invoke(args=["mail", "send"]).output

    (emailed,) = texts(smtp)
    path, token = RESET_LINK.search(emailed).groups()
    (message,) = outbox(app)
    assert message.status == MailStatus.SENT
    stored = [str(getattr(message, c.key)) for c in OutboxMessage.__table__.columns]
    assert not [value for value in stored if token in value], "the sent message's row still holds the token"
    assert "[link removed after sending]" in message.body_text or SECRET in message.body_text
    sent_page = staff.get("/admin/outbox/").get_data(as_text=True)
    assert token not in queued_page
    assert token not in sent_page
    assert "[link removed after sending]" in page_text(staff.get("/admin/outbox/"))

    changed = form_post(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow=True)
    assert "Your password has been changed" in page_text(changed)
    again = app.test_client().get(path)
    assert "This reset link has already been used" in page_text(again)


def test_a_message_cannot_be_queued_with_its_secret_in_the_text(app):
    with app.app_context(), pytest.raises(ValueError, match="never the secret itself"):
        mail_services.queue_mail("a@b.example", "Hi", "http://x.test/r/tok123", secret="tok123")


def test_the_whole_secret_link_is_withheld_before_sending_and_removed_after():
    text = f"Open http://x.test/reset-password/{SECRET} now. Or http://x.test/help."
    assert shown(text, sent=False) == "Open [link only in the email itself] now. Or http://x.test/help."
    assert shown(text, sent=True) == "Open [link removed after sending] now. Or http://x.test/help."

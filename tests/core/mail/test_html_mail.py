"""Every email is plain text and a simple, accessible HTML twin from Jinja templates; both are delivered."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes

from sqlalchemy import select

from core.extensions import db
from core.mail import services as mail_services
from core.mail.models import MailStatus, OutboxMessage
from core.notifications.models import NotificationPreference
from core.notifications.services import notify, send_digests
from tests.support.html import form_post, login
from tests.support.mail import FakeSMTP


def _messages(app) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        for message in found:
            db.session.expunge(message)
        return found


def test_a_password_reset_email_is_text_and_accessible_html(app, client, candidate):
    form_post(client, "/forgot-password", {"email": candidate.email})
    (mail,) = _messages(app)
    assert "Choose a new password here (the link works once, for 1 hour):" in mail.body_text
    assert "<" not in mail.body_text  # the text part is text, not markup
    html = mail.body_html
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en-GB"' in html
    assert "<title>Reset your Waymark password</title>" in html
    assert "<h1>Reset your Waymark password</h1>" in html
    assert 'href="http://waymark.test/reset-password/' in html
    assert f"Hello {candidate.name}," in html


def test_names_are_escaped_in_the_html_and_kept_in_the_text(app, candidate):
    with app.app_context():
        notify(candidate.id, kind="forum_reply", title="Sam <b>replied</b> & more", body="1 < 2")
        db.session.commit()
    (mail,) = _messages(app)
    assert "Sam <b>replied</b> & more" in mail.body_text
    assert "1 < 2" in mail.body_text
    assert "Sam &lt;b&gt;replied&lt;/b&gt; &amp; more" in mail.body_html
    assert "<b>" not in mail.body_html


def test_a_digest_has_one_heading_per_notification_in_its_html(app, candidate):
    with app.app_context():
        db.session.add(NotificationPreference(user_id=candidate.id, delivery="digest", digest_hour=17))
        db.session.commit()
        notify(
            candidate.id, kind="forum_reply", title="Sam replied to your thread", about="Cohort A, studying X"
        )
        notify(candidate.id, kind="forum_reply", title="Kim replied to your thread")
        assert send_digests(datetime(2026, 11, 23, 17, 10, tzinfo=UTC)) == 1
        db.session.commit()
    (mail,) = _messages(app)
    assert "<h1>Your Waymark digest: 2 updates</h1>" in mail.body_html
    assert "<h2>Sam replied to your thread</h2>" in mail.body_html
    assert "<h2>Kim replied to your thread</h2>" in mail.body_html
    assert "Cohort: Cohort A, studying X" in mail.body_text
    assert "<p>Cohort: Cohort A, studying X</p>" in mail.body_html


def test_smtp_delivers_the_text_and_the_html_as_alternatives(app, client, candidate, monkeypatch):
    form_post(client, "/forgot-password", {"email": candidate.email})
    app.config["MAIL_BACKEND"] = "smtp"
    FakeSMTP.received, FakeSMTP.failures = [], []
    monkeypatch.setattr(mail_services.smtplib, "SMTP", FakeSMTP)
    with app.app_context():
        assert mail_services.send_pending() == (1, 0)
    (raw,) = FakeSMTP.received
    email = message_from_bytes(raw)
    assert email.get_content_type() == "multipart/alternative"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in email.walk()
        if not part.is_multipart()
    }
    assert "the link works once, for 1 hour" in parts["text/plain"]
    assert "<h1>Reset your Waymark password</h1>" in parts["text/html"]
    assert [m.status for m in _messages(app)] == [MailStatus.SENT]


def test_a_message_without_html_is_still_sent_as_text_alone(app, monkeypatch):
    with app.app_context():
        mail_services.queue_mail("someone@example.org", "Plain", "Just text.\n")
        db.session.commit()
    app.config["MAIL_BACKEND"] = "smtp"
    FakeSMTP.received, FakeSMTP.failures = [], []
    monkeypatch.setattr(mail_services.smtplib, "SMTP", FakeSMTP)
    with app.app_context():
        assert mail_services.send_pending() == (1, 0)
    assert message_from_bytes(FakeSMTP.received[0]).get_content_type() == "text/plain"


def test_the_outbox_shows_the_text_and_the_html_version(app, client, admin, candidate):
    form_post(client, "/forgot-password", {"email": candidate.email})
    login(client, admin.email)
    page = client.get("/admin/outbox/").get_data(as_text=True)
    assert "<h3>Plain text</h3>" in page
    assert "<summary>HTML version</summary>" in page
    assert 'sandbox srcdoc="&lt;!DOCTYPE html&gt;' in page

"""Command-line tools: `flask users create`, `flask demo load`, `flask mail send`."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.accounts.demo import DEMO_PEOPLE
from core.accounts.models import User
from core.db.timeutil import utcnow
from core.extensions import db
from core.mail.models import MailStatus, OutboxMessage
from tests.support.html import form_post, login
from tests.support.people import DEMO_PASSWORD, PASSWORD

EMAIL = "first.admin@uni.example"


def _create(runner, *extra, password=PASSWORD, email=EMAIL, roles=("admin",), input=None):
    args = ["users", "create", "--email", email, "--name", "Fran First"]
    for role in roles:
        args += ["--role", role]
    if password is not None:
        args += ["--password", password]
    return runner.invoke(args=[*args, *extra], input=input)


def _user_roles(app, email=EMAIL) -> list[str] | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return None if user is None else [r.value for r in user.roles]


def _user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def _queue_mail(client, *emails) -> None:
    """Queue one message per address by asking for password resets, as a visitor would."""
    for email in emails:
        assert form_post(client, "/forgot-password", {"email": email}).status_code == 302


def _outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return list(messages)


def test_operator_can_create_an_admin_who_can_sign_in(runner, client, app):
    result = _create(runner)

    assert result.exit_code == 0, result.output
    assert f"Created {EMAIL} (admin)." in result.output
    assert _user_roles(app) == ["admin"]
    page = login(client, EMAIL).get_data(as_text=True)
    assert "Hello, Fran First" in page
    assert "Site administration" in page


def test_operator_can_give_several_roles_with_repeated_option(runner, app):
    result = _create(runner, roles=("iqa", "assessor", "iqa"))

    assert result.exit_code == 0, result.output
    assert f"Created {EMAIL} (assessor, iqa)." in result.output
    assert _user_roles(app) == ["assessor", "iqa"]


def test_operator_can_type_the_password_at_a_prompt(runner, client, app):
    result = _create(runner, password=None, input=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    assert _user_roles(app) == ["admin"]
    assert "Hello, Fran First" in login(client, EMAIL).get_data(as_text=True)


def test_operator_cannot_create_an_account_with_a_weak_password(runner, app):
    result = _create(runner, password="password1234")

    assert result.exit_code == 1
    assert "password: That password is on a list of commonly used passwords" in result.output
    assert _user_roles(app) is None
    assert _user_count(app) == 0


def test_operator_cannot_create_a_second_account_with_the_same_email(runner, app, admin):
    result = _create(runner, email="  ADMIN@uni.example", roles=("candidate",))

    assert result.exit_code == 1
    assert "email: An account with that email address already exists." in result.output
    assert _user_count(app) == 1
    assert _user_roles(app, admin.email) == ["admin"]


def test_operator_cannot_give_an_unknown_role(runner, app):
    result = _create(runner, roles=("wizard",))

    assert result.exit_code == 2
    assert "'wizard' is not one of" in result.output
    assert _user_count(app) == 0


def test_operator_can_load_the_demo_only_once(runner, client, app):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Demo loaded." in first.output
    count = _user_count(app)
    assert count == len(DEMO_PEOPLE)

    second = runner.invoke(args=["demo", "load"])

    assert second.exit_code == 0, second.output
    assert "Demo already loaded; nothing changed." in second.output
    assert _user_count(app) == count
    assert f"password for all: {DEMO_PASSWORD}" in second.output
    for person in DEMO_PEOPLE:
        assert person.email in second.output
    assert "Hello, Jo Patel" in login(client, "candidate@school.example", DEMO_PASSWORD).get_data(
        as_text=True
    )


def test_operator_can_send_queued_mail_with_the_log_backend(runner, client, app, admin, candidate):
    _queue_mail(client, admin.email, candidate.email)
    assert [m.status for m in _outbox(app)] == [MailStatus.QUEUED, MailStatus.QUEUED]

    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert "sent 2, failed 0" in result.output
    messages = _outbox(app)
    assert [(m.status, m.attempts) for m in messages] == [(MailStatus.SENT, 1), (MailStatus.SENT, 1)]
    assert all(m.sent_at is not None for m in messages)
    assert "sent 0, failed 0" in runner.invoke(args=["mail", "send"]).output


@pytest.fixture
def closed_port():
    """A local TCP port nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_mail_stays_queued_when_the_smtp_server_is_down(runner, client, app, candidate, closed_port):
    _queue_mail(client, candidate.email)
    app.config.update(
        MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=closed_port, SMTP_STARTTLS=False, SMTP_TIMEOUT=2
    )
    before = utcnow()

    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert "sent 0, failed 1" in result.output
    (message,) = _outbox(app)
    assert (message.status, message.attempts, message.sent_at) == (MailStatus.QUEUED, 1, None)
    assert message.last_error
    assert message.next_attempt_at >= before + timedelta(minutes=1)
    # Not due yet: the next pass leaves it alone.
    assert "sent 0, failed 0" in runner.invoke(args=["mail", "send"]).output
    assert _outbox(app)[0].attempts == 1


class _Killed(BaseException):
    """The sender process dying (not an Exception: nothing in the sender may catch it)."""


def test_mail_already_sent_is_not_sent_again_after_the_sender_dies(
    runner, client, app, admin, candidate, monkeypatch
):
    _queue_mail(client, admin.email, candidate.email)
    delivered = []

    def deliver(message):
        if delivered:
            raise _Killed("sender killed mid-batch")
        delivered.append(message.to)

    monkeypatch.setattr("core.mail.services._deliver_log", deliver)

    with pytest.raises(_Killed):
        runner.invoke(args=["mail", "send"], catch_exceptions=False)

    assert delivered == [admin.email]
    # The first message went out: it must be recorded as sent, or the next run emails it a second time.
    assert [m.status for m in _outbox(app)] == [MailStatus.SENT, MailStatus.QUEUED]

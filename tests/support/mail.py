"""What the outbox holds: what was emailed to someone, and the links in it."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.extensions import db
from core.mail.models import OutboxMessage
from core.mail.services import as_sent


def emails_to(app, email: str, part=OutboxMessage.body_text) -> list[str]:
    """The text (or another `part`, such as OutboxMessage.subject) of each email to this address, oldest
    first, as its recipient reads it: a queued message's secret link joined to its text."""
    with app.app_context():
        messages = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == email).order_by(OutboxMessage.id)
        )
        if part is OutboxMessage.body_text:
            return [as_sent(m).text for m in messages]
        return [getattr(m, part.key) for m in messages]


def emailed_links(app, email: str, link: re.Pattern) -> list[str]:
    """The first group of every match of `link` in the emails sent to this address, oldest first."""
    return [m.group(1) for body in emails_to(app, email) for m in link.finditer(body)]


class FakeSMTP:
    """Records what reaches the mail server; `failures` are raised by the next sends, one each."""

    received: list[bytes]
    failures: list[BaseException]

    def __init__(self, *_args, **_kwargs):
        pass

    def __enter__(self):
        if FakeSMTP.failures and isinstance(FakeSMTP.failures[0], ConnectionRefusedError):
            raise FakeSMTP.failures.pop(0)
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, *args):
        pass

    def send_message(self, email):
        if FakeSMTP.failures:
            raise FakeSMTP.failures.pop(0)
        FakeSMTP.received.append(email.as_bytes())

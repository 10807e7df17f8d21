"""What the outbox holds: the links emailed to someone."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.extensions import db
from core.mail.models import OutboxMessage


def emailed_links(app, email: str, link: re.Pattern) -> list[str]:
    """The first group of every match of `link` in the emails sent to this address, oldest first."""
    with app.app_context():
        bodies = db.session.scalars(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.to_address == email)
            .order_by(OutboxMessage.id)
        ).all()
    return [m.group(1) for body in bodies for m in link.finditer(body)]

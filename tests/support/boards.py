"""The exam board as the course leader holds it: the board's page and its one form, pressed as a browser
does; and the rows a board leaves behind."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.extensions import db
from core.notifications.models import Notification
from qualification.boards.models import BoardDecision, ExamBoard
from qualification.certificates.models import Certificate
from tests.support.html import page_text as _page_text
from tests.support.html import press

RECORD = "Record the board and issue the certificates"


def page_text(response) -> str:
    """What the person reads, without the space a closing tag leaves before punctuation ("2026 :")."""
    return re.sub(r" ([:.,;])", r"\1", _page_text(response))


def board_url(cohort_id: int) -> str:
    return f"/cohorts/{cohort_id}/exam-board"


def hold(client, cohort_id: int, changes: dict | None = None, *, page=None, follow: bool = True):
    """Open the board's page (or use the one given) and record the board with these changes to its form
    (`outcome-<id>`, `reason-<id>`, `held_on`, `notes`); every candidate is ratified unless changed."""
    page = page if page is not None else client.get(board_url(cohort_id))
    return press(client, page, RECORD, changes or {}, follow=follow)


def counts(app) -> dict[str, int]:
    """How many boards, decisions and certificates exist."""
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (ExamBoard, BoardDecision, Certificate)
        }


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def notes_of(app, user_id: int, kind: str | None = None) -> list[Notification]:
    with app.app_context():
        query = select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        if kind:
            query = query.where(Notification.kind == kind)
        found = list(db.session.scalars(query))
        for note in found:
            db.session.expunge(note)
        return found


def certificates(app) -> list[Certificate]:
    """Every certificate, oldest first, detached (plain values to assert on)."""
    with app.app_context():
        found = list(db.session.scalars(select(Certificate).order_by(Certificate.id)))
        for row in found:
            db.session.expunge(row)
        return found

"""Shared by the tests of forms kept as drafts on the server (core/drafts): the rows as they stand."""

from __future__ import annotations

from sqlalchemy import select

from core.drafts.models import FormDraft
from core.extensions import db


def drafts(app) -> list[tuple[str, dict, int, int | None]]:
    """Every form draft as (form key, fields, revision, what sending it made), oldest first."""
    with app.app_context():
        rows = db.session.scalars(select(FormDraft).order_by(FormDraft.id))
        return [(d.form_key, d.fields, d.revision, d.sent_as) for d in rows]

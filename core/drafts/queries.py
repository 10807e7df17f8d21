"""Reading a person's draft of a form."""

from __future__ import annotations

from sqlalchemy import select

from core.drafts.models import FormDraft
from core.extensions import db


def draft_of(user_id: int, key: str) -> FormDraft | None:
    """The person's draft of the form `key`, if they have typed into it."""
    return db.session.scalar(select(FormDraft).where(FormDraft.user_id == user_id, FormDraft.form_key == key))

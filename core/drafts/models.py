"""A person's draft of a long form, kept on the server as they type."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db

Fields = dict[str, list[str]]  # a form's fields by name, each with its values (several for checkboxes)


def dump(fields: Fields) -> str:
    """Fields as stored: canonical JSON, so the same text twice compares equal."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False)


class FormDraft(db.Model):
    """What one person typed into one form (`form_key`: which claim, which observation record), saved a
    moment after they stop typing; `revision` grows with every save, so an older tab never overwrites it."""

    __tablename__ = "form_drafts"
    __table_args__ = (UniqueConstraint("user_id", "form_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    form_key: Mapped[str] = mapped_column(String(100))
    fields_json: Mapped[str] = mapped_column(Text, default="{}")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What an older tab or device sent that was not saved over the newer draft: shown on the form so it can
    # be copied back (a closed laptop keeps nothing in the browser once its save was refused).
    refused_json: Mapped[str] = mapped_column(Text, default="")
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Once the form is sent, the id of what it made or changed (a claim, an observation): the same page sent
    # again (a double click) is answered with that, never made twice.
    sent_as: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def fields(self) -> Fields:
        return json.loads(self.fields_json or "{}")

    @fields.setter
    def fields(self, value: Fields) -> None:
        self.fields_json = dump(value)

    @property
    def refused(self) -> Fields:
        return json.loads(self.refused_json) if self.refused_json else {}

    @property
    def unsent(self) -> Fields:
        """What the form should show again: the typing since it was last sent (nothing once sent)."""
        return {} if self.sent_as is not None else self.fields

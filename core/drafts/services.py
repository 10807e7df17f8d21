"""Saving what a person types into a long form as they type, and sending the form once.

Every long text shares one draft mechanism (the autosave script in static/js/app.js posts the form in the
background; the area's service checks who may write it, then calls `save_form_draft`). A save based on an
older revision than the draft's (another tab, a phone) never overwrites it: the newer draft is kept and the
refused text is kept beside it to be copied back. Sending the form (`send_form_draft`) spends the draft, so a
double click, or the same page sent again, makes one claim or one record, not two.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from core.db.rows import locked_row
from core.db.timeutil import utcnow
from core.drafts.models import Fields, FormDraft, dump
from core.drafts.rules import field_problems
from core.errors import EditConflict, ValidationFailed
from core.extensions import db

NEWER = (
    "This was changed in another tab or device after you opened it, so nothing was sent. Your text is in the "
    "form below and the newer draft above it: keep what you need, then send again."
)
SENT_ELSEWHERE = (
    "This form was sent from another tab or device after you opened it, so nothing was sent from here. Your "
    "text is in the form below: send it only if you mean to send another."
)


@dataclass(frozen=True)
class DraftSave:
    draft: FormDraft
    conflict: bool  # a newer draft was there: it was kept, and this text kept beside it (draft.refused)


@dataclass(frozen=True)
class Sent:
    result_id: int  # what sending the form made or changed
    again: bool  # the same page sent twice: nothing more was made


def _draft(user, key: str) -> FormDraft:
    return locked_row(FormDraft, {"fields_json": "{}", "revision": 0}, user_id=user.id, form_key=key)


def save_form_draft(
    user, key: str, fields: Fields, *, base_revision: int | None, limits: Mapping[str, int]
) -> DraftSave:
    """Save what the person typed into the form `key` (the caller has checked they may write it); text
    based on an older revision is not saved over the newer draft but kept beside it."""
    if errors := field_problems(fields, limits):
        raise ValidationFailed(errors)
    draft = _draft(user, key)
    if fields == draft.unsent:
        return DraftSave(draft, False)  # the same text twice (the refused autosave, then the button)
    if (base_revision or 0) != draft.revision:
        draft.refused_json = dump(fields)
        draft.refused_at = utcnow()
        db.session.flush()
        return DraftSave(draft, True)
    draft.fields = fields
    draft.revision += 1
    draft.updated_at = utcnow()
    draft.sent_as = None  # typing again after sending: a new draft
    db.session.flush()
    return DraftSave(draft, False)


def send_form_draft(
    user, key: str, fields: Fields, *, base_revision: int | None, send: Callable[[], int]
) -> Sent:
    """Send the form `key` with what it holds: `send` (the area's service) makes what the form is for and
    returns its id; the draft is then spent. The same page sent again makes nothing; a page older than a
    draft saved or sent elsewhere is refused (EditConflict), so neither text is lost."""
    draft = _draft(user, key)
    stale = (base_revision or 0) != draft.revision
    if stale and draft.sent_as is not None and fields == draft.fields:
        return Sent(draft.sent_as, again=True)
    if stale and fields != draft.unsent:
        raise EditConflict(SENT_ELSEWHERE if draft.sent_as is not None else NEWER)
    result_id = send()
    draft.fields = fields
    draft.revision += 1
    draft.updated_at = draft.sent_at = utcnow()
    draft.sent_as = result_id
    draft.refused_json, draft.refused_at = "", None
    db.session.flush()
    return Sent(result_id, again=False)

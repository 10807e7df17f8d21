"""The read side of passkeys: one person's, and the one a page names."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from core.extensions import db
from core.mfa.models import Passkey
from core.mfa.queries import passkeys_of
from core.passkeys.rules import StoredKey


def stored_keys(user_id: int) -> list[StoredKey]:
    """This person's passkeys as the ceremonies name them."""
    return [StoredKey(k.credential_id, k.transports) for k in passkeys_of(user_id)]


def passkey_of(user_id: int, credential_id: str) -> Passkey | None:
    """This person's passkey with this credential id, if it is theirs."""
    return db.session.scalar(
        select(Passkey).where(Passkey.user_id == user_id, Passkey.credential_id == credential_id)
    )


def own_passkey_or_404(user, passkey_id: int) -> Passkey:
    """A passkey of the signed-in person; someone else's does not exist for them."""
    key = db.session.get(Passkey, passkey_id)
    if key is None or key.user_id != user.id:
        abort(404)
    return key

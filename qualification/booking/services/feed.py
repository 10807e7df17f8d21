"""The personal bookings feed's address: a candidate's id and the address's generation, signed, so a calendar
app can read the feed without signing in (the signed address is the credential). Getting a new address bumps
the generation, so every older one stops working; a disabled account's feed is not found at all."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from core.accounts.models import User
from core.audit.services import record
from core.db.rows import locked_row
from core.db.timeutil import utcnow
from core.extensions import db
from qualification.booking.models import FeedAddress

FEED_SALT = "bookings-feed"
MAX_FEED_TOKEN = 200


def _feed_serializer() -> URLSafeSerializer:
    # Its own salt: a value signed for any other purpose with the same key is not a valid feed address.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=FEED_SALT)


def _generation(user_id: int) -> int:
    return db.session.scalar(select(FeedAddress.generation).where(FeedAddress.user_id == user_id)) or 0


def feed_token(user_id: int) -> str:
    """The unguessable part of a candidate's current personal feed address (an HMAC of their id and the
    address's generation; generation 0 signs the bare id, as every address did before they could change)."""
    generation = _generation(user_id)
    return _feed_serializer().dumps(user_id if generation == 0 else [user_id, generation])


def _signed(token: str) -> tuple[int, int] | None:
    """The (user id, generation) an address was signed for, or None when the signature does not verify."""
    if not token or len(token) > MAX_FEED_TOKEN:
        return None
    try:
        value = _feed_serializer().loads(token)
    except BadSignature:
        return None
    if type(value) is int:
        return value, 0
    if isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value) and value[1] > 0:
        return value[0], value[1]
    return None


def feed_user_id(token: str) -> int | None:
    """Whose feed this address is, or None when the signature does not verify, the address has been replaced
    by a newer one, or the account is disabled (all answered alike: not found)."""
    signed = _signed(token)
    if signed is None:
        return None
    user_id, generation = signed
    row = db.session.execute(
        select(User.disabled_at, FeedAddress.generation)
        .outerjoin(FeedAddress, FeedAddress.user_id == User.id)
        .where(User.id == user_id)
    ).first()
    if row is None or row.disabled_at is not None or (row.generation or 0) != generation:
        return None
    return user_id


def new_feed_address(actor: User) -> None:
    """Give this person a new personal feed address; every older one stops working at once."""
    address = locked_row(FeedAddress, {"generation": 0}, user_id=actor.id)
    address.generation += 1
    address.changed_at = utcnow()
    record(
        "booking.feed_address_changed",
        actor=actor,
        obj=actor,
        details={"generation": address.generation},
    )
    db.session.flush()

"""The personal bookings feed's address: a candidate's id, signed, so a calendar app can read the feed
without signing in (the signed address is the credential)."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

FEED_SALT = "bookings-feed"
MAX_FEED_TOKEN = 200


def _feed_serializer() -> URLSafeSerializer:
    # Its own salt: a value signed for any other purpose with the same key is not a valid feed address.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=FEED_SALT)


def feed_token(user_id: int) -> str:
    """The unguessable part of a candidate's personal bookings feed address (an HMAC of their id)."""
    return _feed_serializer().dumps(user_id)


def feed_user_id(token: str) -> int | None:
    """Whose feed this address is, or None when the signature does not verify."""
    if not token or len(token) > MAX_FEED_TOKEN:
        return None
    try:
        value = _feed_serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None

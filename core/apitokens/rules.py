"""The rules of API tokens, pure: their form, their expiry, their scopes, the rate limit's window."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from core.apitokens.models import Scope
from core.validation import title_rule

# A recognisable prefix lets secret scanners (and people) tell a Waymark token in a log or a repository.
PREFIX = "wmk_"
# 256 bits of randomness, URL-safe base64: 43 characters after the prefix.
_SHAPE = re.compile(r"wmk_[A-Za-z0-9_-]{43}")
SHOWN_CHARACTERS = len(PREFIX) + 6
MAX_DAYS = 365
DEFAULT_DAYS = 90
WINDOW = timedelta(minutes=1)
TOKEN_NAME = title_rule(100, "Say what the token is for, in up to 100 characters.")


def new_api_token() -> tuple[str, str]:
    """A fresh (raw token, its SHA-256) pair."""
    raw = PREFIX + secrets.token_urlsafe(32)
    return raw, hash_api_token(raw)


def hash_api_token(raw: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_token(raw: str) -> bool:
    """Whether a string has the shape of a Waymark token (anything else is refused unhashed)."""
    return bool(_SHAPE.fullmatch(raw))


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None when there is no bearer token."""
    scheme, _, value = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def expiry_problem(expires_on: date | None, today: date) -> str | None:
    """Why a token cannot expire on this day: every token expires, within a year."""
    if expires_on is None:
        return "Choose the day the token stops working."
    if expires_on <= today:
        return "Choose a day after today."
    if expires_on > today + timedelta(days=MAX_DAYS):
        return f"A token lasts at most a year: choose a day up to {MAX_DAYS} days from today."
    return None


def scopes_of(values: Iterable[str]) -> list[Scope] | None:
    """The scopes chosen, in the enum's order; None when one is unknown."""
    chosen = set(values)
    if not chosen <= {s.value for s in Scope}:
        return None
    return [s for s in Scope if s.value in chosen]


def retry_after(window_started_at: datetime, now: datetime) -> int:
    """Whole seconds until the rate limit's window ends (at least one)."""
    return max(1, math.ceil((window_started_at + WINDOW - now).total_seconds()))

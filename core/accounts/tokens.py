"""Unguessable one-time tokens: the raw value goes in a link, only its SHA-256 is stored."""

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A fresh (raw token, its hash) pair; 256 bits of randomness."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()

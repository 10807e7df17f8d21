"""Password hashing and the password policy (ASVS 2.1: length over composition, no common passwords)."""

from __future__ import annotations

import gzip
import hashlib
import re
import secrets
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

from core.validation import title_rule

MIN_LENGTH = 12
MAX_LENGTH = 256
_LIST = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"
_TRAILING_JUNK = re.compile(r"[\d\W_]+$")
DEFAULT_METHOD = "scrypt"  # werkzeug's scrypt (n=2**15, r=8, p=1), salted
# A person's name on their account, as an administrator, an invitation or the person themselves gives it.
PERSON_NAME = title_rule(200, "Enter a name of up to 200 characters.")


def _method() -> str:
    # Tests set a cheaper work factor; production keeps the default.
    if has_app_context():
        return current_app.config.get("WAYMARK_PASSWORD_METHOD", DEFAULT_METHOD)
    return DEFAULT_METHOD


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    # Checked when the email is unknown, so that path costs the same as a wrong password.
    return generate_password_hash("not-a-real-password-4b1e7a", method=method)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    with gzip.open(_LIST, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip())


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why this password is refused, in words a person can act on; None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters. A phrase of three or four words is easy to remember."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    common = common_passwords()
    stripped = _TRAILING_JUNK.sub("", lowered)
    if lowered in common or (stripped and stripped in common) or len(set(lowered)) <= 2:
        return "That password is on a list of commonly used passwords. Choose something less predictable."
    local_part = email.split("@", 1)[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (
        name and name.strip().lower().replace(" ", "") == lowered.replace(" ", "")
    ):
        return "Do not use your name or email address in your password."
    return None


def hash_password(password: str) -> str:
    """A salted scrypt hash."""
    return generate_password_hash(password, method=_method())


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown account) spend the same time and return False."""
    if not password_hash:
        check_password_hash(_dummy_hash(_method()), password)
        return False
    return check_password_hash(password_hash, password)


def new_token() -> tuple[str, str]:
    """A fresh (raw token, its hash) pair; 256 bits of randomness."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def login_delay(failures: int, *, free: int, longest: timedelta) -> timedelta:
    """How long an address waits after its last wrong password for one account: nothing for the first
    `free` failures, then 1, 2, 4 ... minutes, never more than `longest`. Growing waits keep guessing slow
    while a typo or two costs the owner nothing."""
    if failures < max(free, 1):
        return timedelta(0)
    # The exponent is capped so a long count cannot overflow; 2**20 minutes is far past any `longest`.
    return min(timedelta(minutes=2 ** min(failures - free, 20)), longest)

"""Signing in and out: throttled password checks and server-side login sessions."""

from __future__ import annotations

import math
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import joinedload

from core.accounts.models import LoginAttempt, LoginSession, User
from core.accounts.rules import hash_token, login_delay, new_token, verify_password
from core.audit.services import record
from core.db.postgres import prepared
from core.db.timeutil import utcnow
from core.extensions import db


class LoginThrottled(Exception):
    """Too many failed attempts for this account or from this address."""

    def __init__(self, minutes: int):
        self.minutes = minutes
        super().__init__(f"throttled for {minutes} minutes")


def normalise_email(email: str) -> str:
    """The stored form of an email address."""
    return (email or "").strip().lower()


def is_valid_email(email: str) -> bool:
    """Whether an address is well formed (no DNS look-up: the site may run on a closed network)."""
    if not email or len(email) > 254:
        return False
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _recent_failures(kind: str, *, email: str | None = None, ip: str | None = None) -> int:
    since = utcnow() - timedelta(minutes=current_app.config["WAYMARK_LOGIN_WINDOW_MINUTES"])
    query = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.kind == kind, LoginAttempt.attempted_at >= since
    )
    query = query.where(LoginAttempt.email == email) if email is not None else query
    query = query.where(LoginAttempt.ip_address == ip) if ip is not None else query
    return db.session.scalar(query) or 0


def check_throttle(kind: str, email: str, ip: str, *, per_account: int, per_address: int) -> None:
    """Raise LoginThrottled when this account or address has failed too often recently."""
    if _recent_failures(kind, email=email) >= per_account or _recent_failures(kind, ip=ip) >= per_address:
        raise LoginThrottled(current_app.config["WAYMARK_LOGIN_WINDOW_MINUTES"])


def check_address_throttle(kind: str, ip: str, *, per_address: int) -> None:
    """Raise LoginThrottled when this address has made too many counted attempts of this kind recently
    (for attempts that name no account, such as the public certificate check)."""
    if _recent_failures(kind, ip=ip) >= per_address:
        raise LoginThrottled(current_app.config["WAYMARK_LOGIN_WINDOW_MINUTES"])


def note_attempt(kind: str, email: str, ip: str) -> None:
    """Count one attempt towards the throttle."""
    db.session.add(LoginAttempt(kind=kind, email=email, ip_address=ip))
    db.session.flush()


def _login_wait(email: str, ip: str) -> int:
    """Seconds this address must wait before its next password for this account (0: go ahead).

    Failures count per account *and* address: wrong passwords slow down the address that types them, with
    growing waits (rules.login_delay), and never the owner at another address. Once an account has met its
    ceiling of failures from all addresses (credential stuffing from many), every address that has failed
    for it waits from its first failure, while an address with none still gets its check: slower guessing,
    never a lock on the owner. One address failing for many accounts is stopped as before.
    """
    cfg = current_app.config
    now = utcnow()
    window = cfg["WAYMARK_LOGIN_WINDOW_MINUTES"]
    if _recent_failures("login", ip=ip) >= cfg["WAYMARK_LOGIN_MAX_FAILURES_ADDRESS"]:
        return window * 60
    since = now - timedelta(hours=cfg["WAYMARK_LOGIN_MEMORY_HOURS"])
    mine = (LoginAttempt.kind == "login", LoginAttempt.email == email, LoginAttempt.attempted_at >= since)
    failures, last = db.session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.attempted_at)).where(
            *mine, LoginAttempt.ip_address == ip
        )
    ).one()
    if not failures:
        return 0
    free = cfg["WAYMARK_LOGIN_FREE_FAILURES"]
    everyone = db.session.scalar(select(func.count(LoginAttempt.id)).where(*mine)) or 0
    if everyone >= cfg["WAYMARK_LOGIN_ACCOUNT_CEILING"]:
        free = 0
    delay = login_delay(
        failures, free=free, longest=timedelta(minutes=cfg["WAYMARK_LOGIN_LONGEST_WAIT_MINUTES"])
    )
    return max(0, math.ceil((last + delay - now).total_seconds()))


def clear_login_failures(email: str, *, ip: str | None = None) -> None:
    """Forget the wrong passwords (and second-factor codes) for an account: from one address after a
    sign-in there, from every address after a completed password reset (only the owner can finish one)."""
    kinds = ("login",) if ip is not None else ("login", "mfa")
    query = delete(LoginAttempt).where(LoginAttempt.kind.in_(kinds), LoginAttempt.email == email)
    db.session.execute(query.where(LoginAttempt.ip_address == ip) if ip is not None else query)


def authenticate(email: str, password: str, ip: str) -> User | None:
    """The account for these credentials, or None; failures are counted and audited.

    An unknown email, a wrong password and a disabled account all give None after the same work, and wait
    the same, so the answer reveals nothing about which accounts exist.
    """
    email = normalise_email(email)
    if wait := _login_wait(email, ip):
        raise LoginThrottled(math.ceil(wait / 60))
    user = db.session.scalar(select(User).where(User.email == email))
    ok = verify_password(user.password_hash if user else None, password)
    if ok and user is not None and user.is_active:
        clear_login_failures(email, ip=ip)
        return user
    note_attempt("login", email, ip)
    reason = "unknown account" if user is None else ("disabled" if ok else "wrong password")
    record(
        "login_failed",
        actor=user,
        object_type="User",
        object_id=user.id if user else None,
        details={"email": email, "reason": reason},
    )
    return None


def start_session(user: User, *, remember: bool, ip: str | None, user_agent: str | None) -> str:
    """Open a login session for this user and return its raw token (the cookie's value)."""
    raw, hashed = new_token()
    now = utcnow()
    cfg = current_app.config
    lifetime = (
        cfg["REMEMBER_COOKIE_DURATION"] if remember else timedelta(hours=cfg["WAYMARK_SESSION_MAX_HOURS"])
    )
    db.session.add(
        LoginSession(
            token_hash=hashed,
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
            remember=remember,
            ip_address=ip,
            user_agent=(user_agent or "")[:255],
        )
    )
    user.auth_session_id = raw
    record("login", actor=user, obj=user, details={"remember": remember})
    db.session.flush()
    return raw


# Built once: every signed-in request runs it (building a statement costs more than running it).
_SESSION_USER = prepared(
    select(LoginSession, User)
    .join(User, User.id == LoginSession.user_id)
    .where(LoginSession.token_hash == bindparam("token_hash"))
    .options(joinedload(User.role_rows))
)


def load_session_user(raw: str | None) -> User | None:
    """The user of a live login session, or None if it is unknown, ended, expired or the account disabled."""
    if not raw or len(raw) > 100:
        return None
    # One statement per request for who is signed in, roles included (joined, not a second select).
    row = db.session.execute(_SESSION_USER, {"token_hash": hash_token(raw)}).unique().first()
    if row is None:
        return None
    login_session, user = row
    if login_session.revoked_at is not None or login_session.expires_at <= utcnow() or not user.is_active:
        return None
    user.auth_session_id = raw
    return user


def end_session(user: User, raw: str | None) -> None:
    """Sign out one browser: its session token stops working everywhere at once."""
    if raw:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == hash_token(raw), LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    record("logout", actor=user, obj=user)
    db.session.flush()


def revoke_sessions(user: User, *, keep_raw: str | None = None) -> int:
    """End every login session of this user except, optionally, the current one; return how many ended."""
    query = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
    if keep_raw:
        query = query.where(LoginSession.token_hash != hash_token(keep_raw))
    result = db.session.execute(query.values(revoked_at=utcnow()))
    return result.rowcount or 0

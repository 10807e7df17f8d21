"""Read-side queries for account pages: search and keyset pagination (no OFFSET scans)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import LoginManager
from sqlalchemy import func, or_, select

from core.accounts.models import Invitation, LoginSession, User, UserRole
from core.accounts.services.sessions import (
    load_session_user,
)
from core.db.timeutil import utcnow
from core.extensions import db

PAGE_SIZE = 50


@dataclass
class Page:
    items: list
    next_after: str | None


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_accounts(*, q: str = "", role: str = "", status: str = "", after: str = "") -> Page:
    """Accounts matching a search, ordered by email, one page after the given email."""
    query = select(User).order_by(User.email).limit(PAGE_SIZE + 1)
    if q:
        pattern = f"%{_escape_like(q.strip().lower())}%"
        query = query.where(
            or_(User.email.like(pattern, escape="\\"), func.lower(User.name).like(pattern, escape="\\"))
        )
    if role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if status == "active":
        query = query.where(User.disabled_at.is_(None))
    elif status == "disabled":
        query = query.where(User.disabled_at.is_not(None))
    if after:
        query = query.where(User.email > after)
    users = list(db.session.scalars(query))
    more = len(users) > PAGE_SIZE
    users = users[:PAGE_SIZE]
    return Page(users, users[-1].email if more else None)


def live_session_count(user: User) -> int:
    """How many browsers are signed in to this account now."""
    return (
        db.session.scalar(
            select(func.count(LoginSession.id)).where(
                LoginSession.user_id == user.id,
                LoginSession.revoked_at.is_(None),
                LoginSession.expires_at > utcnow(),
            )
        )
        or 0
    )


def last_sign_in(user: User):
    """When this account last signed in, or None."""
    return db.session.scalar(select(func.max(LoginSession.created_at)).where(LoginSession.user_id == user.id))


def pending_invitations(inviter: User | None = None, limit: int = 100) -> list[Invitation]:
    """Invitations not yet accepted, withdrawn or expired; only one inviter's when given."""
    query = (
        select(Invitation)
        .where(
            Invitation.used_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow()
        )
        .order_by(Invitation.created_at.desc())
        .limit(limit)
    )
    if inviter is not None:
        query = query.where(Invitation.invited_by_id == inviter.id)
    return list(db.session.scalars(query))


def init_login(login_manager: LoginManager) -> None:
    """Configure Flask-Login to load users from live login sessions only."""
    login_manager.login_view = "core.accounts.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    # Our sessions are server-side and revocable; Flask-Login's IP/agent fingerprinting would only sign
    # people out when a school's proxy changes address mid-evening.
    login_manager.session_protection = None

    @login_manager.user_loader
    def _load(session_token: str):
        return load_session_user(session_token)

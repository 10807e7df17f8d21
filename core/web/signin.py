"""Completing a sign-in in the browser, and holding one whose second factor is still to come.

Shared by every way in (the password form, the second-factor pages, an invitation accepted): the page that
checks the last factor calls `complete_sign_in`, so a sign-in always ends the same way. A sign-in held for
its second factor is only a note in the (signed) cookie session: the person is not signed in, so no page but
the second-factor ones treats them as anyone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import request, session
from flask_login import login_user

from core.accounts.models import User
from core.accounts.services.sessions import start_session
from core.extensions import db

PENDING_KEY = "signin_pending"
# Set once this browser's sign-in proved a second factor (or the person turned one on while signed in).
SECOND_FACTOR_KEY = "second_factor"
# Long enough to find the phone and open the app; short enough that a password typed on a shared computer
# and walked away from is not waiting for anyone.
PENDING_SECONDS = 10 * 60


def client_ip() -> str:
    """The client's address (ProxyFix has already applied trusted X-Forwarded-For hops)."""
    return request.remote_addr or "unknown"


def complete_sign_in(user: User, *, remember: bool, second_factor: str | None = None) -> None:
    """Sign this person in: a fresh cookie session, a login session row (committed), Flask-Login."""
    # A fresh cookie session at sign-in: nothing from before (a planted session) carries over.
    session.clear()
    start_session(user, remember=remember, ip=client_ip(), user_agent=request.headers.get("User-Agent"))
    db.session.commit()
    login_user(user, remember=remember)
    session.permanent = True
    if second_factor:
        session[SECOND_FACTOR_KEY] = second_factor


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in whose password was right and whose second factor is still to come."""

    user_id: int
    remember: bool
    next: str
    since: float


def hold_sign_in(user: User, *, remember: bool, next_url: str | None) -> None:
    """Note in a fresh cookie session that this person's password was right; nobody is signed in yet."""
    session.clear()
    session[PENDING_KEY] = {
        "user_id": user.id,
        "remember": bool(remember),
        "next": next_url or "",
        "since": time.time(),
    }


def pending_sign_in() -> PendingSignIn | None:
    """The sign-in held in this browser, unless there is none or it has waited too long."""
    held = session.get(PENDING_KEY)
    if not isinstance(held, dict):
        return None
    try:
        pending = PendingSignIn(
            int(held["user_id"]), bool(held["remember"]), str(held["next"]), float(held["since"])
        )
    except (KeyError, TypeError, ValueError):
        return None
    if time.time() - pending.since > PENDING_SECONDS:
        return None
    return pending


def drop_pending_sign_in() -> None:
    """Forget a held sign-in (signed out, or given up)."""
    session.pop(PENDING_KEY, None)

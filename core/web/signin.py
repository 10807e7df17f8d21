"""Completing a sign-in in the browser, and holding one whose second factor is still to come.

Shared by every way in (the password form, the second-factor pages, an invitation accepted): the page that
checks the last factor calls `complete_sign_in`, so a sign-in always ends the same way. A sign-in held for
its second factor is only a note in the (signed) cookie session: the person is not signed in, so no page but
the second-factor ones treats them as anyone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import render_template, request, session, url_for
from flask_login import login_user

from core.accounts.models import User
from core.accounts.services.sessions import LoginThrottled, start_session
from core.errors import ValidationFailed
from core.extensions import db
from core.forms import Outcome, apply_errors
from core.mfa.services.common import CodeRefused
from core.web.security import is_safe_next

PENDING_KEY = "signin_pending"
# Set once this browser's sign-in proved a second factor (or the person turned one on while signed in).
SECOND_FACTOR_KEY = "second_factor"
# Long enough to find the phone and open the app; short enough that a password typed on a shared computer
# and walked away from is not waiting for anyone.
PENDING_SECONDS = 10 * 60
THROTTLED = "Too many wrong codes. For your security, wait {minutes} minutes and try again."


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
    password_changed: str = ""


def hold_sign_in(user: User, *, remember: bool, next_url: str | None) -> None:
    """Note in a fresh cookie session that this person's password was right; nobody is signed in yet."""
    session.clear()
    session[PENDING_KEY] = {
        "user_id": user.id,
        "remember": bool(remember),
        "next": next_url or "",
        "since": time.time(),
        # A password changed or reset meanwhile (after a compromise, say) voids the held sign-in.
        "password_changed": _stamp(user),
    }


def pending_sign_in() -> PendingSignIn | None:
    """The sign-in held in this browser, unless there is none or it has waited too long."""
    held = session.get(PENDING_KEY)
    if not isinstance(held, dict):
        return None
    try:
        pending = PendingSignIn(
            int(held["user_id"]),
            bool(held["remember"]),
            str(held["next"]),
            float(held["since"]),
            str(held.get("password_changed", "")),
        )
    except (KeyError, TypeError, ValueError):
        return None
    if time.time() - pending.since > PENDING_SECONDS:
        return None
    return pending


def drop_pending_sign_in() -> None:
    """Forget a held sign-in (signed out, or given up)."""
    session.pop(PENDING_KEY, None)


def pending_user(pending: PendingSignIn | None) -> User | None:
    """The person of a held sign-in, unless their account was disabled meanwhile."""
    if pending is None:
        return None
    user = db.session.get(User, pending.user_id)
    if user is None or not user.is_active or _stamp(user) != pending.password_changed:
        return None
    return user


def _stamp(user: User) -> str:
    return user.password_changed_at.isoformat() if user.password_changed_at else ""


def target_after(pending: PendingSignIn | None) -> str:
    """Where a held sign-in goes once complete: the page first asked for, if it is one of ours."""
    return pending.next if pending and is_safe_next(pending.next) else url_for("core.home.home")


def check_submitted(form, call: Callable[[], Any]) -> Outcome:
    """core.forms.submit for a second-factor check: a refused code is committed (its count and audit row
    stay, or the throttle would never fill) and a throttled one is a 429 (`outcome.result`: the minutes)."""
    if not form.validate_on_submit():
        return Outcome(422 if form.is_submitted() else 200)
    try:
        result = call()
        db.session.commit()
    except LoginThrottled as exc:
        db.session.rollback()
        form.form_errors.append(THROTTLED.format(minutes=exc.minutes))
        return Outcome(429, result=exc.minutes)
    except CodeRefused as exc:
        db.session.commit()
        apply_errors(form, exc)
        return Outcome(422, errors=dict(exc.errors))
    except ValidationFailed as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return Outcome(422, errors=dict(exc.errors))
    return Outcome(200, result=result, done=True)


def refused_page(outcome: Outcome, template: str, **context):
    """The page of a second-factor check shown again: a throttled one (429) says when to try again."""
    headers = {"Retry-After": str(outcome.result * 60)} if outcome.status == 429 else {}
    return render_template(template, **context), outcome.status, headers

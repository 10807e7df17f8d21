"""Issuing and revoking API tokens (an administrator's acts, audited), and using one: the bearer check and the
rate limit every API request goes through."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, literal, or_, select, update

from core.accounts.models import Role, User, UserRole
from core.accounts.services.sessions import normalise_email
from core.apitokens.models import ApiToken, Scope, TokenKind
from core.apitokens.permissions import can_manage_api_tokens
from core.apitokens.rules import (
    SHOWN_CHARACTERS,
    TOKEN_NAME,
    WINDOW,
    bearer_token,
    expiry_problem,
    hash_api_token,
    looks_like_token,
    new_api_token,
    retry_after,
    scopes_of,
)
from core.audit.services import record
from core.db.rows import added
from core.db.timeutil import UK, UTCDateTime, uk_today, utcnow
from core.errors import ValidationFailed, require
from core.extensions import db

# Service accounts get an address no one can receive mail at, so no password-reset link ever reaches anyone
# and the account can never be signed in to: it exists only to be acted as by its tokens.
SERVICE_DOMAIN = "service-accounts.invalid"
_FORM_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class Issued:
    token: ApiToken
    raw: str | None  # the token itself, only the first time this form is sent: it is never shown again


def _service_account(actor, name: str) -> User:
    """A new account for a system to act as: no password, the course leader role (it reads every cohort and
    enrols as a course leader would); the address is made up and cannot receive mail."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "service"
    user = User(email=f"{slug}-{secrets.token_hex(4)}@{SERVICE_DOMAIN}", name=name, password_hash=None)
    user.role_rows = [UserRole(role=Role.COURSE_LEADER.value)]
    db.session.add(user)
    db.session.flush()
    record(
        "service_account_created",
        actor=actor,
        actor_role=Role.ADMIN,
        obj=user,
        details={"email": user.email, "roles": [Role.COURSE_LEADER.value]},
    )
    return user


def is_service_account(user: User) -> bool:
    """Whether an account was made for a system by the token page (it can never sign in)."""
    return user.email.endswith("@" + SERVICE_DOMAIN)


def _acting_account(actor, kind: str, name: str, email: str) -> User:
    if kind == TokenKind.SERVICE:
        return _service_account(actor, name)
    if kind != TokenKind.PERSONAL:
        raise ValidationFailed({"kind": "Choose whose account the token acts as."})
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise ValidationFailed({"email": "No account has that email address."})
    if not user.is_active:
        raise ValidationFailed({"email": f"{user.name}'s account is disabled: enable it first."})
    return user


def _expires_at(expires_on: date) -> datetime:
    """The end of that day on the UK clock: a token "until 1 July" works all of 1 July."""
    return datetime.combine(expires_on + timedelta(days=1), time(0), tzinfo=UK).astimezone(UTC)


def _problems(
    name: str, scopes: list[Scope] | None, expires_on: date | None, form_key: str
) -> dict[str, str]:
    errors = {}
    if problem := TOKEN_NAME(name):
        errors["name"] = problem
    if not scopes:
        errors["scopes"] = "Choose what the token may do."
    if problem := expiry_problem(expires_on, uk_today()):
        errors["expires_on"] = problem
    if not _FORM_KEY.fullmatch(form_key or ""):
        errors[""] = "This form is out of date: reload the page and fill it in again."
    return errors


def issue_token(
    actor,
    *,
    name: str,
    scopes: Iterable[str],
    expires_on: date | None,
    kind: str,
    email: str = "",
    form_key: str,
) -> Issued:
    """Issue a token acting as a new service account or as a person's account; the same form sent again
    issues nothing more (and cannot show the token again)."""
    require(can_manage_api_tokens(actor), "Only administrators can issue API tokens.")
    name = (name or "").strip()
    chosen = scopes_of(scopes)
    if errors := _problems(name, chosen, expires_on, form_key):
        raise ValidationFailed(errors)
    issued = db.session.scalar(select(ApiToken).where(ApiToken.form_key == form_key))
    if issued is not None:
        return Issued(issued, None)
    user = _acting_account(actor, kind, name, email)
    raw, hashed = new_api_token()
    token = ApiToken(
        token_hash=hashed,
        prefix=raw[:SHOWN_CHARACTERS],
        name=name,
        kind=kind,
        scopes=" ".join(chosen),
        user_id=user.id,
        created_by_id=actor.id,
        form_key=form_key,
        expires_at=_expires_at(expires_on),
    )
    if not added(token):
        # The same form sent twice at once: the other request issued it.
        return Issued(db.session.scalars(select(ApiToken).where(ApiToken.form_key == form_key)).one(), None)
    record(
        "api_token_issued",
        actor=actor,
        actor_role=Role.ADMIN,
        obj=token,
        details={
            "name": name,
            "kind": kind,
            "acts_as": user.email,
            "scopes": token.scopes,
            "expires_on": expires_on.isoformat(),
            "prefix": token.prefix,
        },
    )
    return Issued(token, raw)


def revoke_token(actor, token: ApiToken) -> bool:
    """Stop a token working at once; False when it was revoked already (nothing changes twice)."""
    require(can_manage_api_tokens(actor), "Only administrators can revoke API tokens.")
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    token.revoked_by_id = actor.id
    db.session.flush()
    record(
        "api_token_revoked",
        actor=actor,
        actor_role=Role.ADMIN,
        obj=token,
        details={"name": token.name, "prefix": token.prefix},
    )
    return True


# Using a token --------------------------------------------------------------------------------


class TokenRefused(Exception):
    """The request's token does not let it in: 401 (missing, unknown, expired, revoked) or 429 (too many)."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


@dataclass(frozen=True)
class TokenUse:
    token_id: int
    user: User
    scopes: frozenset[str]


_CHALLENGE = 'Bearer realm="waymark"'


def _unusable(hashed: str, now: datetime) -> TokenRefused:
    """Why a token that did not let the request in is refused, in words an operator can act on."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hashed))
    if token is None:
        detail = "This API token is not one Waymark issued. Check that the whole token was copied."
    elif token.revoked_at is not None:
        detail = "This API token has been revoked. Ask an administrator for a new one."
    else:
        detail = "This API token has expired. Ask an administrator for a new one."
    return TokenRefused(401, detail, {"WWW-Authenticate": _CHALLENGE + ', error="invalid_token"'})


def use_token(header: str | None, *, per_minute: int, now: datetime | None = None) -> TokenUse:
    """The account and scopes of the bearer token in an Authorization header, counted towards its rate limit
    (one statement, the first of the request: the count holds across workers). Raises TokenRefused."""
    raw = bearer_token(header)
    if raw is None:
        raise TokenRefused(
            401, "Send an API token: Authorization: Bearer wmk_...", {"WWW-Authenticate": _CHALLENGE}
        )
    now = now or utcnow()
    hashed = hash_api_token(raw) if looks_like_token(raw) else ""
    moment = literal(now, UTCDateTime())
    fresh = or_(ApiToken.window_started_at.is_(None), ApiToken.window_started_at <= now - WINDOW)
    row = db.session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == hashed, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
        .values(
            last_used_at=now,
            window_started_at=case((fresh, moment), else_=ApiToken.window_started_at),
            window_count=case((fresh, 1), else_=ApiToken.window_count + 1),
        )
        .returning(
            ApiToken.id, ApiToken.user_id, ApiToken.scopes, ApiToken.window_started_at, ApiToken.window_count
        )
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        raise _unusable(hashed, now)
    token_id, user_id, scopes, started, count = row
    if count > per_minute:
        wait = retry_after(started, now)
        raise TokenRefused(
            429,
            f"This token has made more than {per_minute} requests in a minute. Try again in {wait} seconds.",
            {"Retry-After": str(wait)},
        )
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise TokenRefused(
            401,
            "The account this API token acts as is disabled.",
            {"WWW-Authenticate": _CHALLENGE + ', error="invalid_token"'},
        )
    return TokenUse(token_id, user, frozenset(scopes.split()))

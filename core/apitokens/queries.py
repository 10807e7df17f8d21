"""Reading API tokens: the administrator's list, one token by id."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.apitokens.models import ApiToken
from core.extensions import db


def all_tokens() -> list[ApiToken]:
    """Every token, newest first, with the account it acts as and who issued it."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .options(joinedload(ApiToken.user), joinedload(ApiToken.created_by))
            .order_by(ApiToken.id.desc())
        )
    )


def token_or_404(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    return token

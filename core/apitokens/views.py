"""API tokens (`apitokens` blueprint, under /admin/api-tokens): the list, issuing one (shown once) and
revoking."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.apitokens.forms import IssueTokenForm
from core.apitokens.models import TokenKind, TokenStatus
from core.apitokens.queries import all_tokens, token_or_404
from core.apitokens.rules import DEFAULT_DAYS, MAX_DAYS
from core.apitokens.services import issue_token, revoke_token
from core.db.timeutil import uk_today, utcnow
from core.forms import submit
from core.web.access import ADMIN, rule

bp = Blueprint("apitokens", __name__, url_prefix="/admin/api-tokens")


def _list_url():
    return url_for("core.apitokens.list_tokens")


@bp.get("/")
@rule(ADMIN)
def list_tokens():
    return render_template(
        "core/apitokens/list.html", tokens=all_tokens(), now=utcnow(), statuses=TokenStatus, kinds=TokenKind
    )


def _blank_form() -> IssueTokenForm:
    """A new form with its own key and a default expiry; `?like=<id>` starts from a token (to rotate it)."""
    form = IssueTokenForm()
    form.form_key.data = secrets.token_urlsafe(24)
    form.expires_on.data = uk_today() + timedelta(days=DEFAULT_DAYS)
    like = request.args.get("like", type=int)
    if like:
        token = token_or_404(like)
        form.name.data = token.name
        form.kind.data = TokenKind.PERSONAL.value
        form.email.data = token.user.email
        form.scopes.data = token.scopes.split()
    return form


@bp.route("/new", methods=["GET", "POST"])
@rule(ADMIN)
def issue():
    if request.method == "GET":
        return _page(_blank_form())
    form = IssueTokenForm()
    done = submit(
        form,
        lambda: issue_token(
            current_user,
            name=form.name.data,
            scopes=form.scopes.data or [],
            expires_on=form.expires_on.data,
            kind=form.kind.data,
            email=form.email.data or "",
            form_key=form.form_key.data or "",
        ),
    )
    if not done:
        return _page(form, done.status)
    issued = done.result
    if issued.raw is None:
        # The same form again (a reload, a double click): the token exists and is never shown a second time.
        flash(
            f"The token “{issued.token.name}” was issued when this form was first sent, and it is shown only "
            "once. If it was not copied, revoke it and issue a new one.",
            "info",
        )
        return redirect(_list_url())
    return render_template("core/apitokens/issued.html", token=issued.token, raw=issued.raw), 201


def _page(form: IssueTokenForm, status: int = 200):
    return render_template("core/apitokens/new.html", form=form, max_days=MAX_DAYS), status


@bp.post("/<int:token_id>/revoke")
@rule(ADMIN)
def revoke(token_id: int):
    token = token_or_404(token_id)
    if submit(None, lambda: revoke_token(current_user, token)).result:
        flash(f"The token “{token.name}” is revoked: it stopped working at once.", "success")
    else:
        flash(f"The token “{token.name}” was already revoked.", "info")
    return redirect(_list_url())

"""Home, theme choice and the health check: the `core` blueprint."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, text

from core.accounts.models import Role, User
from core.accounts.permissions import can_invite, can_manage_accounts, can_view_outbox
from core.accounts.queries import pending_invitations
from core.extensions import db
from core.mail.models import MailStatus, OutboxMessage
from core.web.access import PUBLIC, rule
from core.web.formatting import THEME_COOKIE, THEMES
from core.web.security import is_safe_next

bp = Blueprint("home", __name__)


@bp.route("/")
@rule(PUBLIC)
def home():
    if not current_user.is_authenticated:
        return render_template("core/home/welcome.html")
    admin_summary = None
    if can_manage_accounts(current_user):
        admin_summary = {
            "accounts": db.session.scalar(select(func.count(User.id))),
            "disabled": db.session.scalar(select(func.count(User.id)).where(User.disabled_at.is_not(None))),
        }
    queued_mail = None
    if can_view_outbox(current_user):
        queued_mail = db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.status == MailStatus.QUEUED)
        )
    invitations = None
    if can_invite(current_user):
        mine = None if can_manage_accounts(current_user) else current_user
        invitations = pending_invitations(mine, limit=5)
    # Panels of the areas (core cannot import them): each gives a template and its context, or None.
    panels = [
        panel
        for make in current_app.extensions.get("waymark_home_panels", [])
        if (panel := make(current_user))
    ]
    return render_template(
        "core/home/home.html",
        panels=panels,
        Role=Role,
        admin_summary=admin_summary,
        queued_mail=queued_mail,
        invitations=invitations,
    )


@bp.route("/theme", methods=["POST"])
@rule(PUBLIC)
def set_theme():
    choice = request.form.get("theme", "system")
    if choice not in THEMES:
        choice = "system"
    if request.headers.get("X-Requested-With") == "fetch":
        response = Response(status=204)
    else:
        target = request.form.get("next", "")
        response = redirect(target if is_safe_next(target) else url_for("core.home.home"))
    # A cookie, not a database row: the choice belongs to the device (a shared school PC may differ).
    response.set_cookie(THEME_COOKIE, choice, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.route("/ping")
@rule(PUBLIC)
def ping():
    return Response("ok", mimetype="text/plain")


@bp.route("/health")
@rule(PUBLIC)
def health():
    db.session.execute(text("SELECT 1"))
    return Response("ok", mimetype="text/plain")

"""The role-aware main navigation, built from the same permission predicates the views use."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user

from core.accounts.permissions import can_invite, can_manage_accounts, can_view_outbox
from core.apitokens.permissions import can_manage_api_tokens


def navigation() -> list[dict]:
    """The current user's menu: label, url and whether it is the current page."""
    # The object itself: the permission predicates read a dozen of its attributes, each through Flask-Login's
    # proxy otherwise (38 lookups of the signed-in user on the module page).
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return []
    items = [("Home", "core.home.home"), ("Notifications", "core.notifications.list_notifications")]
    # The areas' entries, registered by the composition root (core cannot import the areas).
    area_items = current_app.extensions.get("waymark_nav", [])
    items += [(label, endpoint) for label, endpoint, allowed in area_items if allowed(user)]
    if can_invite(user):
        items.append(("Invite people", "core.people.invite_person"))
    if can_manage_accounts(user):
        items.append(("Accounts", "core.people.list_accounts"))
        items.append(("Audit log", "core.audit.list_events"))
    if can_manage_api_tokens(user):
        items.append(("API tokens", "core.apitokens.list_tokens"))
    if can_view_outbox(user):
        items.append(("Outbox", "core.mail.list_messages"))
    current = request.endpoint or ""
    return [
        {"label": label, "url": url_for(endpoint), "active": current == endpoint} for label, endpoint in items
    ]

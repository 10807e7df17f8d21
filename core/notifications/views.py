"""Notifications pages (`notifications` blueprint): the list, marking read, preferences."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core.db.paging import newest_first
from core.extensions import db
from core.forms import answer, submit, values
from core.notifications.forms import PreferencesForm
from core.notifications.models import Notification
from core.notifications.services import mark_read, preference_of, save_preferences
from core.web.access import SIGNED_IN, rule
from core.web.words import plural

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PAGE_SIZE = 30


@bp.route("/")
@rule(SIGNED_IN)
def list_notifications():
    query = select(Notification).where(Notification.user_id == current_user.id)
    before = request.args.get("before", type=int)
    notes, next_before = newest_first(query, Notification.id, before, PAGE_SIZE)
    next_url = None
    if next_before is not None:
        next_url = url_for("core.notifications.list_notifications", before=next_before)
    return render_template("core/notifications/list.html", notes=notes, next_url=next_url)


@bp.route("/read", methods=["POST"])
@rule(SIGNED_IN)
def read_all():
    changed = mark_read(current_user)
    db.session.commit()
    flash(f"{plural(changed, 'notification')} marked as read." if changed else "Nothing new.", "success")
    return redirect(url_for("core.notifications.list_notifications"))


@bp.route("/preferences", methods=["GET", "POST"])
@rule(SIGNED_IN)
def preferences():
    pref = preference_of(current_user.id)
    form = PreferencesForm(obj=pref if request.method == "GET" else None)
    digest_hour = form.digest_hour.data if form.digest_hour.data is not None else 17
    return answer(
        submit(
            form,
            lambda: save_preferences(
                current_user, **values(form, "delivery", "quiet_start", "quiet_end"), digest_hour=digest_hour
            ),
        ),
        "Your notification settings are saved.",
        url_for("core.notifications.preferences"),
        lambda refused: (render_template("core/notifications/preferences.html", form=form), refused.status),
    )

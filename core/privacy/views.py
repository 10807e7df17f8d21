"""Downloading one's data (`privacy` blueprint): a person's own, or an administrator's on someone's behalf."""

from __future__ import annotations

from flask import Blueprint, after_this_request, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from core.accounts.models import User
from core.extensions import db
from core.forms import submit
from core.privacy.forms import DownloadForm, EraseForm
from core.privacy.rules import GROUP_DAYS
from core.privacy.services import apply_retention, erase, subject_access_archive
from core.web.access import ADMIN, SIGNED_IN, rule

bp = Blueprint("privacy", __name__)


def _send(person: User):
    form = DownloadForm()
    outcome = submit(form, lambda: subject_access_archive(person, actor=current_user))
    if not outcome:
        return render_template("core/privacy/my_data.html", person=person, form=form), outcome.status
    path = outcome.result

    @after_this_request
    def _remove(response):
        response.call_on_close(lambda: path.unlink(missing_ok=True))
        return response

    stamp = path.stat().st_mtime_ns
    return send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"waymark-data-{person.id}-{stamp // 10**9}.zip",
        max_age=0,
    )


@bp.route("/account/my-data", methods=["GET", "POST"])
@rule(SIGNED_IN)
def my_data():
    return _send(current_user._get_current_object())


@bp.route("/admin/accounts/<int:user_id>/data", methods=["GET", "POST"])
@rule(ADMIN)
def person_data(user_id: int):
    return _send(db.get_or_404(User, user_id))


@bp.route("/admin/accounts/<int:user_id>/erase", methods=["GET", "POST"])
@rule(ADMIN)
def erase_person(user_id: int):
    """Erasure on request: what will go and what is kept (and why) first, then the erasure itself."""
    person = db.get_or_404(User, user_id)
    form = EraseForm()
    outcome = submit(form, lambda: erase(person, actor=current_user, reason=form.reason.data))
    if outcome:
        flash("Erased. What was kept, and why, is in the audit trail.", "success")
        return redirect(url_for("core.people.show_account", user_id=person.id))
    plan = apply_retention(person, list(GROUP_DAYS), dry_run=True)
    db.session.rollback()
    return render_template("core/privacy/erase.html", person=person, form=form, plan=plan), outcome.status

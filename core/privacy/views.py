"""Downloading one's data (`privacy` blueprint): a person's own, or an administrator's on someone's behalf."""

from __future__ import annotations

from flask import Blueprint, after_this_request, render_template, send_file
from flask_login import current_user

from core.accounts.models import User
from core.extensions import db
from core.forms import submit
from core.privacy.forms import DownloadForm
from core.privacy.services import subject_access_archive
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

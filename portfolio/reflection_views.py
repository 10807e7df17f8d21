"""Finishing a reflective task: the answer becomes portfolio evidence (a route on the `portfolio` blueprint).

It lives here, not in modules/, because it writes to both areas and imports flow only one way.
"""

from __future__ import annotations

from flask import flash
from flask_login import current_user

from core.access import roles, rule
from core.accounts.roles import Role
from core.errors import InvalidTransition, ValidationFailed
from core.extensions import db
from modules.forms import FinishForm
from modules.study_services import finish_reflection
from modules.views import activity_or_404, back_to_activity, module_or_404, revision_of
from portfolio.items import evidence_from_reflection
from portfolio.views import bp


@bp.route("/reflections/<family>/<code>/<int:activity_id>/finish", methods=["POST"])
@rule(roles(Role.CANDIDATE))
def finish_reflection_as_evidence(family: str, code: str, activity_id: int):
    enrolment, progress = module_or_404(family, code)
    activity = activity_or_404(progress, activity_id)
    form = FinishForm()
    try:
        draft = finish_reflection(
            current_user,
            enrolment,
            activity,
            revision=revision_of(form.revision.data),
            done=progress.done,
            order=progress.order,
        )
        evidence_from_reflection(current_user, draft, activity)
    except (ValidationFailed, InvalidTransition) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return back_to_activity(family, code, activity.id, "#answer")
    db.session.commit()
    flash("Your answer is finished and is now evidence in your portfolio, mapped to its criteria.", "success")
    return back_to_activity(family, code, activity.id)

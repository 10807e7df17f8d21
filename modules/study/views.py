"""Studying a module (`study` blueprint): the module page, activities, knowledge checks, drafts."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from core.extensions import db
from core.files.downloads import content_disposition
from core.files.storage import get_store
from core.forms import submit, wants_json
from core.web.access import SIGNED_IN, rule
from modules.content.models import IMAGE_KINDS, ActivityFile, ActivityKind
from modules.permissions import CANDIDATES, can_author_content, can_study
from modules.study.forms import DraftForm, FinishForm
from modules.study.models import DraftRecovery
from modules.study.queries import (
    activity_or_404,
    attempt_answers,
    enrolment_for,
    last_attempt,
    module_or_404,
    open_recoveries,
    revision_of,
)
from modules.study.rules import quiz_passed
from modules.study.services import complete, dismiss_recovery, is_locked, mark_quiz, note_position, save_draft

bp = Blueprint("study", __name__, url_prefix="/study")


@bp.route("/<family>/<code>")
@rule(CANDIDATES)
def show_module(family: str, code: str):
    enrolment, progress = module_or_404(family, code, detail=False)
    return render_template(
        "modules/study/module.html",
        enrolment=enrolment,
        progress=progress,
        is_locked=is_locked,
        ActivityKind=ActivityKind,
    )


def _activity_page(
    enrolment, progress, activity, *, status=200, draft_form=None, quiz_errors=None, saved=None
):
    order = progress.order
    index = order.index(activity.id)
    by_id = {a.id: a for a in progress.activities}
    draft = progress.drafts.get(activity.id)
    if draft_form is None:
        draft_form = DraftForm(
            formdata=None, text=draft.text if draft else "", revision=str(draft.revision if draft else 0)
        )
    attempt = last_attempt(current_user.id, activity.id) if activity.kind == ActivityKind.QUIZ else None
    return (
        render_template(
            "modules/study/activity.html",
            enrolment=enrolment,
            progress=progress,
            activity=activity,
            locked=is_locked(activity, progress.done, order),
            previous=by_id[order[index - 1]] if index > 0 else None,
            following=by_id[order[index + 1]] if index + 1 < len(order) else None,
            draft=draft,
            draft_form=draft_form,
            finish_form=FinishForm(formdata=None, revision=str(draft.revision if draft else 0)),
            recoveries=open_recoveries(draft),
            attempt=attempt,
            chosen=attempt_answers(attempt) if attempt else {},
            quiz_errors=quiz_errors or {},
            ActivityKind=ActivityKind,
            saved=saved,
        ),
        status,
    )


@bp.route("/<family>/<code>/<int:activity_id>")
@rule(CANDIDATES)
def show_activity(family: str, code: str, activity_id: int):
    enrolment, progress = module_or_404(family, code)
    return _activity_page(enrolment, progress, activity_or_404(progress, activity_id))


def back_to_activity(family, code, activity_id, anchor=""):
    return redirect(
        url_for("modules.study.show_activity", family=family, code=code, activity_id=activity_id) + anchor
    )


@bp.route("/<family>/<code>/<int:activity_id>/done", methods=["POST"])
@rule(CANDIDATES)
def mark_done(family: str, code: str, activity_id: int):
    enrolment, progress = module_or_404(family, code)
    activity = activity_or_404(progress, activity_id)
    if activity.kind not in (ActivityKind.LESSON, ActivityKind.RESOURCE):
        abort(400)
    complete(current_user, enrolment, activity, how="manual", done=progress.done, order=progress.order)
    db.session.commit()
    flash(f"Done: {activity.title}.", "success")
    following = progress.order.index(activity.id) + 1
    if following < len(progress.order):
        return back_to_activity(family, code, progress.order[following])
    return redirect(url_for("modules.study.show_module", family=family, code=code))


@bp.route("/<family>/<code>/<int:activity_id>/answers", methods=["POST"])
@rule(CANDIDATES)
def answer_quiz(family: str, code: str, activity_id: int):
    enrolment, progress = module_or_404(family, code)
    activity = activity_or_404(progress, activity_id)
    answers = {}
    for question in activity.questions:
        values = request.form.getlist(f"q{question.id}")
        try:
            answers[question.id] = [int(v) for v in values]
        except ValueError:
            answers[question.id] = [-1]
    outcome = submit(
        None,
        lambda: mark_quiz(
            current_user, enrolment, activity, answers, done=progress.done, order=progress.order
        ),
    )
    if not outcome:
        return _activity_page(enrolment, progress, activity, status=422, quiz_errors=outcome.errors)
    attempt = outcome.result
    passed = quiz_passed(attempt.score, attempt.max_score, try_is_enough=activity.try_is_enough)
    flash(
        f"You scored {attempt.score} out of {attempt.max_score}. The explanations are below each question. "
        + ("The check is done." if passed else "Get every answer right to finish the check."),
        "success" if passed else "info",
    )
    return back_to_activity(family, code, activity.id, "#results")


@bp.route("/<family>/<code>/<int:activity_id>/draft", methods=["POST"])
@rule(CANDIDATES)
def save_reflection(family: str, code: str, activity_id: int):
    enrolment, progress = module_or_404(family, code)
    activity = activity_or_404(progress, activity_id)
    form = DraftForm()
    background = wants_json()  # the autosave script
    if not form.validate_on_submit():
        if background:
            return jsonify(ok=False, message="Your answer is too long to save."), 422
        return _activity_page(enrolment, progress, activity, status=422, draft_form=form)
    # An empty revision is a first save; a garbled one is treated as stale.
    base = revision_of(form.revision.data or "0")
    result = save_draft(
        current_user,
        enrolment,
        activity,
        text=form.text.data or "",
        base_revision=base,
        done=progress.done,
        order=progress.order,
    )
    db.session.commit()
    if background:
        return jsonify(
            ok=result.conflict is None,
            revision=result.draft.revision,
            conflict=result.conflict is not None,
            saved_at=result.draft.updated_at.isoformat(),
        ), (409 if result.conflict else 200)
    if result.conflict is not None:
        flash(
            "This answer was changed in another tab or device since you opened it. The newer text is shown; "
            "the text you just sent is kept below so you can copy anything you need.",
            "warning",
        )
    else:
        flash("Draft saved.", "success")
    return back_to_activity(family, code, activity.id, "#answer")


@bp.route("/<family>/<code>/<int:activity_id>/recoveries/<int:recovery_id>/dismiss", methods=["POST"])
@rule(CANDIDATES)
def dismiss(family: str, code: str, activity_id: int, recovery_id: int):
    _, progress = module_or_404(family, code)
    recovery = db.get_or_404(DraftRecovery, recovery_id)
    draft = progress.drafts.get(activity_id)
    if draft is None or recovery.draft_id != draft.id:
        abort(404)  # someone else's kept text: do not confirm it exists
    dismiss_recovery(current_user, recovery)
    db.session.commit()
    return back_to_activity(family, code, activity_id, "#answer")


@bp.route("/<family>/<code>/<int:activity_id>/position", methods=["POST"])
@rule(CANDIDATES)
def remember_position(family: str, code: str, activity_id: int):
    _, progress = module_or_404(family, code)
    activity = activity_or_404(progress, activity_id)
    anchor = (request.form.get("anchor") or "")[:80]
    note_position(current_user, activity, anchor=anchor if anchor.replace("-", "").isalnum() else "")
    db.session.commit()
    return ("", 204)


@bp.route("/files/<int:file_id>")
@rule(SIGNED_IN)
def activity_file(file_id: int):
    attached = db.session.get(ActivityFile, file_id)
    if attached is None:
        abort(404)
    section = attached.activity.section
    enrolment = enrolment_for(current_user.id, section.family, section.module_code)
    # 404: someone not studying the module learns nothing about its files.
    if not (can_author_content(current_user) or can_study(current_user, enrolment)):
        abort(404)
    try:
        path = get_store(current_app).path_for(attached.sha256)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    image = IMAGE_KINDS.get(attached.kind)
    # Only images are shown inline (an <img> under CSP img-src 'self'); anything else is a download that
    # no browser renders or sniffs.
    response = send_file(
        path,
        mimetype=image or "application/octet-stream",
        as_attachment=image is None,
        download_name="file",
        etag=attached.sha256,
    )
    response.headers["Content-Disposition"] = content_disposition(
        attached.name, "inline" if image else "attachment"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""Authoring module content (`authoring`): outlines, activities, knowledge-check questions, previews."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from core.accounts.models import Role
from core.forms import submit, whole
from core.web.access import roles, rule
from modules.authoring.forms import (
    ActivityForm,
    LockForm,
    NewActivityForm,
    QuestionForm,
    SectionForm,
    activity_form,
    outline_forms,
    question_form,
)
from modules.authoring.queries import (
    activity_or_404,
    activity_preview,
    authorable_modules,
    found_or_404,
    module_or_404,
    module_preview,
    question_or_404,
    section_or_404,
)
from modules.authoring.services import files as content_files
from modules.authoring.services import outline, questions
from modules.authoring.services.activities import update_activity
from modules.authoring.services.common import CONFLICT, EditConflict
from modules.catalogue.models import Module
from modules.content.models import Activity, ActivityKind
from modules.study.queries import sections_of

bp = Blueprint("authoring", __name__, url_prefix="/authoring")
# Tutors are the assessors (domain.md): they write content with the course leaders.
AUTHORS = roles(Role.COURSE_LEADER, Role.ADMIN, Role.ASSESSOR)
MODULE = "/<family>/<code>"
ACTIVITY = MODULE + "/activities/<int:activity_id>"
QUESTION = ACTIVITY + "/questions/<int:question_id>"
PREVIEW_ONLY = "This is a preview: what candidates send from this page is not saved."


def _lock() -> dict:
    return {"expected_version": whole(LockForm().version.data)}


def _attempt(form, call: Callable):
    """Submit to one authoring service; the services check the input, so the form is not validated twice."""
    return submit(form, call, validate=False, conflicts=EditConflict, stale=CONFLICT)


def _problems(done, form) -> list[str]:
    """A refusal with no form to carry it is listed at the top of the page."""
    return list(done.errors.values()) if form is None else []


def _outline_url(family: str, code: str, anchor: str | None = None) -> str:
    return url_for("modules.authoring.show_outline", family=family, code=code, _anchor=anchor)


def _activity_url(activity: Activity, anchor: str | None = None) -> str:
    section = activity.section
    return url_for(
        "modules.authoring.edit_activity",
        family=section.family,
        code=section.module_code,
        activity_id=activity.id,
        _anchor=anchor,
    )


# The module list and the outline ----------------------------------------------------------------------


@bp.route("/")
@rule(AUTHORS)
def list_modules():
    return render_template("modules/authoring/index.html", modules=authorable_modules())


def _outline(module: Module, status: int = 200, *, prefix=None, form=None, problems=(), conflict=None):
    sections = sections_of(module.family, module.code)
    forms = outline_forms(sections)
    if prefix is not None:
        forms[prefix] = form
    page = render_template(
        "modules/authoring/outline.html",
        module=module,
        sections=sections,
        edit_forms=forms,
        failed=form,
        problems=list(problems),
        conflict=conflict,
        total_minutes=sum(a.minutes for s in sections for a in s.activities),
    )
    return page, status


def _on_outline(module: Module, call: Callable, message, anchor, *, prefix=None, form=None):
    """Call one outline service, then back to the outline; or the outline again with the problem."""
    done = _attempt(form, call)
    if not done:
        return _outline(
            module,
            done.status,
            prefix=prefix,
            form=form,
            problems=_problems(done, form),
            conflict=done.conflict,
        )
    flash(message(done.result) if callable(message) else message, "success")
    return redirect(
        anchor(done.result) if callable(anchor) else _outline_url(module.family, module.code, anchor)
    )


@bp.route(MODULE)
@rule(AUTHORS)
def show_outline(family: str, code: str):
    return _outline(module_or_404(family, code))


@bp.route(MODULE + "/sections", methods=["POST"])
@rule(AUTHORS)
def add_section(family: str, code: str):
    module = module_or_404(family, code)
    form = SectionForm(prefix="add-section")
    return _on_outline(
        module,
        lambda: outline.add_section(current_user, family, code, title=form.title.data),
        lambda s: f"Added the section “{s.title}”. Now add activities to it.",
        lambda s: _outline_url(family, code, f"section-{s.id}"),
        prefix="add-section",
        form=form,
    )


@bp.route(MODULE + "/sections/<int:section_id>", methods=["POST"])
@rule(AUTHORS)
def rename_section(family: str, code: str, section_id: int):
    module, section = module_or_404(family, code), section_or_404(family, code, section_id)
    prefix = f"section-{section_id}"
    form = SectionForm(prefix=prefix)
    return _on_outline(
        module,
        lambda: outline.rename_section(current_user, section, title=form.title.data, **_lock()),
        lambda s: f"Saved the section title “{s.title}”.",
        f"section-{section_id}",
        prefix=prefix,
        form=form,
    )


@bp.route(MODULE + "/sections/<int:section_id>/activities", methods=["POST"])
@rule(AUTHORS)
def add_activity(family: str, code: str, section_id: int):
    module, section = module_or_404(family, code), section_or_404(family, code, section_id)
    prefix = f"add-activity-{section_id}"
    form = NewActivityForm(prefix=prefix)
    fields = {name: form[name].data for name in ("kind", "title", "minutes")}
    return _on_outline(
        module,
        lambda: outline.add_activity(current_user, section, **fields),
        lambda a: f"Added the {a.kind_enum.label.lower()} “{a.title}”. Now write its content.",
        _activity_url,
        prefix=prefix,
        form=form,
    )


# Moving and deleting a section or an activity take the same steps (load the module and the row, call the
# service with the page's lock, say what happened, back to the outline), so the four routes are made from
# this table: (kind, path, loader, move, delete, what moving says, what deleting says, where deleting lands).
ROWS = (
    ("section", MODULE + "/sections/<int:section_id>", section_or_404, outline.move_section,
     outline.delete_section, "Moved the section “{}” {}.", "Deleted the section “{}”.", lambda s: "sections"),
    ("activity", ACTIVITY, activity_or_404, outline.move_activity, outline.delete_activity,
     "Moved “{}” {}.", "Deleted the activity “{}”.", lambda a: f"section-{a.section_id}"),
)  # fmt: skip


def _move_view(kind: str, load, move, moved: str):
    @rule(AUTHORS)
    def view(family: str, code: str, **ids):
        module, row = module_or_404(family, code), load(family, code, *ids.values())
        direction = LockForm().direction.data
        return _on_outline(
            module,
            lambda: move(current_user, row, direction=direction, **_lock()),
            lambda done: moved.format(done.title, direction),
            f"{kind}-{row.id}",
        )

    return view


def _delete_view(load, delete, deleted: str, landing):
    @rule(AUTHORS)
    def view(family: str, code: str, **ids):
        module, row = module_or_404(family, code), load(family, code, *ids.values())
        told, back = deleted.format(row.title), landing(row)  # before the row is gone
        return _on_outline(module, lambda: delete(current_user, row, **_lock()), told, back)

    return view


for _kind, _path, _load, _move, _delete, _moved, _deleted, _landing in ROWS:
    bp.add_url_rule(
        f"{_path}/move",
        endpoint=f"move_{_kind}",
        view_func=_move_view(_kind, _load, _move, _moved),
        methods=["POST"],
    )
    bp.add_url_rule(
        f"{_path}/delete",
        endpoint=f"delete_{_kind}",
        view_func=_delete_view(_load, _delete, _deleted, _landing),
        methods=["POST"],
    )


# One activity ----------------------------------------------------------------------------------------


def _activity_page(module, activity, form=None, status=200, *, preview=False, conflict=None, problems=()):
    context = {"module": module, "activity": activity, "form": form or activity_form(activity)}
    context |= {"preview": preview, "conflict": conflict, "problems": list(problems)}
    return render_template("modules/authoring/activity.html", ActivityKind=ActivityKind, **context), status


@bp.route(ACTIVITY, methods=["GET", "POST"])
@rule(AUTHORS)
def edit_activity(family: str, code: str, activity_id: int):
    module, activity = module_or_404(family, code), activity_or_404(family, code, activity_id)
    if request.method == "GET":
        return _activity_page(module, activity)
    form = ActivityForm()
    if request.form.get("action") == "preview":
        # Nothing is saved: the page comes back with the typed text, and the body as candidates will see it.
        return _activity_page(module, activity, form, preview=True)
    # The activity form's fields are the service's arguments, each kind's own among them.
    fields = {name: value for name, value in form.data.items() if name not in ("version", "csrf_token")}
    fields["expected_version"] = whole(form.version.data)
    done = _attempt(form, lambda: update_activity(current_user, activity, **fields))
    if done.status == 409:
        activity = activity_or_404(family, code, activity_id)
        # The user's text stays; the version becomes the one now saved, so saving again is deliberate.
        form.version.data = str(activity.version)
    if not done:
        return _activity_page(module, activity, form, done.status, conflict=done.conflict)
    flash(f"Saved “{activity.title}”.", "success")
    return redirect(_activity_url(activity))


# Knowledge-check questions -----------------------------------------------------------------------------


def _question_page(module, activity, question, form, status=200, conflict=None):
    context = {"module": module, "activity": activity, "question": question, "form": form}
    return render_template("modules/authoring/question.html", conflict=conflict, **context), status


def _save_question(module, activity, question, service: Callable, message: str):
    form = QuestionForm()
    options = [
        {"id": whole(entry.form["id"].data), "text": entry.form.text.data, "correct": entry.form.correct.data}
        for entry in form.options
    ]
    fields = {name: form[name].data for name in ("text", "multiple", "explanation")}
    fields |= {"options": options, "expected_version": whole(form.version.data)}
    ids = (activity.id, question.id if question else None)
    done = _attempt(form, lambda: service(current_user, question or activity, **fields))
    if done.status == 409:
        # Reloaded after the rollback: either may have been deleted meanwhile (then a plain 409 page).
        activity = activity_or_404(module.family, module.code, ids[0])
        question = ids[1] and question_or_404(activity, ids[1])
        form.version.data = str(activity.version)
    if not done:
        return _question_page(module, activity, question, form, done.status, conflict=done.conflict)
    flash(message, "success")
    return redirect(_activity_url(activity, "questions"))


@bp.route(ACTIVITY + "/questions/new", methods=["GET", "POST"])
@rule(AUTHORS)
def add_question(family: str, code: str, activity_id: int):
    module, activity = module_or_404(family, code), activity_or_404(family, code, activity_id, quiz=True)
    if request.method == "GET":
        return _question_page(module, activity, None, question_form(activity))
    return _save_question(module, activity, None, questions.add_question, "Added the question.")


@bp.route(QUESTION, methods=["GET", "POST"])
@rule(AUTHORS)
def edit_question(family: str, code: str, activity_id: int, question_id: int):
    module, activity = module_or_404(family, code), activity_or_404(family, code, activity_id, quiz=True)
    question = question_or_404(activity, question_id)
    if request.method == "GET":
        return _question_page(module, activity, question, question_form(activity, question))
    return _save_question(module, activity, question, questions.update_question, "Saved the question.")


def _on_activity(module, activity, call: Callable, message, anchor: str):
    """Call one service changing part of an activity, then back to that part; or the page with the problem."""
    activity_id = activity.id
    done = _attempt(None, call)
    if not done:
        # Reloaded after the rollback, which expired it (a 404 if someone deleted it meanwhile).
        activity = activity_or_404(module.family, module.code, activity_id)
        return _activity_page(
            module, activity, None, done.status, conflict=done.conflict, problems=_problems(done, None)
        )
    flash(message(done.result) if callable(message) else message, "success")
    return redirect(_activity_url(activity, anchor))


@bp.route(QUESTION + "/move", methods=["POST"])
@rule(AUTHORS)
def move_question(family: str, code: str, activity_id: int, question_id: int):
    module, activity = module_or_404(family, code), activity_or_404(family, code, activity_id, quiz=True)
    question = question_or_404(activity, question_id)
    direction = LockForm().direction.data
    move = lambda: questions.move_question(current_user, question, direction=direction, **_lock())  # noqa: E731
    return _on_activity(module, activity, move, f"Moved the question {direction}.", "questions")


@bp.route(QUESTION + "/delete", methods=["POST"])
@rule(AUTHORS)
def delete_question(family: str, code: str, activity_id: int, question_id: int):
    module, activity = module_or_404(family, code), activity_or_404(family, code, activity_id, quiz=True)
    question = question_or_404(activity, question_id)
    delete = lambda: questions.delete_question(current_user, question, **_lock())  # noqa: E731
    return _on_activity(module, activity, delete, "Deleted the question.", "questions")


# Previews: the candidates' own templates, with their links kept inside the preview ----------------------


def _preview_url_for(endpoint: str, **values) -> str:
    """url_for for the study templates: pages lead to previews, forms to a preview that keeps nothing."""
    if endpoint == "modules.study.show_module":
        return url_for("modules.authoring.preview_module", **values)
    if endpoint.startswith("modules.study.") and "activity_id" in values:
        keep = {k: values[k] for k in ("family", "code", "activity_id")}
        if endpoint == "modules.study.remember_position":
            keep["quiet"] = 1  # the reading-position beacon, sent in the background
        return url_for("modules.authoring.preview_activity", **keep, _anchor=values.get("_anchor"))
    return url_for(endpoint, **values)


@bp.route(MODULE + "/preview")
@rule(AUTHORS)
def preview_module(family: str, code: str):
    context = module_preview(module_or_404(family, code))
    return render_template("modules/authoring/preview_module.html", **context, url_for=_preview_url_for)


@bp.route(MODULE + "/preview/<int:activity_id>", methods=["GET", "POST"])
@rule(AUTHORS)
def preview_activity(family: str, code: str, activity_id: int):
    context = activity_preview(module_or_404(family, code), activity_id) or abort(404)
    if request.method == "POST":
        # What a candidate would send from the page (answers, drafts, "done") lands here and is not kept.
        if request.args.get("quiet") or request.headers.get("X-Requested-With") == "fetch":
            return jsonify(ok=False, message=PREVIEW_ONLY)
        flash(PREVIEW_ONLY, "info")
        return redirect(request.path)
    return render_template("modules/authoring/preview_activity.html", **context, url_for=_preview_url_for)


# Files attached to a lesson or resource ---------------------------------------------------------------


@bp.route(ACTIVITY + "/files", methods=["POST"])
@rule(AUTHORS)
def attach_file(family: str, code: str, activity_id: int):
    module, activity = module_or_404(family, code), activity_or_404(family, code, activity_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _activity_page(module, activity, None, 422, problems=["Choose a file to attach."])
    attach = lambda: content_files.attach_file(current_user, activity, upload.stream, upload.filename)  # noqa: E731
    return _on_activity(module, activity, attach, lambda f: f"Attached “{f.name}”.", "files")


@bp.route(ACTIVITY + "/files/<int:file_id>/remove", methods=["POST"])
@rule(AUTHORS)
def remove_file(family: str, code: str, activity_id: int, file_id: int):
    module, activity = module_or_404(family, code), activity_or_404(family, code, activity_id)
    attached = found_or_404(content_files.file_of(activity, file_id), "file")
    name = attached.name
    remove = lambda: content_files.remove_file(current_user, attached)  # noqa: E731
    return _on_activity(module, activity, remove, f"Removed “{name}”.", "files")

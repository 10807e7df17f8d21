"""The qualification editor (`editor`): start a draft, and edit a draft's modules, outcomes and criteria."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from core.errors import InvalidTransition
from core.extensions import db
from core.forms import submit
from core.web.access import rule
from modules.catalogue.models import AssessmentCriterion, AssessmentMethod, LearningOutcome
from qualification.editor.forms import (
    CriterionForm,
    LockForm,
    ModuleForm,
    NewModuleForm,
    OutcomeForm,
    StartDraftForm,
    field_key,
)
from qualification.editor.services import drafts, outcomes
from qualification.editor.services import modules as module_edits
from qualification.permissions import EDITORS
from qualification.versions.models import QualificationVersion, VersionStatus
from qualification.versions.queries import version_or_404

bp = Blueprint("editor", __name__, url_prefix="/qualifications")
MODULE = "/<code>/v<int:number>/modules/<module_code>"
CONFLICT_NOTHING_TYPED = (
    "Someone else saved this module since you opened it, so nothing was changed. "
    "The page now shows their changes: check them, then try again if you still need to."
)


def _load(code: str, number: int, module_code: str) -> QualificationVersion:
    version = version_or_404(code, number)
    if not any(link.code == module_code for link in version.module_links):
        abort(404)
    return version


def _editor_url(version: QualificationVersion, module_code: str, anchor: str | None = None) -> str:
    return url_for(
        "qualification.editor.edit_module",
        code=version.qualification.code,
        number=version.number,
        module_code=module_code,
        _anchor=anchor,
    )


def _forms(module) -> dict:
    """Every form of the editor page, filled from the saved module."""
    forms = {
        "module": ModuleForm(
            formdata=None,
            prefix="module",
            data=module_edits.module_details(module),
        ),
        "add-outcome": OutcomeForm(formdata=None, prefix="add-outcome"),
    }
    for outcome in module.outcomes:
        key = field_key(outcome.ref)
        forms[f"outcome-{key}"] = OutcomeForm(
            formdata=None, prefix=f"outcome-{key}", data={"text": outcome.text}
        )
        forms[f"add-criterion-{key}"] = CriterionForm(formdata=None, prefix=f"add-criterion-{key}")
        for criterion in outcome.criteria:
            c_key = f"criterion-{field_key(criterion.ref)}"
            data = {"text": criterion.text, "methods": [m.value for m in criterion.methods]}
            forms[c_key] = CriterionForm(formdata=None, prefix=c_key, data=data)
    return forms


def _page(
    version, module_code: str, status: int = 200, *, prefix=None, form=None, problems=(), conflict=None
):
    """The module editor; after a refused save, the submitted form is shown again with the user's input."""
    link = next((link for link in version.module_links if link.code == module_code), None)
    if link is None:
        abort(404)
    module = link.module
    editable = version.status == VersionStatus.DRAFT
    forms = _forms(module)
    if prefix is not None and form is not None:
        forms[prefix] = form
    context = {
        "version": version,
        "module": module,
        "editable": editable,
        "edit_forms": forms,
        "key": field_key,
        "failed": form,
        "problems": list(problems),
        "conflict": conflict,
        "shared_with": module_edits.other_versions_using(module, version) if editable else [],
        "used_by": module_edits.awards_using(version, module_code),
        "draft": None if editable else drafts.current_draft(version.qualification),
        "methods": list(AssessmentMethod),
    }
    return render_template("qualification/editor/module.html", **context), status


def _run(
    version, module_code: str, service: Callable, message: str, anchor, *, prefix=None, form=None, **values
):
    """Call one editing service, then redirect; or show the page again with the input kept."""
    # 422 for a refused value; 409 when the module changed since the page was opened. Either way the
    # person's typed text stays in the form they sent.
    done = submit(
        form,
        lambda: service(current_user, version, module_code, **LockForm().expected(), **values),
        conflicts=module_edits.EditConflict,
        stale=module_edits.CONFLICT,
    )
    if not done:
        conflict = done.conflict
        if form is None and conflict == module_edits.CONFLICT:
            conflict = CONFLICT_NOTHING_TYPED
        problems = done.errors.values() if form is None else ()
        return _page(
            version, module_code, done.status, prefix=prefix, form=form, conflict=conflict, problems=problems
        )
    # A new row's ref is known only now: "{ref}" in the message and anchor stands for it.
    ref = getattr(done.result, "ref", None)
    if ref is not None:
        message, anchor = message.replace("{ref}", ref), anchor.replace("{ref}", field_key(ref))
    flash(message, "success")
    return redirect(_editor_url(version, module_code, anchor))


def _anchor(kind: str, ref: str) -> str:
    return f"{kind}-{field_key(ref)}"


# Drafts and modules ---------------------------------------------------------------------------------


@bp.route("/<code>/v<int:number>/draft", methods=["POST"])
@rule(EDITORS)
def start_draft(code: str, number: int):
    version = version_or_404(code, number)
    form = StartDraftForm()
    draft = drafts.start_draft(current_user, version)
    db.session.commit()
    flash(
        f"Version {draft.number} is a new draft made from version {number}. Change it here; "
        f"version {number} stays as it is for the candidates on it.",
        "success",
    )
    # Started from a module's page: go on to that module in the draft.
    if form.module.data and any(link.code == form.module.data for link in draft.module_links):
        return redirect(_editor_url(draft, form.module.data))
    return redirect(url_for("qualification.versions.show_version", code=code, number=draft.number))


@bp.route(MODULE)
@rule(EDITORS)
def edit_module(code: str, number: int, module_code: str):
    return _page(version_or_404(code, number), module_code)


@bp.route(MODULE + "/details", methods=["POST"])
@rule(EDITORS)
def save_module(code: str, number: int, module_code: str):
    version = _load(code, number, module_code)
    form = ModuleForm(prefix="module")
    fields = {name: form[name].data for name in module_edits.DETAILS}
    message = f"Saved the details of {module_code}."
    return _run(
        version,
        module_code,
        module_edits.update_module,
        message,
        "details",
        prefix="module",
        form=form,
        **fields,
    )


@bp.route("/<code>/v<int:number>/modules/new", methods=["GET", "POST"])
@rule(EDITORS)
def new_module(code: str, number: int):
    version = version_or_404(code, number)
    form = NewModuleForm()
    fields = ("code", "title", "level", "credits")
    done = submit(
        form, lambda: module_edits.add_module(current_user, version, **{n: form[n].data for n in fields})
    )
    if done:
        module_code = done.result.code
        flash(f"Added {module_code}. Now give it learning outcomes and assessment criteria.", "success")
        return redirect(_editor_url(version, module_code))
    status = done.status
    editable = version.status == VersionStatus.DRAFT
    return render_template(
        "qualification/editor/new_module.html", version=version, form=form, editable=editable
    ), status


@bp.route(MODULE + "/remove", methods=["POST"])
@rule(EDITORS)
def remove_module(code: str, number: int, module_code: str):
    version = _load(code, number, module_code)
    done = submit(None, lambda: module_edits.remove_module(current_user, version, module_code))
    if not done:
        return _page(version, module_code, 422, problems=done.errors.values())
    flash(f"{module_code} is no longer part of version {number}. Earlier versions keep it.", "success")
    return redirect(url_for("qualification.versions.show_version", code=code, number=number))


# Learning outcomes ----------------------------------------------------------------------------------


@bp.route(MODULE + "/outcomes", methods=["POST"])
@rule(EDITORS)
def add_outcome(code: str, number: int, module_code: str):
    version = _load(code, number, module_code)
    form = OutcomeForm(prefix="add-outcome")
    message, anchor = "Added learning outcome {ref}.", "outcome-{ref}"
    values = {"prefix": "add-outcome", "form": form, "text": form.text.data}
    return _run(version, module_code, outcomes.add_outcome, message, anchor, **values)


# Assessment criteria --------------------------------------------------------------------------------


@bp.route(MODULE + "/outcomes/<int:outcome_id>/criteria", methods=["POST"])
@rule(EDITORS)
def add_criterion(code: str, number: int, module_code: str, outcome_id: int):
    version = _load(code, number, module_code)
    prefix = _anchor("add-criterion", OUTCOMES.ref(outcome_id))
    form = CriterionForm(prefix=prefix)
    message, anchor = "Added assessment criterion {ref}.", "criterion-{ref}"
    values = {"outcome_id": outcome_id, "text": form.text.data, "methods": form.methods.data}
    return _run(
        version, module_code, outcomes.add_criterion, message, anchor, prefix=prefix, form=form, **values
    )


# Changing, deleting and moving an outcome or a criterion: the same steps for both parts of a module, so the
# six routes are made from one description of each part.


@dataclass(frozen=True)
class _Part:
    kind: str  # in anchors and form prefixes: "outcome-M01.1"
    noun: str
    key: str  # the route's argument: the row's id
    model: type
    form: type
    fields: tuple[str, ...]  # what the form sends to the service
    update: Callable
    delete: Callable
    move: Callable
    deleted: str  # what the editor is told, "{ref}" standing for the row's

    def ref(self, row_id: int) -> str:
        row = db.session.get(self.model, row_id)
        if row is None:
            raise InvalidTransition(f"That {self.noun} has been deleted since you opened the page.")
        return row.ref


OUTCOMES = _Part(
    "outcome", "learning outcome", "outcome_id", LearningOutcome, OutcomeForm, ("text",),
    outcomes.update_outcome, outcomes.delete_outcome, outcomes.move_outcome,
    "Deleted learning outcome {ref} and its criteria.",
)  # fmt: skip
CRITERIA = _Part(
    "criterion", "assessment criterion", "criterion_id", AssessmentCriterion, CriterionForm,
    ("text", "methods"), outcomes.update_criterion, outcomes.delete_criterion, outcomes.move_criterion,
    "Deleted assessment criterion {ref}.",
)  # fmt: skip


def _update_view(part: _Part):
    @rule(EDITORS)
    def view(code: str, number: int, module_code: str, **ids):
        version = _load(code, number, module_code)
        prefix = _anchor(part.kind, part.ref(ids[part.key]))
        form = part.form(prefix=prefix)
        message, anchor = f"Saved {part.noun} {{ref}}.", f"{part.kind}-{{ref}}"
        typed = {**ids, **{name: form[name].data for name in part.fields}}
        return _run(version, module_code, part.update, message, anchor, prefix=prefix, form=form, **typed)

    return view


def _delete_view(part: _Part):
    @rule(EDITORS)
    def view(code: str, number: int, module_code: str, **ids):
        version = _load(code, number, module_code)
        message = part.deleted.format(ref=part.ref(ids[part.key]))
        return _run(version, module_code, part.delete, message, "outcomes", **ids)

    return view


def _move_view(part: _Part):
    @rule(EDITORS)
    def view(code: str, number: int, module_code: str, **ids):
        version = _load(code, number, module_code)
        ref, direction = part.ref(ids[part.key]), LockForm().direction.data
        message, anchor = f"Moved {part.noun} {ref} {direction}.", _anchor(part.kind, ref)
        return _run(version, module_code, part.move, message, anchor, **ids, direction=direction)

    return view


for _part, _path in ((OUTCOMES, "/outcomes/<int:outcome_id>"), (CRITERIA, "/criteria/<int:criterion_id>")):
    for _step, _make in (("update", _update_view), ("delete", _delete_view), ("move", _move_view)):
        bp.add_url_rule(
            MODULE + _path + ("" if _step == "update" else f"/{_step}"),
            endpoint=f"{_step}_{_part.kind}",
            view_func=_make(_part),
            methods=["POST"],
        )

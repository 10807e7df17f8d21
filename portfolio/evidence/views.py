"""The `portfolio` blueprint: a candidate's working portfolio, its items, mapping, and the gap view."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from core.accounts.models import Role
from core.errors import EditConflict, ValidationFailed
from core.extensions import db
from core.forms import submit, whole
from core.web.access import roles, rule
from modules.permissions import can_study
from modules.study.forms import FinishForm
from modules.study.queries import (
    active_enrolments,
    activity_or_404,
    enrolment_for,
    module_or_404,
    revision_of,
)
from modules.study.services import finish_reflection
from portfolio.evidence.forms import (
    ActionForm,
    EditItemForm,
    FilterForm,
    ItemForm,
    MapForm,
    TagsForm,
    UnmapForm,
)
from portfolio.evidence.models import EvidenceItem, EvidenceVersion, ItemKind
from portfolio.evidence.rules import SOURCE, frameworks, short_label, tag_choices
from portfolio.evidence.services import (
    CANDIDATE_KINDS,
    add_item,
    confirm_anonymised,
    delete_item,
    evidence_from_reflection,
    set_tags,
    update_item,
)
from portfolio.files import services as files
from portfolio.mapping.queries import allocated_assessor_name, module_gap
from portfolio.mapping.rules import ADD_KIND, STILL_NEEDED, ask_assessor
from portfolio.mapping.services import (
    PER_PAGE,
    available_criteria,
    criterion_groups,
    in_words,
    map_item_to_many,
    open_criterion,
    parse_criterion_value,
    unmap_item,
    working_items,
)
from portfolio.permissions import can_revise_item, owns

bp = Blueprint("evidence", __name__, url_prefix="/portfolio")
bp.add_app_template_global(can_revise_item, "can_revise_item")
CANDIDATES = roles(Role.CANDIDATE)
CONFLICT = "Someone (perhaps you, in another tab) changed this item first. Reload it and try again."


def _back_to_activity(family, code, activity_id, anchor=""):
    return redirect(
        url_for("modules.study.show_activity", family=family, code=code, activity_id=activity_id) + anchor
    )


def _own_item_or_404(item_id: int) -> EvidenceItem:
    item = db.session.get(EvidenceItem, item_id)
    # 404, not 403: nobody learns whether someone else's item exists.
    if item is None or not owns(current_user, item) or item.deleted_at is not None:
        abort(404)
    return item


def _posted_item_or_404(item_id: int, form) -> EvidenceItem:
    """The candidate's own item for a button's POST; 400 when the form (its CSRF token) does not validate."""
    item = _own_item_or_404(item_id)
    if not form.validate_on_submit():
        abort(400)
    return item


def _download_url(version: EvidenceVersion) -> str | None:
    if not version.blob_sha256:
        return None
    try:
        return url_for("portfolio.files.download_version", sha256=version.blob_sha256, version_id=version.id)
    except BuildError:  # the file store's blueprint is not registered yet
        return None


def _storage_used() -> int:
    return files.blob_quota_used(current_user.id)


def _accept_upload(*, required: bool):
    """The uploaded file, stored by the file store; None when none was chosen and none is required."""
    chosen = request.files.get("file")
    if chosen is None or not chosen.filename:
        if required:
            raise ValidationFailed({"file": "Choose a file to upload."})
        return None
    return files.accept_upload(current_user.id, chosen.stream, chosen.filename)


# The working portfolio ---------------------------------------------------------------------------------


@bp.route("/")
@rule(CANDIDATES)
def list_items():
    enrolments = active_enrolments(current_user.id)
    form = FilterForm(request.args)
    form.module.choices = [("", "All modules")] + [
        (f"{e.family}/{e.module_code}", f"{e.module_code} {e.module.title}") for e in enrolments
    ]
    form.tag.choices = [("", "All tags"), *tag_choices()]
    page = max(request.args.get("page", 1, type=int), 1)
    items = working_items(
        current_user.id,
        module=form.module.data or "",
        tag=form.tag.data or "",
        unmapped=bool(form.unmapped.data),
        page=page,
    )
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "portfolio/evidence/list.html",
        items=items[:PER_PAGE],
        form=form,
        enrolments=enrolments,
        filtered=bool(form.module.data or form.tag.data or form.unmapped.data),
        storage_used=_storage_used(),
        storage_quota=files.quota_bytes(),
        size=files.human_size,
        short_label=short_label,
        SOURCE=SOURCE,
        next_url=url_for(".list_items", page=page + 1, **args) if len(items) > PER_PAGE else None,
        prev_url=url_for(".list_items", page=page - 1, **args) if page > 1 else None,
    )


# Adding an item ----------------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@rule(CANDIDATES)
def new_item():
    kind = request.args.get("kind", "")
    target = open_criterion(current_user.id, request.args.get("criterion", ""))  # from a gap view's link
    if kind not in CANDIDATE_KINDS:
        if request.method == "POST":
            abort(404)
        return render_template(
            "portfolio/evidence/choose_kind.html", kinds=[ItemKind(k) for k in CANDIDATE_KINDS], target=target
        )
    form = ItemForm().for_kind(kind)
    done = submit(
        form,
        lambda: add_item(
            current_user,
            kind=kind,
            title=form.title.data,
            activity_date=form.activity_date.data,
            context_md=form.context_md.data,
            body_md=form.body_md.data if "body_md" in form else None,
            url=form.url.data if "url" in form else None,
            upload=_accept_upload(required=True) if kind == ItemKind.FILE else None,
            tags=form.tags.data or [],
            anonymised=form.anonymised.data,
            for_criteria=[target.value] if target else [],
        ),
    )
    if done:
        title = done.result.current.title
        if target:
            flash(f"Added “{title}” to your portfolio, mapped to {target.ref}.", "success")
        else:
            flash(f"Added “{title}” to your portfolio. Now map it to the criteria it shows.", "success")
        return redirect(
            url_for(".show_item", item_id=done.result.id, _anchor="mappings" if target else "map")
        )
    page = render_template(
        "portfolio/evidence/new.html", form=form, kind=ItemKind(kind), frameworks=frameworks(), target=target
    )
    return page, done.status


# One item ----------------------------------------------------------------------------------------------


def _edit_form(item: EvidenceItem) -> EditItemForm:
    # The content fields are filled from the current version's columns of the same names.
    form = EditItemForm(formdata=None, obj=item.current, version=str(item.current.number))
    return form.for_kind(item.kind, editing=True)


def _item_page(
    item: EvidenceItem, status: int = 200, *, edit_form=None, map_form=None, tags_form=None, conflict=None
):
    shown = request.args.get("version", type=int)
    version = next((v for v in item.versions if v.number == shown), item.current)
    criteria = available_criteria(current_user.id)
    mapped = {(m.family, m.criterion_ref) for m in item.mappings}
    open_criteria = [c for c in criteria if (c.family, c.ref) not in mapped]
    map_form = map_form or MapForm(formdata=None)
    map_form.criterion.choices = [(c.value, c.label) for c in open_criteria]
    if tags_form is None:
        chosen = [f"{t.framework}:{t.tag}" for t in item.tags if t.framework != SOURCE]
        tags_form = TagsForm(formdata=None, tags=chosen)
    page = render_template(
        "portfolio/evidence/item.html",
        item=item,
        version=version,
        criteria={(c.family, c.ref): c for c in criteria},
        edit_form=edit_form or _edit_form(item),
        edit_open=edit_form is not None,
        map_form=map_form,
        map_groups=criterion_groups(open_criteria),
        tags_form=tags_form,
        action_form=ActionForm(formdata=None),
        unmap_form=UnmapForm(formdata=None),
        frameworks=frameworks(),
        conflict=conflict,
        download_url=_download_url,
        size=files.human_size,
        short_label=short_label,
        SOURCE=SOURCE,
    )
    return page, status


@bp.route("/items/<int:item_id>")
@rule(CANDIDATES)
def show_item(item_id: int):
    return _item_page(_own_item_or_404(item_id))


def _back(item_id: int, anchor: str | None = None):
    return redirect(url_for(".show_item", item_id=item_id, _anchor=anchor))


@bp.route("/items/<int:item_id>/edit", methods=["POST"])
@rule(CANDIDATES)
def edit_item(item_id: int):
    item = _own_item_or_404(item_id)
    form = EditItemForm().for_kind(item.kind, editing=True)
    done = submit(
        form,
        lambda: update_item(
            current_user,
            item,
            expected_version=whole(form.version.data),
            title=form.title.data,
            activity_date=form.activity_date.data,
            context_md=form.context_md.data,
            body_md=form.body_md.data if "body_md" in form else None,
            url=form.url.data if "url" in form else None,
            upload=_accept_upload(required=False) if item.kind == ItemKind.FILE else None,
            anonymised=form.anonymised.data,
        ),
        conflicts=EditConflict,
        stale=CONFLICT,
    )
    if not done:
        item = _own_item_or_404(item_id)
        if done.status == 409:
            # The typed text stays; the form now refers to the newest version, so saving again is deliberate.
            form.version.data = str(item.current.number)
        return _item_page(item, done.status, edit_form=form, conflict=done.conflict)
    version = done.result
    if version is None:
        flash("Nothing had changed, so no new version was made.", "info")
    else:
        flash(f"Saved as version {version.number}. Earlier versions stay in the history.", "success")
    return _back(item_id)


@bp.route("/items/<int:item_id>/tags", methods=["POST"])
@rule(CANDIDATES)
def tag_item(item_id: int):
    item = _own_item_or_404(item_id)
    form = TagsForm()
    if not form.validate_on_submit():
        return _item_page(item, 422, tags_form=form)
    set_tags(current_user, item, form.tags.data or [])
    db.session.commit()
    flash("Tags saved.", "success")
    return _back(item_id, "tags")


@bp.route("/items/<int:item_id>/anonymised", methods=["POST"])
@rule(CANDIDATES)
def confirm_item_anonymised(item_id: int):
    item = _posted_item_or_404(item_id, ActionForm())
    confirm_anonymised(current_user, item)
    db.session.commit()
    flash("Thank you: you confirmed no pupil can be identified from this evidence.", "success")
    return _back(item_id)


@bp.route("/items/<int:item_id>/mappings", methods=["POST"])
@rule(CANDIDATES)
def map_to_criterion(item_id: int):
    item = _own_item_or_404(item_id)
    form = MapForm()
    done = submit(
        form,
        lambda: map_item_to_many(current_user, item, criteria=form.criterion.data or [], note=form.note.data),
    )
    if not done:
        return _item_page(_own_item_or_404(item_id), 422, map_form=form)
    flash(f"Mapped to {in_words(m.criterion_ref for m in done.result)}.", "success")
    return _back(item_id, "mappings")


@bp.route("/items/<int:item_id>/unmap", methods=["POST"])
@rule(CANDIDATES)
def unmap_from_criterion(item_id: int):
    form = UnmapForm()
    item = _posted_item_or_404(item_id, form)
    family, ref = parse_criterion_value(form.criterion.data)
    if unmap_item(current_user, item, criterion_ref=ref, family=family):
        db.session.commit()
        flash(f"No longer mapped to {ref}.", "success")
    return _back(item_id, "mappings")


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
@rule(CANDIDATES)
def remove_item(item_id: int):
    item = _posted_item_or_404(item_id, ActionForm())
    title = item.current.title
    kept = delete_item(current_user, item)
    db.session.commit()
    message = f"Removed “{title}” from your working portfolio."
    if kept:
        message += f" It stays in your {', '.join(kept)} submission exactly as you submitted it."
    flash(message, "success")
    return redirect(url_for(".list_items"))


# The gap view ------------------------------------------------------------------------------------------


@bp.route("/modules/<family>/<code>")
@rule(CANDIDATES)
def show_gap(family: str, code: str):
    enrolment = enrolment_for(current_user.id, family, code)
    if not can_study(current_user, enrolment):
        abort(404)
    try:  # the candidate's observations and sign-offs page, which the assessors area serves
        workplace_url = url_for("assessors.workplace.my_workplace")
    except BuildError:
        workplace_url = None
    return render_template(
        "portfolio/evidence/gap.html",
        gap=module_gap(current_user.id, enrolment.module),
        assessor=allocated_assessor_name(enrolment.cohort_id, current_user.id),
        workplace_url=workplace_url,
        ADD_KIND=ADD_KIND,
        STILL_NEEDED=STILL_NEEDED,
        ask_assessor=ask_assessor,
    )


@bp.route("/reflections/<family>/<code>/<int:activity_id>/finish", methods=["POST"])
@rule(roles(Role.CANDIDATE))
def finish_reflection_as_evidence(family: str, code: str, activity_id: int):
    enrolment, progress = module_or_404(family, code)
    activity = activity_or_404(progress, activity_id)
    form = FinishForm()

    def finish():
        draft = finish_reflection(
            current_user,
            enrolment,
            activity,
            revision=revision_of(form.revision.data),
            done=progress.done,
            order=progress.order,
        )
        evidence_from_reflection(current_user, draft, activity)

    done = submit(None, finish, conflicts=True)
    if not done:
        flash(done.message, "error")
        return _back_to_activity(family, code, activity.id, "#answer")
    flash("Your answer is finished and is now evidence in your portfolio, mapped to its criteria.", "success")
    return _back_to_activity(family, code, activity.id)

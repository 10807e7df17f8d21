"""The award (tier) editor of draft versions (`awards`): details, compulsory modules, option groups, links."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.forms import submit
from core.web.access import rule
from qualification.awards import services as editing
from qualification.awards.forms import (
    AwardDetailsForm,
    AwardLinksForm,
    ConfirmForm,
    ModulesForm,
    NewAwardForm,
    OptionGroupForm,
)
from qualification.permissions import EDITORS, can_edit_qualifications
from qualification.spec import award_satisfiability
from qualification.versions.models import VersionStatus
from qualification.versions.queries import version_or_404
from qualification.versions.services import spec_of_version

bp = Blueprint("awards", __name__, url_prefix="/qualifications")
AWARD = "/<code>/v<int:number>/awards/<award_code>"
KEPT = (
    " The page now shows the award as it is; what you typed is still in the form. "
    "Check it against their change and save again if it should still apply."
)


def _load(code: str, number: int, award_code: str):
    version = version_or_404(code, number)
    award = next((a for a in version.awards if a.code == award_code), None)
    if award is None:
        abort(404)
    return version, award


def _module_choices(version) -> list[tuple[str, str]]:
    return [
        (link.code, f"{link.code} {link.module.title} ({link.module.credits} credits)")
        for link in version.module_links
    ]


def _page(version, award, status: int = 200, problem: str | None = None, **posted):
    """The editor (or, for a published version, the read-only view), with any posted form kept as typed."""
    spec = spec_of_version(version)
    credits = {m.code: m.credits for m in spec.modules}
    specs = {a.code: a for a in spec.awards}
    checks = {code: award_satisfiability(a, credits, specs) for code, a in specs.items()}
    seen = str(award.version)
    modules = _module_choices(version)
    others = [(a.code, f"{a.code} {a.title}") for a in version.awards if a is not award]

    def form(key: str, cls, choices=None, **data):
        made = posted.get(key) or cls(formdata=None, prefix=key, version=seen, **data)
        for name, values in (choices or {}).items():
            made[name].choices = values
        return made

    groups = [
        (
            group,
            form(
                f"group{group.id}",
                OptionGroupForm,
                {"modules": modules},
                title=group.title,
                min_credits=group.min_credits,
                max_credits=group.max_credits,
                modules=group.module_codes,
            ),
            form(f"dropgroup{group.id}", ConfirmForm),
        )
        for group in award.option_groups
    ]
    context = {
        "version": version,
        "award": award,
        "award_spec": specs[award.code],
        "spec": spec,
        "modules": {m.code: m for m in spec.modules},
        "checks": checks,
        "check": checks[award.code],
        "compulsory_credits": sum(credits.get(c, 0) for c in specs[award.code].compulsory),
        "editable": version.status == VersionStatus.DRAFT and can_edit_qualifications(current_user),
        "problem": problem,
        "details": form(
            "details",
            AwardDetailsForm,
            title=award.title,
            level=award.level,
            credits=award.credits,
            apl_max_credits=award.apl_max_credits,
        ),
        "compulsory": form(
            "compulsory", ModulesForm, {"modules": modules}, modules=award.codes("compulsory")
        ),
        "groups": groups,
        "new_group": form("newgroup", OptionGroupForm, {"modules": modules}),
        "includes": form("includes", AwardLinksForm, {"awards": others}, awards=award.codes("includes")),
        "progression": form(
            "progression", AwardLinksForm, {"awards": others}, awards=award.codes("progression")
        ),
        "delete": form("delete", ConfirmForm),
    }
    return render_template("qualification/awards/show.html", **context), status


def _submit(code: str, number: int, award_code: str, key: str, form, call: Callable, done: str, then: str):
    """Validate a posted form, run one service, commit and redirect to `then`; or re-show the page."""
    version, award = _load(code, number, award_code)
    outcome = submit(
        form, lambda: call(version, award, int(form.version.data)), conflicts=True, stale=editing.STALE
    )
    if outcome:
        flash(done if outcome.result is not False else "Nothing changed, so nothing was saved.", "success")
        return redirect(then)
    problem = outcome.conflict
    if problem:
        form.form_errors.append(problem + (KEPT if problem == editing.STALE else ""))
    version, award = _load(code, number, award_code)
    if problem:
        # Saving again is now a deliberate choice made after seeing the other change, not a silent overwrite.
        form.version.data = str(award.version)
    return _page(version, award, outcome.status, problem, **{key: form})


@bp.route("/<code>/v<int:number>/awards/new", methods=["GET", "POST"])
@rule(EDITORS)
def new_award(code: str, number: int):
    version = version_or_404(code, number)
    form = NewAwardForm()
    outcome = submit(
        form,
        lambda: editing.add_award(
            current_user,
            version,
            code=form.code.data,
            title=form.title.data,
            level=form.level.data,
            credits=form.credits.data,
        ),
        conflicts=True,
    )
    if outcome:
        award = outcome.result
        flash(f"Award {award.code} added. Now give it its modules.", "success")
        return redirect(
            url_for("qualification.awards.show_award", code=code, number=number, award_code=award.code)
        )
    version = version_or_404(code, number)
    editable = version.status == VersionStatus.DRAFT
    return render_template(
        "qualification/awards/new.html",
        version=version,
        form=form,
        problem=outcome.conflict,
        editable=editable,
    ), outcome.status


@bp.route(AWARD)
@rule(EDITORS)
def show_award(code: str, number: int, award_code: str):
    version, award = _load(code, number, award_code)
    return _page(version, award)


@bp.route(AWARD + "/details", methods=["POST"])
@rule(EDITORS)
def update_award(code: str, number: int, award_code: str):
    form = AwardDetailsForm(prefix="details")

    def call(version, award, seen):
        return editing.update_award(
            current_user,
            version,
            award.code,
            expected_version=seen,
            title=form.title.data,
            level=form.level.data,
            credits=form.credits.data,
            apl_max_credits=form.apl_max_credits.data,
        )

    return _submit(code, number, award_code, "details", form, call, f"{award_code} saved.", _here(""))


@bp.route(AWARD + "/delete", methods=["POST"])
@rule(EDITORS)
def delete_award(code: str, number: int, award_code: str):
    form = ConfirmForm(prefix="delete")

    def call(version, award, seen):
        editing.delete_award(current_user, version, award.code, expected_version=seen)

    then = url_for("qualification.versions.show_version", code=code, number=number)
    return _submit(code, number, award_code, "delete", form, call, f"Award {award_code} deleted.", then)


@bp.route(AWARD + "/groups", methods=["POST"])
@rule(EDITORS)
def add_option_group(code: str, number: int, award_code: str):
    form = OptionGroupForm(prefix="newgroup")

    def call(version, award, seen):
        return editing.add_option_group(
            current_user, version, award.code, expected_version=seen, **_group(form)
        )

    done = f"Option group '{form.title.data}' added to {award_code}."
    return _submit(code, number, award_code, "newgroup", form, call, done, _here("#options"))


@bp.route(AWARD + "/groups/<int:group_id>", methods=["POST"])
@rule(EDITORS)
def update_option_group(code: str, number: int, award_code: str, group_id: int):
    form = OptionGroupForm(prefix=f"group{group_id}")

    def call(version, award, seen):
        return editing.update_option_group(
            current_user, version, award.code, group_id, expected_version=seen, **_group(form)
        )

    done = f"Option group '{form.title.data}' saved."
    return _submit(code, number, award_code, f"group{group_id}", form, call, done, _here("#options"))


@bp.route(AWARD + "/groups/<int:group_id>/delete", methods=["POST"])
@rule(EDITORS)
def delete_option_group(code: str, number: int, award_code: str, group_id: int):
    form = ConfirmForm(prefix=f"dropgroup{group_id}")

    def call(version, award, seen):
        editing.delete_option_group(current_user, version, award.code, group_id, expected_version=seen)

    done = "Option group deleted."
    return _submit(code, number, award_code, f"dropgroup{group_id}", form, call, done, _here("#options"))


# The award's three lists (its compulsory modules, the awards it includes, those it leads on to) are each one
# field sent to one service, the same steps for each, so their routes are made from this table:
# (path, form prefix and the part of the page to go back to; form; field; service; what the editor is told).
LISTS = (
    ("compulsory", ModulesForm, "modules", editing.set_compulsory, "Compulsory modules of {} saved."),
    ("includes", AwardLinksForm, "awards", editing.set_includes, "Awards included in {} saved."),
    ("progression", AwardLinksForm, "awards", editing.set_progression, "Awards {} leads on to saved."),
)  # fmt: skip


def _list_view(name: str, form_class, field: str, service, told: str):
    @rule(EDITORS)
    def view(code: str, number: int, award_code: str):
        form = form_class(prefix=name)

        def call(version, award, seen):
            return service(current_user, version, award.code, form[field].data or [], expected_version=seen)

        return _submit(code, number, award_code, name, form, call, told.format(award_code), _here(f"#{name}"))

    return view


for _name, *_list in LISTS:
    bp.add_url_rule(
        f"{AWARD}/{_name}", endpoint=f"set_{_name}", view_func=_list_view(_name, *_list), methods=["POST"]
    )


def _here(anchor: str) -> str:
    args = request.view_args or {}
    return (
        url_for(
            "qualification.awards.show_award",
            code=args["code"],
            number=args["number"],
            award_code=args["award_code"],
        )
        + anchor
    )


def _group(form: OptionGroupForm) -> dict:
    return {
        "title": form.title.data,
        "min_credits": form.min_credits.data,
        "max_credits": form.max_credits.data,
        "codes": form.modules.data or [],
    }

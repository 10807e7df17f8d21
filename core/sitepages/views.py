"""The privacy notice, accessibility statement and help pages (public), and their editor (administrators)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from core.forms import submit
from core.sitepages.forms import SitePageForm
from core.sitepages.queries import edited_pages, page_or_404
from core.sitepages.rules import HELP_PAGES, PAGES
from core.sitepages.services import reset_page, save_page
from core.web.access import ADMIN, PUBLIC, rule

bp = Blueprint("sitepages", __name__)


def _view_url(slug: str) -> str:
    if slug in ("privacy", "accessibility"):
        return url_for(f"core.sitepages.{slug}")
    return url_for("core.sitepages.help_page", slug=slug.removeprefix("help-"))


def _edit_page(page, form, status: int = 200, **extra):
    return render_template(
        "core/sitepages/edit.html", page=page, form=form, view_url=_view_url(page.kind.slug), **extra
    ), status


def _show(slug: str):
    return render_template("core/sitepages/page.html", page=page_or_404(slug))


@bp.route("/privacy")
@rule(PUBLIC)
def privacy():
    return _show("privacy")


@bp.route("/accessibility")
@rule(PUBLIC)
def accessibility():
    return _show("accessibility")


@bp.route("/help")
@rule(PUBLIC)
def help_index():
    return render_template("core/sitepages/help.html", pages=HELP_PAGES)


@bp.route("/help/<slug>")
@rule(PUBLIC)
def help_page(slug: str):
    if not slug.startswith("help-"):
        slug = f"help-{slug}"
    return _show(slug)


@bp.route("/admin/pages")
@rule(ADMIN)
def list_pages():
    return render_template("core/sitepages/list.html", pages=PAGES, edited=edited_pages())


@bp.route("/admin/pages/<slug>", methods=["GET", "POST"])
@rule(ADMIN)
def edit_page(slug: str):
    page = page_or_404(slug)
    form = SitePageForm()
    if not form.is_submitted():
        form = SitePageForm(
            formdata=None, body=page.body, version=str(page.edited.version) if page.edited else ""
        )
    elif form.preview.data:
        return _edit_page(page, form, 200 if form.validate() else 422, preview=form.body.data or "")
    outcome = submit(
        form,
        lambda: save_page(
            slug,
            form.body.data,
            actor=current_user,
            version=int(form.version.data) if form.version.data else None,
        ),
        conflicts=True,
    )
    if outcome:
        flash(f"{page.kind.title} saved.", "success")
        return redirect(url_for("core.sitepages.edit_page", slug=slug))
    return _edit_page(page, form, outcome.status, preview=None, conflict=outcome.conflict)


@bp.route("/admin/pages/<slug>/reset", methods=["POST"])
@rule(ADMIN)
def reset(slug: str):
    page = page_or_404(slug)
    outcome = submit(SitePageForm(), lambda: reset_page(slug, actor=current_user), validate=False)
    if outcome:
        flash(f"{page.kind.title} is back to its default text.", "success")
    return redirect(url_for("core.sitepages.edit_page", slug=slug))

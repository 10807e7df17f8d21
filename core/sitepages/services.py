"""Editing a site page, and going back to its default text; each audited."""

from __future__ import annotations

from sqlalchemy import select

from core.accounts.permissions import can_manage_accounts
from core.audit.services import record
from core.errors import EditConflict, ValidationFailed, require
from core.extensions import db
from core.sitepages.models import SitePage
from core.sitepages.rules import BY_SLUG, body_problem


def save_page(slug: str, body: str, *, actor, version: int | None) -> SitePage:
    """Save an administrator's text of a page; `version` is what they read (None: the default text)."""
    require(can_manage_accounts(actor), "Only an administrator can edit this page.")
    body = (body or "").replace("\r\n", "\n")
    problem = body_problem(body)
    if problem:
        raise ValidationFailed({"body": problem})
    page = db.session.scalar(select(SitePage).where(SitePage.slug == slug))
    if page is None:
        if version is not None:
            raise EditConflict("Someone put this page back to its default text while you were editing.")
        page = SitePage(slug=slug, body=body, updated_by_id=actor.id)
        db.session.add(page)
    else:
        if version != page.version:
            raise EditConflict("Someone else saved this page while you were editing it.")
        page.body = body
        page.updated_by_id = actor.id
    db.session.flush()
    record("site_page.saved", actor=actor, obj=page, details={"slug": slug, "title": BY_SLUG[slug].title})
    return page


def reset_page(slug: str, *, actor) -> None:
    """Forget the administrator's text: the page reads its default again."""
    require(can_manage_accounts(actor), "Only an administrator can edit this page.")
    page = db.session.scalar(select(SitePage).where(SitePage.slug == slug))
    if page is None:
        return
    db.session.delete(page)
    db.session.flush()
    record("site_page.reset", actor=actor, object_type="SitePage", object_id=page.id, details={"slug": slug})

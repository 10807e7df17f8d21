"""A site page as people read it: the administrator's edit if there is one, else the default text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, current_app
from sqlalchemy import select

from core.extensions import db
from core.sitepages.models import SitePage
from core.sitepages.rules import BY_SLUG, PageKind, default_body


@dataclass(frozen=True)
class Page:
    kind: PageKind
    body: str
    edited: SitePage | None

    @property
    def updated_at(self) -> datetime | None:
        return self.edited.updated_at if self.edited else None


def fill_in() -> dict[str, str]:
    """The deployment's words a default page names (set in the environment; see docs/operations.md)."""
    config = current_app.config
    return {
        "university": config.get("WAYMARK_UNIVERSITY", "") or "the university",
        "privacy_contact": config.get("WAYMARK_PRIVACY_CONTACT", "")
        or "the university's data protection officer",
        "accessibility_contact": config.get("WAYMARK_ACCESSIBILITY_CONTACT", "")
        or "the course leader or the university's disability service",
    }


def page_or_404(slug: str) -> Page:
    kind = BY_SLUG.get(slug)
    if kind is None:
        abort(404)
    edited = db.session.scalar(select(SitePage).where(SitePage.slug == slug))
    return Page(kind, edited.body if edited else default_body(slug, fill_in()), edited)


def edited_pages() -> dict[str, SitePage]:
    return {page.slug: page for page in db.session.scalars(select(SitePage))}

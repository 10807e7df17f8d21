"""Shared by the evidence tests: adding and mapping evidence through the pages, and reading the rows."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.extensions import db
from portfolio.evidence.models import EvidenceItem, EvidenceVersion
from tests.support.html import csrf_from, press

LAST_WEEK = (date.today() - timedelta(days=7)).isoformat()  # noqa: DTZ011 - as the form sends it
ANONYMISED = "I confirm no pupil can be identified from this evidence"


def add_evidence(client, kind: str = "account", *, follow: bool = True, **fields):
    """Open the add page for a kind of evidence, fill it in and press "Add to portfolio"."""
    page = client.get(f"/portfolio/new?kind={kind}")
    assert page.status_code == 200
    data = {
        "title": "Careers fair evaluation",
        "activity_date": LAST_WEEK,
        "context_md": "Year 10, summer term.",
        **fields,
    }
    if kind in ("account", "discussion"):
        data.setdefault("body_md", "We ran the fair with **twelve** employers.")
    return press(client, page, "Add to portfolio", data, follow=follow)


def post_file(
    client, data: bytes, name: str, *, context: str = "Shared with the Year 9 tutors.", file_first=False
):
    """Add a file to the portfolio as the form sends it (multipart; the file part last, or first)."""
    page = client.get("/portfolio/new?kind=file")
    fields = {
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "title": "Options evening slides",
        "activity_date": LAST_WEEK,
        "context_md": context,
        "anonymised": "y",
    }
    upload = {"file": (io.BytesIO(data), name)}
    form = {**upload, **fields} if file_first else {**fields, **upload}
    return client.post("/portfolio/new?kind=file", data=form, content_type="multipart/form-data")


def item_id(app, title: str) -> int:
    """The id of the item whose current version has this title."""
    with app.app_context():
        return db.session.scalar(
            select(EvidenceItem.id)
            .join(EvidenceVersion, EvidenceItem.current_version_id == EvidenceVersion.id)
            .where(EvidenceVersion.title == title)
        )


def map_to(client, item: int, criterion: str | list[str], note: str = "", *, follow: bool = True):
    """On the item's page, tick one criterion ("CCQ/M01.1.2") or several and press "Map to the ticked
    criteria"."""
    page = client.get(f"/portfolio/items/{item}")
    ticked = [criterion] if isinstance(criterion, str) else list(criterion)
    return press(
        client, page, "Map to the ticked criteria", {"criterion": ticked, "note": note}, follow=follow
    )


def audit_rows(app, action: str) -> list[dict]:
    """The details of every audit row with this action, oldest first."""
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        ).all()
        return [{"object_id": e.object_id, "actor": e.actor_label, **details_of(e)} for e in events]

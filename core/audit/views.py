"""The admin's view of the audit trail."""

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.extensions import db
from core.web.access import ADMIN, rule

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
PAGE_SIZE = 50


@bp.route("/")
@rule(ADMIN)
def list_events():
    action = (request.args.get("action") or "").strip()[:80]
    before = request.args.get("before", type=int)
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(PAGE_SIZE + 1)
    if action:
        query = query.where(AuditEvent.action == action)
    if before:
        query = query.where(AuditEvent.seq < before)
    events = list(db.session.scalars(query))
    next_url = None
    if len(events) > PAGE_SIZE:
        events = events[:PAGE_SIZE]
        next_url = url_for("core.audit.list_events", action=action or None, before=events[-1].seq)
    return render_template(
        "core/audit/events.html", events=events, next_url=next_url, action=action, details_of=details_of
    )

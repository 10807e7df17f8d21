"""The admin's view of the audit trail."""

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.audit.queries import entries_of
from core.audit.services import action_words, details_of
from core.db.paging import newest_first
from core.extensions import db
from core.web.access import ADMIN, rule

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
PAGE_SIZE = 50


@bp.route("/")
@rule(ADMIN)
def list_events():
    action = (request.args.get("action") or "").strip()[:80]
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    events, next_before = newest_first(query, AuditEvent.seq, request.args.get("before", type=int), PAGE_SIZE)
    next_url = None
    if next_before is not None:
        next_url = url_for("core.audit.list_events", action=action or None, before=next_before)
    actions = [(key, action_words(key)) for key in db.session.scalars(select(AuditEvent.action).distinct())]
    return render_template(
        "core/audit/events.html",
        # Each row with its entry in words (who by name and role, what about, by label): zip in the template.
        events=list(zip(events, entries_of(events), strict=True)),
        next_url=next_url,
        action=action,
        actions=sorted(actions, key=lambda pair: pair[1]),
        details_of=details_of,
    )

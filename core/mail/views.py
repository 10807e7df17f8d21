"""The admin's view of the mail outbox (in the demo, where invitation and reset links can be read)."""

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import func, select

from core.db.paging import newest_first
from core.extensions import db
from core.mail.models import MailStatus, OutboxMessage
from core.web.access import ADMIN, rule

bp = Blueprint("mail", __name__, url_prefix="/admin/outbox")
PAGE_SIZE = 25


@bp.route("/")
@rule(ADMIN)
def list_messages():
    status = request.args.get("status", "")
    query = select(OutboxMessage)
    if status in {s.value for s in MailStatus}:
        query = query.where(OutboxMessage.status == status)
    else:
        status = ""
    before = request.args.get("before", type=int)
    messages, next_before = newest_first(query, OutboxMessage.id, before, PAGE_SIZE)
    next_url = None
    if next_before is not None:
        next_url = url_for("core.mail.list_messages", status=status or None, before=next_before)
    counts = dict(
        db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    )
    return render_template(
        "core/mail/outbox.html",
        messages=messages,
        next_url=next_url,
        status=status,
        counts=counts,
        statuses=MailStatus,
    )

"""The admin's view of the mail outbox: what went to whom, never a live reset, invitation or witness link."""

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import func, select

from core.db.paging import newest_first
from core.extensions import db
from core.mail.models import MailStatus, OutboxMessage
from core.mail.rules import shown
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
    # The secret link is shown neither before sending (it is the recipient's alone) nor after (it is gone).
    bodies = {
        m.id: (
            shown(m.body_text, sent=m.status != MailStatus.QUEUED),
            shown(m.body_html, sent=m.status != MailStatus.QUEUED),
        )
        for m in messages
    }
    return render_template(
        "core/mail/outbox.html",
        messages=messages,
        bodies=bodies,
        next_url=next_url,
        status=status,
        counts=counts,
        statuses=MailStatus,
    )

"""The admin's view of the mail outbox (in the demo, where invitation and reset links can be read)."""

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import func, select

from core.extensions import db
from core.mail.models import MailStatus, OutboxMessage
from core.web.access import ADMIN, rule

bp = Blueprint("mail", __name__, url_prefix="/admin/outbox")
PAGE_SIZE = 25


@bp.route("/")
@rule(ADMIN)
def list_messages():
    status = request.args.get("status", "")
    before = request.args.get("before", type=int)
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE + 1)
    if status in {s.value for s in MailStatus}:
        query = query.where(OutboxMessage.status == status)
    else:
        status = ""
    if before:
        query = query.where(OutboxMessage.id < before)
    messages = list(db.session.scalars(query))
    next_url = None
    if len(messages) > PAGE_SIZE:
        messages = messages[:PAGE_SIZE]
        next_url = url_for("core.mail.list_messages", status=status or None, before=messages[-1].id)
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

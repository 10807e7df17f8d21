"""Every blueprint of the `core` area, registered under one parent.

Endpoints read `core.<capability>.<view>`, so a name says where its code lives. Each capability
declares its own blueprint in its views.py; this list is the only place that gathers them (nothing is
registered by the side effect of an import).
"""

from __future__ import annotations

from flask import Blueprint

from core.accounts.views import bp as accounts
from core.audit.views import bp as audit
from core.db.statemachine import expose_statuses
from core.home.views import bp as home
from core.mail.models import MailStatus
from core.mail.views import bp as mail
from core.notifications.views import bp as notifications
from core.people.views import bp as people

bp = Blueprint("core", __name__)
for _child in (
    home,
    accounts,
    people,
    audit,
    mail,
    notifications,
):
    bp.register_blueprint(_child)
# Status enums as Jinja globals: templates compare members, never status strings.
expose_statuses(bp, MailStatus)

"""Every blueprint of the `modules` area, registered under one parent.

Endpoints read `modules.<capability>.<view>`, so a name says where its code lives. Each capability
declares its own blueprint in its views.py; this list is the only place that gathers them (nothing is
registered by the side effect of an import).
"""

from __future__ import annotations

from flask import Blueprint

from core.db.statemachine import expose_statuses
from modules.authoring.views import bp as authoring
from modules.planner.views import bp as planner
from modules.study.models import EnrolmentStatus
from modules.study.views import bp as study

bp = Blueprint("modules", __name__)
for _child in (
    study,
    planner,
    authoring,
):
    bp.register_blueprint(_child)
# Status enums as Jinja globals: templates compare members, never status strings.
expose_statuses(bp, EnrolmentStatus)

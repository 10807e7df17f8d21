"""Every blueprint of the `modules` area, under one parent (`core.web.access.area_blueprint`)."""

from __future__ import annotations

from core.db.statemachine import expose_statuses
from core.web.access import area_blueprint
from modules.authoring.views import bp as authoring
from modules.planner.views import bp as planner
from modules.study.models import EnrolmentStatus
from modules.study.views import bp as study

bp = area_blueprint("modules", authoring, planner, study)
# Status enums as Jinja globals: templates compare members, never status strings.
expose_statuses(bp, EnrolmentStatus)

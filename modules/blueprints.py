"""Every blueprint of the `modules` area, under one parent (`core.web.access.area_blueprint`)."""

from __future__ import annotations

from core.web.access import area_blueprint
from modules.authoring.views import bp as authoring
from modules.planner.views import bp as planner
from modules.study.models import EnrolmentStatus
from modules.study.views import bp as study

bp = area_blueprint(
    "modules",
    study,
    planner,
    authoring,
    statuses=(EnrolmentStatus,),
)

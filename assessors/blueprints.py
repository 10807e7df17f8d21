"""Every blueprint of the `assessors` area, registered under one parent.

Endpoints read `assessors.<capability>.<view>`, so a name says where its code lives. Each capability
declares its own blueprint in its views.py; this list is the only place that gathers them (nothing is
registered by the side effect of an import).
"""

from __future__ import annotations

from flask import Blueprint

from assessors.examiner.views import bp as examiner
from assessors.marking.models import MarkingStatus
from assessors.marking.views import bp as marking
from assessors.quality.views import bp as quality
from assessors.queue.views import bp as queue
from assessors.witness.models import WitnessStatus
from assessors.witness.views import bp as witness
from assessors.workplace.models import ObservationStatus
from assessors.workplace.views import bp as workplace
from core.db.statemachine import expose_statuses

bp = Blueprint("assessors", __name__)
for _child in (
    queue,
    marking,
    quality,
    examiner,
    workplace,
    witness,
):
    bp.register_blueprint(_child)
# Status enums as Jinja globals: templates compare members, never status strings.
expose_statuses(bp, MarkingStatus, ObservationStatus, WitnessStatus)

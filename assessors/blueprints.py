"""Every blueprint of the `assessors` area, under one parent (`core.web.access.area_blueprint`)."""

from __future__ import annotations

from assessors.examiner.views import bp as examiner
from assessors.history.views import bp as history
from assessors.marking.models import MarkingStatus
from assessors.marking.views import bp as marking
from assessors.permissions import TEMPLATE_PREDICATES
from assessors.quality.views import bp as quality
from assessors.queue.views import bp as queue
from assessors.staffing.views import bp as staffing
from assessors.witness.models import WitnessStatus
from assessors.witness.views import bp as witness
from assessors.workplace.models import ObservationStatus
from assessors.workplace.views import bp as workplace
from core.web.access import area_blueprint

bp = area_blueprint(
    "assessors",
    queue,
    marking,
    quality,
    examiner,
    workplace,
    witness,
    history,
    staffing,
    statuses=(MarkingStatus, ObservationStatus, WitnessStatus),
    predicates=TEMPLATE_PREDICATES,
)

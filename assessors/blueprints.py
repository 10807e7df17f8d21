"""Every blueprint of the `assessors` area, under one parent (`core.web.access.area_blueprint`)."""

from __future__ import annotations

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
from core.web.access import area_blueprint

bp = area_blueprint("assessors", examiner, marking, quality, queue, witness, workplace)
# Status enums as Jinja globals: templates compare members, never status strings.
expose_statuses(bp, MarkingStatus, ObservationStatus, WitnessStatus)

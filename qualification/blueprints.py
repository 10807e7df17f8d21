"""Every blueprint of the `qualification` area, registered under one parent.

Endpoints read `qualification.<capability>.<view>`, so a name says where its code lives. Each capability
declares its own blueprint in its views.py; this list is the only place that gathers them (nothing is
registered by the side effect of an import).
"""

from __future__ import annotations

from flask import Blueprint

from core.db.statemachine import expose_statuses
from qualification.awards.views import bp as awards
from qualification.booking.models import BookingStatus
from qualification.booking.views import bp as booking
from qualification.calendar.views import bp as calendar
from qualification.catalogue.views import bp as catalogue
from qualification.cohorts.views import bp as cohorts
from qualification.compare.views import bp as compare
from qualification.editor.views import bp as editor
from qualification.forums.views import bp as forums
from qualification.pathway.views import bp as pathway
from qualification.results.views import bp as results
from qualification.versions.models import VersionStatus
from qualification.versions.views import bp as versions

bp = Blueprint("qualification", __name__)
for _child in (
    versions,
    catalogue,
    compare,
    editor,
    awards,
    cohorts,
    calendar,
    booking,
    pathway,
    results,
    forums,
):
    bp.register_blueprint(_child)
# Status enums as Jinja globals: templates compare members, never status strings.
expose_statuses(bp, BookingStatus, VersionStatus)

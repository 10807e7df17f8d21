"""Every blueprint of the `qualification` area, under one parent (`core.web.access.area_blueprint`)."""

from __future__ import annotations

from core.web.access import area_blueprint
from qualification.announcements.views import bp as announcements
from qualification.api.views import bp as api
from qualification.awards.views import bp as awards
from qualification.boards.models import BoardOutcome
from qualification.boards.permissions import TEMPLATE_PREDICATES as BOARD_PREDICATES
from qualification.boards.rules import Standing
from qualification.boards.views import bp as boards
from qualification.booking.models import BookingStatus
from qualification.booking.views import bp as booking
from qualification.calendar.views import bp as calendar
from qualification.catalogue.views import bp as catalogue
from qualification.certificates.models import CertificateKind
from qualification.certificates.permissions import can_choose_display
from qualification.certificates.views import bp as certificates
from qualification.cohorts.models import MemberStatus
from qualification.cohorts.views import bp as cohorts
from qualification.compare.views import bp as compare
from qualification.credentials.views import bp as credentials
from qualification.deadlines.models import ExtensionStatus
from qualification.deadlines.permissions import TEMPLATE_PREDICATES as DEADLINE_PREDICATES
from qualification.deadlines.views import bp as deadlines
from qualification.editor.views import bp as editor
from qualification.forums.views import bp as forums
from qualification.membership.views import bp as membership
from qualification.pathway.views import bp as pathway
from qualification.people.views import bp as people
from qualification.results.views import bp as results
from qualification.settings.views import bp as settings
from qualification.versions.models import VersionStatus
from qualification.versions.views import bp as versions

bp = area_blueprint(
    "qualification",
    versions,
    catalogue,
    compare,
    editor,
    awards,
    cohorts,
    settings,
    people,
    calendar,
    booking,
    pathway,
    results,
    forums,
    announcements,
    deadlines,
    membership,
    certificates,
    credentials,
    boards,
    api,
    statuses=(
        BoardOutcome,
        BookingStatus,
        CertificateKind,
        ExtensionStatus,
        MemberStatus,
        VersionStatus,
        Standing,
    ),
    predicates=(*DEADLINE_PREDICATES, *BOARD_PREDICATES, can_choose_display),
)

"""Every blueprint of the `portfolio` area, under one parent (`core.web.access.area_blueprint`)."""

from __future__ import annotations

from core.web.access import area_blueprint
from portfolio.apl.models import AplStatus
from portfolio.evidence.views import bp as evidence
from portfolio.files.views import bp as files
from portfolio.permissions import TEMPLATE_PREDICATES
from portfolio.submissions.models import SubmissionStatus
from portfolio.submissions.views import bp as submissions

bp = area_blueprint(
    "portfolio",
    evidence,
    files,
    submissions,
    statuses=(AplStatus, SubmissionStatus),
    predicates=TEMPLATE_PREDICATES,
)

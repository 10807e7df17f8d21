"""Every blueprint of the `portfolio` area, under one parent (`core.web.access.area_blueprint`)."""

from __future__ import annotations

from core.web.access import area_blueprint
from portfolio.evidence.views import bp as evidence
from portfolio.files.views import bp as files
from portfolio.submissions.views import bp as submissions

bp = area_blueprint("portfolio", evidence, files, submissions)

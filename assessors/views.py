"""The `assessors` blueprint: the assessor's queue, marking, observations, IQA and examiner pages."""

from flask import Blueprint

import assessors.models  # noqa: F401  (the area's tables, known to Alembic through the app)

bp = Blueprint("assessors", __name__, url_prefix="/assessors")

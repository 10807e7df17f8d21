"""The `assessors` blueprint: the assessor's queue, marking, observations, IQA and examiner pages."""

from flask import Blueprint

import assessors.models  # noqa: F401  (the area's tables, known to Alembic through the app)

bp = Blueprint("assessors", __name__, url_prefix="/assessors")


@bp.get("/assessments/<int:assessment_id>")
def show_assessment(assessment_id: int):
    """Placeholder until the marking page lands (replaced in this session)."""
    return str(assessment_id)

"""Every blueprint of the `portfolio` area, registered under one parent.

Endpoints read `portfolio.<capability>.<view>`, so a name says where its code lives. Each capability
declares its own blueprint in its views.py; this list is the only place that gathers them (nothing is
registered by the side effect of an import).
"""

from __future__ import annotations

from flask import Blueprint

from portfolio.evidence.views import bp as evidence
from portfolio.files.views import bp as files
from portfolio.permissions import TEMPLATE_PREDICATES
from portfolio.submissions.views import bp as submissions

bp = Blueprint("portfolio", __name__)
for _child in (
    evidence,
    files,
    submissions,
):
    bp.register_blueprint(_child)

# The predicates that include an object's state decide every action control, in templates as in services.
for _predicate in TEMPLATE_PREDICATES:
    bp.add_app_template_global(_predicate, _predicate.__name__)

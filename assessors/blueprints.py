"""Every blueprint of the `assessors` area, registered under one parent.

Endpoints read `assessors.<capability>.<view>`, so a name says where its code lives. Each capability
declares its own blueprint in its views.py; this list is the only place that gathers them (nothing is
registered by the side effect of an import).
"""

from __future__ import annotations

from flask import Blueprint

from assessors.examiner.views import bp as examiner
from assessors.marking.views import bp as marking
from assessors.permissions import TEMPLATE_PREDICATES
from assessors.quality.views import bp as quality
from assessors.queue.views import bp as queue
from assessors.witness.views import bp as witness
from assessors.workplace.views import bp as workplace

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

# The predicates that include an object's state decide every action control, in templates as in services.
for _predicate in TEMPLATE_PREDICATES:
    bp.add_app_template_global(_predicate, _predicate.__name__)

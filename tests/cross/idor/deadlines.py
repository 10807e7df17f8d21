"""B2 (IDOR) support, deadlines and extensions: for each candidate of the two-cohort world, their cohort's M02
deadline and the candidate's request for more time on it (its reason carries the candidate's marker), through
the real services.

Called by tests/cross/idor/world.py's build_world inside its app context; sets `deadline_id` and
`extension_id` on each candidate's Objects.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from core.accounts.models import User
from core.db.timeutil import uk_today
from core.extensions import db
from qualification.cohorts.models import Cohort
from qualification.deadlines.services import request_extension, set_deadline

if TYPE_CHECKING:
    from tests.cross.idor.world import Objects

MODULE = "M02"  # M01 is submitted in the world, so it needs no extension


def add_deadline_objects(leader: User, *candidates: tuple[Objects, str]) -> None:
    """The cohort's M02 deadline and the candidate's pending extension request, for each (objects, mark)."""
    today = uk_today()
    for objects, mark in candidates:
        cohort = db.session.get(Cohort, objects.cohort_id)
        deadline = set_deadline(
            leader, cohort, module_code=MODULE, due_on=today + timedelta(days=20), today=today
        )
        extension = request_extension(
            db.session.get(User, objects.user_id),
            deadline,
            proposed_until=today + timedelta(days=30),
            reason=f"{mark} reason for more time",
            today=today,
        )
        objects.deadline_id, objects.extension_id = deadline.id, extension.id

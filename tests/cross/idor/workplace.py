"""B2 (IDOR) support, the workplace assessment objects: for each candidate of the two-cohort world, a planned
observation and a competence sign-off by their allocated assessor, and a pending witness request the
candidate sent, all through the real services.

Called by tests/cross/idor/world.py's build_world inside its app context; sets `observation_id`, `signoff_id`
and `witness_request_id` on each candidate's Objects.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from assessors.witness.services import request_testimony
from assessors.workplace.services.observations import plan_observation
from assessors.workplace.services.signoffs import sign_off_criterion
from core.accounts.models import User
from core.extensions import db
from portfolio.evidence.models import EvidenceItem

if TYPE_CHECKING:
    from tests.cross.idor.world import Objects


def add_workplace_objects(
    objects: Objects, assessor_email: str, mark: str, *, family: str, module: str
) -> None:
    """A planned observation, a competence sign-off and a pending witness request for the candidate (their
    allocated assessor's), through the real services; sets observation_id, signoff_id, witness_request_id."""
    assessor = db.session.scalar(select(User).where(User.email == assessor_email))
    candidate = db.session.get(User, objects.user_id)
    observation = plan_observation(
        assessor,
        candidate_id=candidate.id,
        family=family,
        module_code=module,
        planned_for=date.today() + timedelta(days=7),  # noqa: DTZ011
        school=f"{mark} school",
        focus_md=f"{mark} focus of the observation",
        refs=["M01.1.1"],
    )
    signoff = sign_off_criterion(
        assessor,
        candidate_id=candidate.id,
        family=family,
        module_code=module,
        ref="M01.1.3",
        basis=f"{mark} professional discussion",
        note_md=f"{mark} sign-off note",
        signed_name=assessor.name,
    )
    request = request_testimony(
        candidate,
        db.session.get(EvidenceItem, objects.item_id),
        family=family,
        module_code=module,
        refs=["M01.1.1"],
        witness_name=f"{mark} witness",
        witness_email=f"{mark}.witness@school.example",
        witness_role=f"{mark} deputy head",
    )
    objects.observation_id, objects.signoff_id = observation.id, signoff.id
    objects.witness_request_id = request.id

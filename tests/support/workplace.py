"""Workplace evidence for the marking and workplace tests, made through the real services."""

from __future__ import annotations

from datetime import datetime, timedelta

from assessors.workplace.services.observations import plan_observation, record_observation
from assessors.workplace.services.signoffs import sign_off_criterion
from core.db.timeutil import UK
from core.extensions import db
from tests.support.people import JO, TOM, person


def workplace_evidence(app) -> int:
    """Tom signs off Jo's M01.1.2 and records an observation of M01.1.3; returns Jo's id."""
    with app.test_request_context():
        tom, jo = person(TOM), person(JO)
        sign_off_criterion(
            tom,
            candidate_id=jo.id,
            family="CCQ",
            module_code="M01",
            ref="M01.1.2",
            basis="Professional discussion on 3 March",
            note_md="",
            signed_name=tom.name,
        )
        today = datetime.now(UK).date()
        observation = plan_observation(
            tom,
            candidate_id=jo.id,
            family="CCQ",
            module_code="M01",
            planned_for=today + timedelta(days=1),
            school="Northmoor Academy",
            focus_md="A guidance interview.",
            refs=["M01.1.3"],
        )
        record_observation(
            tom,
            observation,
            expected_version=None,
            observed_on=today,
            narrative_md="A well-run interview.",
            judgements={"M01.1.3": ("met", "Clear next steps agreed.")},
            signed_name=tom.name,
            anonymised=True,
        )
        db.session.commit()
        return jo.id

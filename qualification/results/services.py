"""Recording what a candidate has achieved: the write side of module and criterion results.

The assessment area calls these when a decision is released (and when a released decision is reopened), in
its own transaction, so a result and the decision's audit row are written or lost together.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import delete, select, update

from core.audit.services import record
from core.db.timeutil import utcnow
from core.extensions import db
from qualification.results.models import AchievedBy, CriterionOutcome, CriterionResult, ModuleResult


def record_module_result(
    actor,
    *,
    candidate_id: int,
    cohort_id: int | None,
    family: str,
    module_code: str,
    module_id: int | None,
    title: str,
    level: int,
    credits: int,
    how: AchievedBy,
    achieved_on: date,
    source: str,
) -> ModuleResult:
    """Record a module as achieved (assessed or by APL) with its credits; any earlier live result is kept."""
    result = ModuleResult(
        candidate_id=candidate_id,
        cohort_id=cohort_id,
        family=family,
        module_code=module_code,
        module_id=module_id,
        title=title,
        level=level,
        credits=credits,
        how=AchievedBy(how),
        achieved_on=achieved_on,
        source=source,
    )
    db.session.add(result)
    db.session.flush()
    record(
        "module_result_recorded",
        actor=actor,
        obj=result,
        details={
            "candidate_id": candidate_id,
            "module_code": module_code,
            "credits": credits,
            "how": str(how),
            "source": source,
        },
    )
    return result


def _met_by(outcome: CriterionOutcome, said: str) -> str:
    if outcome == CriterionOutcome.MET_BY_APL:
        return "Prior learning (APL)"
    return said[:300] if outcome == CriterionOutcome.MET else ""


def record_criterion_results(
    actor,
    *,
    candidate_id: int,
    family: str,
    module_code: str,
    outcomes: Mapping[str, str],
    source: str,
    met_by: Mapping[str, str] | None = None,
) -> None:
    """Record released criterion results, with how each met one was met; the latest released decision on a
    criterion wins."""
    met_by = met_by or {}
    if not outcomes:
        return
    existing = {
        r.criterion_ref: r
        for r in db.session.scalars(
            select(CriterionResult).where(
                CriterionResult.candidate_id == candidate_id,
                CriterionResult.family == family,
                CriterionResult.module_code == module_code,
                CriterionResult.criterion_ref.in_(list(outcomes)),
            )
        )
    }
    now = utcnow()
    for ref, outcome in outcomes.items():
        outcome = CriterionOutcome(outcome)
        row = existing.get(ref)
        # A criterion already met by APL stays so: a later "not yet met" on a submission does not undo credit.
        if row is not None and row.outcome == CriterionOutcome.MET_BY_APL and outcome != CriterionOutcome.MET:
            continue
        if row is None:
            db.session.add(
                CriterionResult(
                    candidate_id=candidate_id,
                    family=family,
                    module_code=module_code,
                    criterion_ref=ref,
                    outcome=outcome,
                    met_by=_met_by(outcome, met_by.get(ref, "")),
                    source=source,
                    recorded_at=now,
                )
            )
        else:
            row.outcome, row.source, row.recorded_at = outcome, source, now
            row.met_by = _met_by(outcome, met_by.get(ref, ""))
    db.session.flush()
    record(
        "criterion_results_recorded",
        actor=actor,
        object_type="User",
        object_id=candidate_id,
        details={"module_code": module_code, "source": source, "outcomes": dict(sorted(outcomes.items()))},
    )


def revoke_results(actor, *, source: str) -> int:
    """Withdraw the results a decision recorded (it was reopened); returns how many module results ended."""
    ended = db.session.execute(
        update(ModuleResult)
        .where(ModuleResult.source == source, ModuleResult.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
    db.session.execute(delete(CriterionResult).where(CriterionResult.source == source))
    db.session.flush()
    record("results_revoked", actor=actor, object_type="Decision", object_id=source, details={"ended": ended})
    return ended


def criterion_outcomes(candidate_id: int, family: str, module_code: str) -> dict[str, str]:
    """Released results per criterion ref of a module: "met", "not yet met" or "met by APL"."""
    rows = db.session.execute(
        select(CriterionResult.criterion_ref, CriterionResult.outcome).where(
            CriterionResult.candidate_id == candidate_id,
            CriterionResult.family == family,
            CriterionResult.module_code == module_code,
        )
    )
    return dict(rows.all())


def live_module_results(candidate_id: int) -> list[ModuleResult]:
    """The candidate's module results that still count, oldest first."""
    return list(
        db.session.scalars(
            select(ModuleResult)
            .where(ModuleResult.candidate_id == candidate_id, ModuleResult.revoked_at.is_(None))
            .order_by(ModuleResult.achieved_on, ModuleResult.id)
        )
    )

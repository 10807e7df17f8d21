"""Assessment data for the benchmark (W3, W4, W6), in bulk with the row shapes the services write.

- QUEUE_ASSESSOR gets the candidates of the queue (all of them at tier S, the first 1,000 at M, 10,000 at L)
  allocated to them, and each of those candidates five modules (M01-M05) submitted twice (attempts 1 and 2, a
  submission and a resubmission), none started: 2,000 waiting at S, 10,000 at M, 100,000 at L, submitted over
  the last 60 days (so some are overdue against the 15-day target). One snapshot entry each (the
  candidate's first evidence).
- W6_ASSESSMENTS of those attempts are already in marking (assessment with one open judgement per criterion)
  for the concurrent sign-off workload.
- Released decisions with module results (the cohort report's figures): a share of candidates achieved M01,
  M01-M03, or the whole certificate (one option, sometimes by APL within the cap); attempt 3 holds those
  decisions. Attempt 4 holds decisions in the other states (marking complete, IQA review, ready for release).

No audit rows are written for these bulk rows; the hash chain stays intact (`flask audit verify` passes).
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

QUEUE_ASSESSOR = "bench-assessor001@bench.example"
QUEUE_CANDIDATES = {"S": 200, "M": 1_000, "L": 10_000}
QUEUE_MODULES = ("M01", "M02", "M03", "M04", "M05")
W6_ASSESSMENTS = 24
RESULTS_ANCHOR = date(2026, 6, 1)


def _hash(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def add_assessment_data(tier: str, rng: random.Random, cohort, log, bulk, candidate_ids: list[int]) -> dict:
    """Submissions, assessments and module results for the tier, through the generator's bulk writer (in
    its transaction); `candidate_ids` are the generated candidates in join order. Returns counts."""
    from sqlalchemy import func, select, update

    from assessors.marking.models import Assessment, CriterionJudgement
    from core.accounts.models import User
    from core.db.timeutil import utcnow
    from core.extensions import db
    from modules.catalogue.models import AssessmentCriterion, LearningOutcome
    from portfolio.evidence.models import EvidenceItem
    from portfolio.submissions.models import Submission, SubmissionEntry
    from qualification.cohorts.models import AssessorAllocation
    from qualification.results.models import ModuleResult

    now = utcnow().replace(microsecond=0)
    links = {link.code: link.module for link in cohort.qualification_version.module_links}
    criteria: dict[str, list[str]] = {}
    for code, module in links.items():
        criteria[code] = list(
            db.session.scalars(
                select(AssessmentCriterion.ref)
                .join(LearningOutcome, LearningOutcome.id == AssessmentCriterion.outcome_id)
                .where(LearningOutcome.module_id == module.id)
                .order_by(LearningOutcome.position, AssessmentCriterion.position)
            )
        )
    assessor_id = db.session.scalar(select(User.id).where(User.email == QUEUE_ASSESSOR))
    queue_ids = candidate_ids[: QUEUE_CANDIDATES[tier]]
    db.session.execute(
        update(AssessorAllocation)
        .where(AssessorAllocation.cohort_id == cohort.id, AssessorAllocation.candidate_id.in_(queue_ids))
        .values(assessor_id=assessor_id)
    )
    first_version = dict(
        db.session.execute(
            select(EvidenceItem.candidate_id, func.min(EvidenceItem.current_version_id)).group_by(
                EvidenceItem.candidate_id
            )
        ).all()
    )

    def submissions(rows: list[dict]) -> list[int]:
        ids = list(bulk.ids(Submission.__table__, len(rows)))
        bulk.insert(Submission.__table__, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        entries = [
            {
                "submission_id": sid,
                "criterion_ref": criteria[row["module_code"]][0],
                "version_id": first_version[row["candidate_id"]],
                "content_hash": row["snapshot_hash"],
                "note": "",
            }
            for sid, row in zip(ids, rows, strict=True)
            if row["candidate_id"] in first_version
        ]
        bulk.insert(SubmissionEntry.__table__, entries)
        return ids

    def submission_row(uid: int, code: str, attempt: int, status: str, submitted_at) -> dict:
        return {
            "candidate_id": uid,
            "cohort_id": cohort.id,
            "family": "CCQ",
            "module_code": code,
            "module_id": links[code].id,
            "attempt": attempt,
            "status": status,
            "submitted_at": submitted_at,
            "snapshot_hash": _hash("snapshot", uid, code, attempt),
            "statement_md": "",
        }

    # The queue: every attempt waiting, none started.
    waiting = [
        submission_row(
            uid, code, attempt, "submitted", now - timedelta(minutes=rng.randint(60, 60 * 24 * 60))
        )
        for uid in queue_ids
        for code in QUEUE_MODULES
        for attempt in (1, 2)
    ]
    waiting_ids = submissions(waiting)
    log(f"{len(waiting_ids)} submissions waiting for {QUEUE_ASSESSOR}")

    def assessment_row(sid: int, sub: dict, state: str, decision: str | None, assessor: int) -> dict:
        return {
            "kind": "submission",
            "submission_id": sid,
            "apl_claim_id": None,
            "round": 1,
            "candidate_id": sub["candidate_id"],
            "cohort_id": cohort.id,
            "family": "CCQ",
            "module_code": sub["module_code"],
            "module_id": sub["module_id"],
            "assessor_id": assessor,
            "status": state,
            "decision": decision,
            "feedback_md": "Bench feedback." if decision else "",
            "action_md": "",
            "evidence_hash": sub["snapshot_hash"],
            "sampled": state == "in_iqa_review",
            "sample_reasons": "",
            "waiting_since": sub["submitted_at"],
            "returned_by_iqa": False,
            "created_at": now,
            "started_at": now,
            "completed_at": now if state not in ("in_marking",) else None,
            "released_at": now if state == "released" else None,
            "version": 1,
        }

    def assessments(rows: list[dict]) -> list[int]:
        ids = list(bulk.ids(Assessment.__table__, len(rows)))
        bulk.insert(Assessment.__table__, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        judgements = [
            {
                "assessment_id": aid,
                "criterion_ref": ref,
                "outcome": None if row["status"] == "in_marking" else "met",
                "comment": "",
            }
            for aid, row in zip(ids, rows, strict=True)
            for ref in criteria[row["module_code"]]
        ]
        bulk.insert(CriterionJudgement.__table__, judgements)
        return ids

    # W6: the first attempts of the first candidates, opened for marking by the queue's assessor.
    w6 = [(sid, sub) for sid, sub in zip(waiting_ids, waiting, strict=True) if sub["attempt"] == 1]
    w6_ids = assessments(
        [assessment_row(sid, sub, "in_marking", None, assessor_id) for sid, sub in w6[:W6_ASSESSMENTS]]
    )

    # Results: released decisions (attempt 3) with module results, and decisions in other states (attempt 4).
    allocated = dict(
        db.session.execute(
            select(AssessorAllocation.candidate_id, AssessorAllocation.assessor_id).where(
                AssessorAllocation.cohort_id == cohort.id
            )
        ).all()
    )
    released, results, pending = [], [], []
    for uid in candidate_ids:
        roll = rng.random()
        achieved = (
            ["M01", "M02", "M03", rng.choice(["M04", "M05"])]
            if roll < 0.12
            else ["M01", "M02", "M03"]
            if roll < 0.3
            else ["M01"]
            if roll < 0.6
            else []
        )
        by_apl = {rng.choice(achieved)} if achieved and rng.random() < 0.2 else set()
        for n, code in enumerate(achieved):
            on = RESULTS_ANCHOR + timedelta(days=30 * n + rng.randint(0, 20))
            how = "apl" if code in by_apl else "assessment"
            results.append(
                {
                    "candidate_id": uid,
                    "cohort_id": cohort.id,
                    "family": "CCQ",
                    "module_code": code,
                    "module_id": links[code].id,
                    "title": links[code].title,
                    "level": links[code].level,
                    "credits": links[code].credits,
                    "how": how,
                    "achieved_on": on,
                    "source": f"bench:{uid}:{code}",
                    "recorded_at": now,
                    "revoked_at": None,
                }
            )
            if how == "assessment":
                released.append(submission_row(uid, code, 3, "achieved", now - timedelta(days=90)))
        if rng.random() < 0.3:
            pending.append(
                submission_row(uid, rng.choice(QUEUE_MODULES), 4, "submitted", now - timedelta(days=3))
            )
    released_ids = submissions(released)
    assessments(
        [
            assessment_row(sid, sub, "released", "achieved", allocated.get(sub["candidate_id"], assessor_id))
            for sid, sub in zip(released_ids, released, strict=True)
        ]
    )
    pending_ids = submissions(pending)
    states = ("marking_complete", "in_iqa_review", "ready_for_release")
    assessments(
        [
            assessment_row(
                sid, sub, states[i % 3], "achieved", allocated.get(sub["candidate_id"], assessor_id)
            )
            for i, (sid, sub) in enumerate(zip(pending_ids, pending, strict=True))
        ]
    )
    bulk.insert(ModuleResult.__table__, results)
    log(f"{len(results)} module results, {len(released_ids)} released, {len(pending_ids)} pending decisions")
    return {
        "submissions_waiting_in_queue": len(waiting_ids),
        "queue_assessor": QUEUE_ASSESSOR,
        "cohort_id": cohort.id,
        "w6_assessments": w6_ids,
        "module_results": len(results),
        "released_decisions": len(released_ids),
        "pending_decisions": len(pending_ids),
    }

"""The sampling plan: its rules as a table, the base percentage as a floor over a run of decisions, keeping
the plan through its page (bad input, a stale form), and the coverage report's numbers."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from assessors.marking.models import Assessment
from assessors.quality.models import SamplingPlan, TraineeAssessor
from assessors.quality.rules import AssessorRecord, PlanRules, sample_reasons
from assessors.quality.services import coverage
from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.db.querycount import count_queries
from core.extensions import db
from tests.support.cohorts import count
from tests.support.evidence import audit_rows
from tests.support.html import page_text, press, signed_in
from tests.support.people import CHRIS, HELEN, JO, SAM, TOM, person
from tests.support.quality import demo_cohort_id, judge, submit

PLAN = PlanRules(base_percent=0, first_decisions=0, all_apl=False, all_referrals=False, all_trainees=False)
SAVE = "Save the sampling plan"


# The rules as a table ---------------------------------------------------------------------------------------


def rec(decided=10, sampled=10, trainee=False):
    return AssessorRecord(decided=decided, sampled=sampled, trainee=trainee)


@pytest.mark.parametrize(
    ("rules", "kind", "decision", "record", "expected"),
    [
        (PLAN, "submission", "achieved", rec(), []),
        (
            PlanRules(**{**PLAN.__dict__, "first_decisions": 5}),
            "submission",
            "achieved",
            rec(4, 4),
            ["first 5"],
        ),
        (PlanRules(**{**PLAN.__dict__, "first_decisions": 5}), "submission", "achieved", rec(5, 5), []),
        (PlanRules(**{**PLAN.__dict__, "all_apl": True}), "apl", "accepted", rec(), ["APL"]),
        (PlanRules(**{**PLAN.__dict__, "all_apl": True}), "submission", "achieved", rec(), []),
        (PLAN, "apl", "accepted", rec(), []),
        (
            PlanRules(**{**PLAN.__dict__, "all_referrals": True}),
            "submission",
            "referred",
            rec(),
            ["referral"],
        ),
        (PlanRules(**{**PLAN.__dict__, "all_referrals": True}), "apl", "rejected", rec(), ["referral"]),
        (PlanRules(**{**PLAN.__dict__, "all_referrals": True}), "apl", "more_evidence", rec(), ["referral"]),
        (PlanRules(**{**PLAN.__dict__, "all_referrals": True}), "submission", "achieved", rec(), []),
        (PLAN, "submission", "referred", rec(), []),
        (
            PlanRules(**{**PLAN.__dict__, "all_trainees": True}),
            "submission",
            "achieved",
            rec(trainee=True),
            ["trainee"],
        ),
        (PlanRules(**{**PLAN.__dict__, "all_trainees": True}), "submission", "achieved", rec(), []),
        (PLAN, "submission", "achieved", rec(trainee=True), []),
        (PlanRules(**{**PLAN.__dict__, "base_percent": 10}), "submission", "achieved", rec(9, 0), ["10%"]),
        (PlanRules(**{**PLAN.__dict__, "base_percent": 10}), "submission", "achieved", rec(9, 1), []),
        (PlanRules(**{**PLAN.__dict__, "base_percent": 100}), "submission", "achieved", rec(3, 3), ["100%"]),
        (
            PlanRules(base_percent=0, first_decisions=1, all_apl=True, all_referrals=True, all_trainees=True),
            "apl",
            "rejected",
            rec(0, 0, trainee=True),
            ["first 1", "APL", "referral", "trainee"],
        ),
    ],
)
def test_sample_reasons_follow_the_plan(rules, kind, decision, record, expected):
    reasons = sample_reasons(rules, kind, decision, record)
    assert len(reasons) == len(expected), reasons
    for reason, word in zip(reasons, expected, strict=True):
        assert word in reason


@pytest.mark.parametrize("percent", [1, 10, 25, 33, 50, 100])
def test_base_percent_is_a_floor_on_coverage_over_any_run(percent):
    rules = PlanRules(**{**PLAN.__dict__, "base_percent": percent})
    sampled = 0
    for decided in range(1, 251):
        if sample_reasons(rules, "submission", "achieved", rec(decided - 1, sampled)):
            sampled += 1
        assert sampled >= math.ceil(percent * decided / 100)
        # ... and never much above it: the floor is met, not exceeded by more than one decision.
        assert sampled <= math.ceil(percent * decided / 100) + 1


# Keeping the plan through its page --------------------------------------------------------------------------


def plan_url(app) -> str:
    return f"/assessors/cohorts/{demo_cohort_id(app)}/sampling"


def tom_id(app) -> int:
    with app.app_context():
        return person(TOM).id


def test_iqa_can_change_the_plan_and_mark_a_trainee(demo):
    tom = tom_id(demo)
    sam = signed_in(demo, SAM)
    page = sam.get(plan_url(demo))
    assert page.status_code == 200
    assert "Tom Okafor" in page_text(page)
    done = press(
        sam,
        page,
        SAVE,
        {"base_percent": "20", "first_decisions": "3", "trainees": [str(tom)], "all_apl": []},
    )
    assert "The sampling plan is saved." in page_text(done)
    with demo.app_context():
        plan = db.session.scalars(select(SamplingPlan)).one()
        assert (plan.base_percent, plan.first_decisions, plan.all_apl, plan.all_referrals) == (
            20,
            3,
            False,
            True,
        )
        assert [t.assessor_id for t in db.session.scalars(select(TraineeAssessor))] == [tom]
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sampling_plan_changed")
        ).one()
        assert details_of(event)["after"]["trainees"] == [tom]
        assert details_of(event)["before"]["base_percent"] == 10
    # The trainee is unmarked again: a second audit row.
    again = press(sam, sam.get(plan_url(demo)), SAVE, {"trainees": []})
    assert "The sampling plan is saved." in page_text(again)
    assert count(demo, TraineeAssessor) == 0
    assert len(audit_rows(demo, "sampling_plan_changed")) == 2


def test_iqa_cannot_save_a_percentage_over_100(demo):
    sam = signed_in(demo, SAM)
    response = press(sam, sam.get(plan_url(demo)), SAVE, {"base_percent": "150"}, follow=False)
    assert response.status_code == 422
    assert "Enter a percentage from 0 to 100." in page_text(response)
    assert 'value="150"' in response.get_data(as_text=True)
    assert count(demo, SamplingPlan) == 0
    assert audit_rows(demo, "sampling_plan_changed") == []


def test_iqa_cannot_overwrite_a_plan_changed_since_the_page_was_opened(demo):
    sam, helen = signed_in(demo, SAM), signed_in(demo, HELEN)
    sams_page, helens_page = sam.get(plan_url(demo)), helen.get(plan_url(demo))
    assert "The sampling plan is saved." in page_text(press(helen, helens_page, SAVE, {"base_percent": "30"}))
    stale = press(sam, sams_page, SAVE, {"base_percent": "42", "first_decisions": "7"}, follow=False)
    assert stale.status_code == 409
    assert "Someone else changed this sampling plan" in page_text(stale)
    body = stale.get_data(as_text=True)
    assert 'value="42"' in body  # what Sam typed is still in the form
    assert 'value="7"' in body
    with demo.app_context():
        plan = db.session.scalars(select(SamplingPlan)).one()
        assert plan.base_percent == 30
    # Saving again from the conflict page is a deliberate choice made after seeing Helen's change.
    assert "The sampling plan is saved." in page_text(press(sam, stale, SAVE))
    with demo.app_context():
        assert db.session.scalars(select(SamplingPlan)).one().base_percent == 42


def test_assessor_cannot_open_the_sampling_plan(demo):
    assert signed_in(demo, TOM).get(plan_url(demo)).status_code == 403


# Coverage ---------------------------------------------------------------------------------------------------


def test_coverage_counts_decisions_by_assessor_module_and_type(demo):
    sam = signed_in(demo, SAM)
    # Only an assessor's first decision is sampled; nothing else.
    press(
        sam,
        sam.get(plan_url(demo)),
        SAVE,
        {"base_percent": "0", "first_decisions": "1", "all_apl": [], "all_referrals": [], "all_trainees": []},
    )
    jo_first = judge(demo, TOM, submit(demo, JO))  # Tom's first: sampled
    judge(demo, TOM, submit(demo, "candidate3@school.example"))  # Tom's second: not sampled
    chris_first = judge(demo, HELEN, submit(demo, CHRIS))  # Helen's first: sampled
    for assessment_id, button, changes in (
        (jo_first, "Agree with the decision", {}),
        (chris_first, "Return to the assessor", {"reasons_md": "Say which pupils the plan reached."}),
    ):
        page = sam.get(f"/assessors/assessments/{assessment_id}/review")
        press(sam, page, button, changes)
    with demo.app_context():
        assert [a.sampled for a in db.session.scalars(select(Assessment).order_by(Assessment.id))] == [
            True,
            False,
            True,
        ]
        cohort_id = db.session.scalar(select(func.min(Assessment.cohort_id)))
        with count_queries(db.engine) as queries:
            report = coverage(cohort_id)
        assert len(queries) == 3
    assert [
        (r.label, r.completed, r.sampled, r.percent, r.agreed, r.returned) for r in report.by_assessor
    ] == [
        ("Helen Marsh", 1, 1, 100, 0, 1),
        ("Tom Okafor", 2, 1, 50, 1, 0),
    ]
    assert [(r.label, r.completed, r.sampled, r.agreed, r.returned) for r in report.by_module] == [
        ("M01", 3, 2, 1, 1)
    ]
    assert [(r.label, r.completed, r.sampled) for r in report.by_type] == [("Submission: achieved", 3, 2)]
    page = page_text(sam.get(plan_url(demo)))
    assert "2 of 3 completed decisions sampled (67%)" in page
    assert "Tom Okafor 2 1 50% 1 0" in page

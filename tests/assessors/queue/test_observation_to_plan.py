"""The queue's "Observation to plan" rows: a module an allocated candidate studies that has an observation
criterion not yet met and no observation planned, recorded or acknowledged. One row per (candidate, module),
waiting since the enrolment; planning the observation (through the form) takes it away; never another
assessor's candidates; the kind filter; never overdue (no turnaround target applies); keyset pages; a fixed
number of statements."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from assessors.workplace.models import Observation
from core.accounts.models import Role, User
from core.extensions import db
from modules.catalogue.models import AssessmentCriterion, CriterionMethod, LearningOutcome
from modules.study.models import ModuleEnrolment
from qualification.cohorts.models import AssessorAllocation, Cohort
from qualification.results.models import CriterionResult
from qualification.versions.models import VersionModule
from tests.support.demo import demo_fixture
from tests.support.html import page_text, press, signed_in
from tests.support.marking import load_marking_demo
from tests.support.people import CHRIS, DEMO_PASSWORD, HELEN, JO, MORGAN, TOM, make_user
from tests.support.queue import TO_PLAN, add_waiting, assert_fixed_statements, next_link, rows_of

NEXT_WEEK = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()


demo = demo_fixture(load_marking_demo)


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def enrolments(app, email: str) -> dict[str, int]:
    """The person's module enrolments, by module code: the ids the queue's rows carry."""
    with app.app_context():
        return dict(
            db.session.execute(
                select(ModuleEnrolment.module_code, ModuleEnrolment.id).where(
                    ModuleEnrolment.candidate_id == _user_id(app, email)
                )
            ).all()
        )


def plan_keys(app, *emails_and_codes) -> set[str]:
    """The row keys of these (email, code) pairs, as the queue names them."""
    return {f"observation_plan-{enrolments(app, email)[code]}" for email, code in emails_and_codes}


def keys_of(response) -> set[str]:
    return {row.split(" ")[0] for row in rows_of(response)}


def to_plan(client) -> set[str]:
    return keys_of(client.get("/assessors/queue?kind=observation_plan"))


def observation_criteria(app, code: str) -> list[str]:
    """The refs of the demo module's criteria assessed by observation."""
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        return list(
            db.session.scalars(
                select(AssessmentCriterion.ref)
                .join(LearningOutcome, LearningOutcome.id == AssessmentCriterion.outcome_id)
                .join(VersionModule, VersionModule.module_id == LearningOutcome.module_id)
                .join(CriterionMethod, CriterionMethod.criterion_id == AssessmentCriterion.id)
                .where(
                    VersionModule.version_id == cohort.version_id,
                    VersionModule.code == code,
                    CriterionMethod.method == "observation",
                )
                .order_by(AssessmentCriterion.ref)
            )
        )


def set_result(app, email: str, code: str, ref: str, outcome: str) -> None:
    who = _user_id(app, email)
    with app.app_context():
        db.session.execute(
            delete(CriterionResult).where(
                CriterionResult.candidate_id == who, CriterionResult.criterion_ref == ref
            )
        )
        db.session.add(
            CriterionResult(
                candidate_id=who,
                family="CCQ",
                module_code=code,
                criterion_ref=ref,
                outcome=outcome,
                source="assessment:0",
            )
        )
        db.session.commit()


def add_candidates(app, count: int, *, code: str = "M01", days_ago: float = 0, at: datetime | None = None):
    """More candidates allocated to Tom, each enrolled on one module (rows: hundreds are needed)."""
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        tom = db.session.scalar(select(User.id).where(User.email == TOM))
        module_id = db.session.scalar(
            select(VersionModule.module_id).where(
                VersionModule.version_id == cohort.version_id, VersionModule.code == code
            )
        )
        first = db.session.scalar(select(db.func.count()).select_from(User))
        base = datetime.now(UTC) - timedelta(days=days_ago)
        for n in range(count):
            person = User(email=f"extra{first + n}@school.example", name=f"Extra Candidate {first + n:04d}")
            db.session.add(person)
            db.session.flush()
            db.session.add(AssessorAllocation(cohort_id=cohort.id, candidate_id=person.id, assessor_id=tom))
            db.session.add(
                ModuleEnrolment(
                    candidate_id=person.id,
                    family="CCQ",
                    module_code=code,
                    module_id=module_id,
                    cohort_id=cohort.id,
                    enrolled_at=at or base - timedelta(minutes=n),
                )
            )
        db.session.commit()


def plan_link(response, key: str) -> str:
    """The "Plan observation" link of one queue row."""
    body = response.get_data(as_text=True)
    row = re.search(rf'<tr id="queue-{key}"[^>]*>(.*?)</tr>', body, re.S)
    assert row, f"no row {key}"
    link = re.search(r'<a href="([^"]+)">Plan observation<', row.group(1))
    assert link, row.group(1)
    return html.unescape(link.group(1))


# What is in it -------------------------------------------------------------------------------------------


def test_assessor_sees_a_module_to_plan_for_each_allocated_candidate_module(demo):
    app = demo
    tom = signed_in(app, TOM)
    expected = plan_keys(
        app, *[(JO, c) for c in ("M01", "M02", "M03", "M04")], *[(MORGAN, c) for c in ("M01", "M02", "M03")]
    )
    assert len(expected) == TO_PLAN
    assert to_plan(tom) == expected
    queue = tom.get("/assessors/queue")
    assert keys_of(queue) == expected  # nothing else waits in the demo before Jo submits
    text = page_text(queue)
    assert "Observation to plan: M01" in text
    assert "Jo Patel" in text
    assert "Morgan Lee" in text
    assert "Chris Evans" not in text
    assert "no target" in text
    assert "Overdue" not in text
    jo = _user_id(app, JO)
    key = f"observation_plan-{enrolments(app, JO)['M01']}"
    assert plan_link(queue, key) == f"/assessors/candidates/{jo}/modules/CCQ/M01/observations/new"


def test_assessor_can_plan_from_the_queue_and_the_row_goes_until_the_observation_is_cancelled(demo):
    app = demo
    tom = signed_in(app, TOM)
    key = f"observation_plan-{enrolments(app, JO)['M02']}"
    form = tom.get(plan_link(tom.get("/assessors/queue"), key))
    assert form.status_code == 200
    assert "Plan an observation" in page_text(form)
    refs = observation_criteria(app, "M02")
    planned = press(
        tom,
        form,
        "Plan the observation",
        {"planned_for": NEXT_WEEK, "focus_md": "A guidance interview.", "criteria": refs},
    )
    assert "Observation planned." in page_text(planned)
    rows = rows_of(tom.get("/assessors/queue"))
    assert key not in {r.split(" ")[0] for r in rows}
    assert any(r.startswith("observation-") and r.endswith("Observation to write up: M02") for r in rows)
    assert len(to_plan(tom)) == TO_PLAN - 1  # Morgan's M02 still needs one: one row per candidate and module

    cancelled = press(tom, planned, "Cancel this observation")
    assert "Observation cancelled." in page_text(cancelled)
    assert key in to_plan(tom)  # a cancelled observation observes nothing


@pytest.mark.parametrize("state", ["recorded", "acknowledged"])
def test_a_recorded_or_acknowledged_observation_of_the_module_needs_no_other_plan(demo, state):
    app = demo
    add_waiting(app, observations=1)  # Jo's M01, planned by Tom
    tom = signed_in(app, TOM)
    key = plan_keys(app, (JO, "M01")).pop()
    assert key not in to_plan(tom)
    with app.app_context():
        db.session.execute(update(Observation).values(status=state))
        db.session.commit()
    assert key not in to_plan(tom)
    assert "Observation to write up" not in page_text(tom.get("/assessors/queue"))


def test_assessor_never_sees_another_assessors_candidates_modules_to_plan(demo):
    app = demo
    tom, helen = signed_in(app, TOM), signed_in(app, HELEN)
    chris = plan_keys(app, *[(CHRIS, c) for c in ("M01", "M02", "M03")])
    assert to_plan(helen) == chris
    assert not to_plan(tom) & chris
    make_user(
        app, "stranger@uni.example", name="Sid Stranger", roles=(Role.ASSESSOR,), password=DEMO_PASSWORD
    )
    stranger = signed_in(app, "stranger@uni.example")
    assert "Nothing is waiting for you." in page_text(stranger.get("/assessors/queue"))
    # Reallocated to Helen: Jo's modules move to Helen's queue.
    jo = plan_keys(app, *[(JO, c) for c in ("M01", "M02", "M03", "M04")])
    jo_id, helen_id = _user_id(app, JO), _user_id(app, HELEN)
    with app.app_context():
        db.session.execute(
            update(AssessorAllocation)
            .where(AssessorAllocation.candidate_id == jo_id)
            .values(assessor_id=helen_id)
        )
        db.session.commit()
    assert to_plan(helen) == chris | jo
    assert not to_plan(tom) & jo


def test_a_module_needs_no_plan_once_its_observation_criteria_are_met(demo):
    app = demo
    tom = signed_in(app, TOM)
    key = plan_keys(app, (JO, "M01")).pop()
    refs = observation_criteria(app, "M01")
    assert len(refs) >= 2
    set_result(app, JO, "M01", refs[0], "met")
    set_result(app, JO, "M01", refs[1], "not yet met")
    assert key in to_plan(tom)  # one observation criterion is still open
    set_result(app, JO, "M01", refs[1], "met by APL")
    for ref in refs[2:]:
        set_result(app, JO, "M01", ref, "met")
    assert key not in to_plan(tom)
    assert plan_keys(app, (MORGAN, "M01")) <= to_plan(tom)  # Morgan's results are Morgan's


def test_a_withdrawn_module_or_one_without_observation_criteria_needs_no_plan(demo):
    app = demo
    tom = signed_in(app, TOM)
    m04 = plan_keys(app, (JO, "M04")).pop()
    with app.app_context():
        db.session.execute(
            update(ModuleEnrolment)
            .where(ModuleEnrolment.id == int(m04.split("-")[1]))
            .values(status="withdrawn")
        )
        # M03 assessed by other methods only (its criteria keep their other methods).
        cohort = db.session.scalars(select(Cohort)).one()
        m03_criteria = (
            select(AssessmentCriterion.id)
            .join(LearningOutcome, LearningOutcome.id == AssessmentCriterion.outcome_id)
            .join(VersionModule, VersionModule.module_id == LearningOutcome.module_id)
            .where(VersionModule.version_id == cohort.version_id, VersionModule.code == "M03")
        )
        db.session.execute(
            delete(CriterionMethod).where(
                CriterionMethod.criterion_id.in_(m03_criteria), CriterionMethod.method == "observation"
            )
        )
        db.session.commit()
    left = to_plan(tom)
    assert m04 not in left
    assert not left & plan_keys(app, (JO, "M03"), (MORGAN, "M03"))
    assert left == plan_keys(app, (JO, "M01"), (JO, "M02"), (MORGAN, "M01"), (MORGAN, "M02"))


# Filters ------------------------------------------------------------------------------------------------


def test_assessor_can_filter_the_modules_to_plan_by_kind_module_and_cohort(demo):
    app = demo
    add_waiting(app, submissions=2, observations=1)  # Jo's M03 submitted twice; her M01 observation planned
    tom = signed_in(app, TOM)
    planning = rows_of(tom.get("/assessors/queue?kind=observation_plan"))
    assert len(planning) == TO_PLAN - 1
    assert all(r.split(" ", 1)[1].startswith("Observation to plan: M0") for r in planning)
    assert keys_of(tom.get("/assessors/queue?kind=observation")) == {
        k for k in keys_of(tom.get("/assessors/queue")) if k.startswith("observation-")
    }
    assert keys_of(tom.get("/assessors/queue?kind=observation_plan&module=M04")) == plan_keys(
        app, (JO, "M04")
    )
    cohort = db_cohort_id(app)
    assert len(rows_of(tom.get(f"/assessors/queue?kind=observation_plan&cohort={cohort}"))) == TO_PLAN - 1
    assert rows_of(tom.get("/assessors/queue?kind=observation_plan&module=M09")) == []
    form = tom.get("/assessors/queue")
    assert '<option value="observation_plan">Observations to plan</option>' in form.get_data(as_text=True)


def db_cohort_id(app) -> int:
    with app.app_context():
        return db.session.scalars(select(Cohort.id)).one()


def test_a_module_to_plan_is_never_overdue_however_long_it_has_waited(demo):
    app = demo
    with app.app_context():
        db.session.execute(
            update(ModuleEnrolment).values(enrolled_at=datetime.now(UTC) - timedelta(days=200))
        )
        db.session.commit()
    add_waiting(app, submissions=1, days_ago=40)
    tom = signed_in(app, TOM)
    overdue = rows_of(tom.get("/assessors/queue?overdue=y"))
    assert [r.split("-")[0] for r in overdue] == ["submission"]
    assert rows_of(tom.get("/assessors/queue?overdue=y&kind=observation_plan")) == []
    queue = page_text(tom.get("/assessors/queue"))
    assert queue.count("Overdue") == 1
    assert "no target" in queue
    home = page_text(tom.get("/"))
    assert f"{1 + TO_PLAN} waiting in your queue" in home
    assert "1 overdue" in home
    assert f"{TO_PLAN} modules need an observation planned" in home


# Pages and statements -------------------------------------------------------------------------------------


def test_assessor_pages_through_modules_to_plan_mixed_with_other_work(demo):
    app = demo
    add_candidates(app, 70, days_ago=3)
    add_waiting(app, submissions=30, days_ago=3)
    tie = datetime.now(UTC) - timedelta(days=5)
    add_candidates(app, 6, code="M02", at=tie)  # same waiting_since: ordered by kind, then id
    add_waiting(app, submissions=4, days_ago=5, same_time=True)
    tom = signed_in(app, TOM)
    total = 70 + 30 + 6 + 4 + TO_PLAN
    for order in ("oldest", "newest"):
        seen, pages, url = [], [], f"/assessors/queue?sort={order}"
        while url:
            page = tom.get(url)
            assert page.status_code == 200
            pages.append(url)
            seen += [r.split(" ")[0] for r in rows_of(page)]
            url = next_link(page)
        assert len(pages) == 3
        assert len(seen) == total
        assert len(set(seen)) == total  # every row exactly once
        assert sum(k.startswith("observation_plan-") for k in seen) == 76 + TO_PLAN
        back = tom.get(next_link(tom.get(pages[-1]), "prev"))
        assert rows_of(back) == rows_of(tom.get(pages[-2]))
    only = []
    url = "/assessors/queue?kind=observation_plan"
    while url:
        page = tom.get(url)
        only += [r.split(" ")[0] for r in rows_of(page)]
        url = next_link(page)
    assert len(only) == len(set(only)) == 76 + TO_PLAN


@pytest.mark.parametrize(
    "url", ["/assessors/queue?kind=observation_plan", "/assessors/queue?sort=newest&module=M01", "/"]
)
def test_the_queue_with_modules_to_plan_runs_a_fixed_number_of_statements(demo, url):
    app = demo
    add_candidates(app, 3, days_ago=2)

    def grow():
        add_candidates(app, 60, days_ago=2)
        add_waiting(app, submissions=5, observations=2)

    assert_fixed_statements(app, signed_in(app, TOM), url, grow)

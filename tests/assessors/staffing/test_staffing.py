"""A course leader removes or replaces an assessor or IQA of a cohort: the assessor's candidates and all their
waiting work (submissions, APL claims, planned observations) go where the leader chooses; the last IQA cannot
leave reviews with nobody; bad choices get a clear message and change nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from assessors.marking.models import Assessment, MarkingStatus
from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.notifications.models import Notification
from qualification.cohorts.models import AssessorAllocation, CohortMember
from tests.support.cohorts import add_staff
from tests.support.demo import demo_ids, load_study_demo
from tests.support.html import page_text, press, signed_in
from tests.support.marking import sample_nothing, submit_m01
from tests.support.people import CHRIS, DEMO_PASSWORD, HELEN, JO, LEADER, MORGAN, SAM, TOM, make_user
from tests.support.quality import OTHER_IQA, judge, load_quality_demo, submit
from tests.support.queue import add_waiting, rows_of

NEW_ASSESSOR = "nadia.new@northmoor.example"


@pytest.fixture
def demo(app):
    load_study_demo(app)
    sample_nothing(app)
    return app


def _world(app) -> dict:
    """Who is allocated to whom (by email) and who holds which staff role, in the demo cohort."""
    cohort_id, people = demo_ids(app)
    email = {v: k for k, v in people.items()}
    with app.app_context():
        allocations = db.session.execute(
            select(AssessorAllocation.candidate_id, AssessorAllocation.assessor_id).where(
                AssessorAllocation.cohort_id == cohort_id
            )
        ).all()
        staff = db.session.execute(
            select(CohortMember.user_id, CohortMember.role).where(
                CohortMember.cohort_id == cohort_id, CohortMember.role != "candidate"
            )
        ).all()
    return {
        "allocated": {email[c]: email[a] for c, a in allocations},
        "staff": sorted((email[u], r) for u, r in staff),
    }


def _removal_page(app, leader, email: str, role: str = "assessor"):
    cohort_id, people = demo_ids(app)
    return leader.get(f"/cohorts/{cohort_id}/staff/{people[email]}/remove?role={role}")


def _audit(app) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cohort_staff_removed"))
        return [json.loads(r.details_json) for r in rows]


def test_course_leader_gives_a_departing_assessors_candidates_and_work_to_another(demo):
    jo = signed_in(demo, JO)
    submit_m01(demo, jo)
    add_waiting(demo, claims=1, observations=1)  # Jo's APL claim and a visit Tom planned
    tom, helen, leader = signed_in(demo, TOM), signed_in(demo, HELEN), signed_in(demo, LEADER)
    waiting = rows_of(tom.get("/assessors/queue"))
    assert any(r.startswith("observation-") for r in waiting)

    cohort_id, people = demo_ids(demo)
    cohort_page = page_text(leader.get(f"/cohorts/{cohort_id}"))
    assert "Tom Okafor, assessor Remove or replace Tom Okafor as assessor" in cohort_page
    page = _removal_page(demo, leader, TOM)
    shown = page_text(page)
    assert "Tom Okafor assesses 2 candidates in" in shown
    assert "Jo Patel, Morgan Lee" in shown
    assert f"with {len(waiting)} pieces of work waiting in their queue" in shown

    done = page_text(press(leader, page, "Remove Tom Okafor", {"take": "assessor", "to": people[HELEN]}))
    assert "Tom Okafor is no longer an assessor of" in done
    assert "Helen Marsh now assesses Jo Patel, Morgan Lee, with their waiting work." in done
    world = _world(demo)
    assert world["allocated"] == {JO: HELEN, MORGAN: HELEN, CHRIS: HELEN}
    assert (TOM, "assessor") not in world["staff"]
    # Every piece of work Tom had is in Helen's queue now (the planned visit included), none in his.
    assert rows_of(tom.get("/assessors/queue")) == []
    hers = rows_of(helen.get("/assessors/queue"))
    assert {r.split(" ", 1)[0] for r in waiting} <= {r.split(" ", 1)[0] for r in hers}
    with demo.app_context():
        note = db.session.scalar(select(Notification).where(Notification.user_id == people[HELEN]))
        assert note.title.startswith("2 candidates of")
    (row,) = _audit(demo)
    assert row["take"] == "assessor"
    assert row["waiting"] == len(waiting)
    assert row["moved"] == {str(people[JO]): people[HELEN], str(people[MORGAN]): people[HELEN]}


def test_course_leader_spreads_a_departing_assessors_candidates_evenly(demo):
    make_user(demo, NEW_ASSESSOR, name="Nadia New", roles=(Role.ASSESSOR,), password=DEMO_PASSWORD)
    cohort_id, _ = demo_ids(demo)
    leader = signed_in(demo, LEADER)
    add_staff(leader, cohort_id, NEW_ASSESSOR)
    done = page_text(press(leader, _removal_page(demo, leader, TOM), "Remove Tom Okafor", {"take": "spread"}))
    assert "Tom Okafor is no longer an assessor" in done
    allocated = _world(demo)["allocated"]
    assert set(allocated) == {JO, MORGAN, CHRIS}
    loads = [list(allocated.values()).count(a) for a in (HELEN, NEW_ASSESSOR)]
    assert sorted(loads) == [1, 2]  # Helen had Chris: Nadia takes one first, then the tie goes by name
    assert TOM not in allocated.values()


def test_course_leader_replaces_an_assessor_with_someone_new(demo):
    make_user(demo, NEW_ASSESSOR, name="Nadia New", roles=(Role.ASSESSOR,), password=DEMO_PASSWORD)
    leader = signed_in(demo, LEADER)
    page = _removal_page(demo, leader, TOM)
    done = page_text(press(leader, page, "Remove Tom Okafor", {"take": "replace", "email": NEW_ASSESSOR}))
    assert "Nadia New now assesses Jo Patel, Morgan Lee" in done
    world = _world(demo)
    assert (NEW_ASSESSOR, "assessor") in world["staff"]
    assert world["allocated"][JO] == world["allocated"][MORGAN] == NEW_ASSESSOR
    assert _audit(demo)[0]["replaced_by"] == "Nadia New"


def test_leaving_the_work_unallocated_puts_it_in_the_cohorts_unallocated_queue(demo):
    jo = signed_in(demo, JO)
    submission = submit_m01(demo, jo)
    leader = signed_in(demo, LEADER)
    cohort_id, _ = demo_ids(demo)
    done = page_text(
        press(leader, _removal_page(demo, leader, TOM), "Remove Tom Okafor", {"take": "unallocated"})
    )
    assert (
        "2 candidates (Jo Patel, Morgan Lee) have no assessor now: their work waits in the cohort's" in done
    )
    assert JO not in _world(demo)["allocated"]
    unallocated = leader.get(f"/assessors/cohorts/{cohort_id}/unallocated").get_data(as_text=True)
    assert f'id="unallocated-submission-{submission}"' in unallocated


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "Choose who takes Tom Okafor's candidates and their work."),
        ({"take": "assessor"}, "Choose another assessor of this cohort."),
        ({"take": "assessor", "to": "{jo}"}, "Choose another assessor of this cohort."),
        ({"take": "assessor", "to": "{tom}"}, "Choose another assessor of this cohort."),
        ({"take": "replace", "email": "nobody@nowhere.example"}, "No account has that email address."),
        ({"take": "replace", "email": TOM}, "That is Tom Okafor: name the person who takes over."),
        ({"take": "replace", "email": SAM}, "Sam Whitfield does not hold the assessor role"),
        ({"take": "replace", "email": JO}, "Nobody can assess their own work"),
        ({"take": "somebody"}, "Choose who takes Tom Okafor's candidates and their work."),
    ],
)
def test_course_leader_cannot_remove_an_assessor_with_a_bad_choice(demo, changes, message):
    _, people = demo_ids(demo)
    leader = signed_in(demo, LEADER)
    before = _world(demo)
    filled = {k: v.format(jo=people[JO], tom=people[TOM]) for k, v in changes.items()}
    response = press(leader, _removal_page(demo, leader, TOM), "Remove Tom Okafor", filled, follow=False)
    assert response.status_code == 422
    assert message in page_text(response)
    assert _world(demo) == before
    assert _audit(demo) == []


def test_the_last_assessor_cannot_spread_work_among_nobody(demo):
    _, people = demo_ids(demo)
    leader = signed_in(demo, LEADER)
    press(
        leader,
        _removal_page(demo, leader, HELEN),
        "Remove Helen Marsh",
        {"take": "assessor", "to": people[TOM]},
    )
    page = _removal_page(demo, leader, TOM)
    assert "Spread them evenly" not in page_text(page)  # not offered ...
    before = _world(demo)
    form = {"take": "spread"}
    response = press(leader, page, "Remove Tom Okafor", form, follow=False)  # ... and refused if sent
    assert response.status_code == 422
    assert "No other assessor is in this cohort to share them: name a replacement instead." in page_text(
        response
    )
    assert _world(demo) == before


def test_an_assessor_with_no_candidates_is_simply_removed(demo):
    make_user(demo, NEW_ASSESSOR, name="Nadia New", roles=(Role.ASSESSOR,), password=DEMO_PASSWORD)
    cohort_id, _ = demo_ids(demo)
    leader = signed_in(demo, LEADER)
    add_staff(leader, cohort_id, NEW_ASSESSOR)
    page = _removal_page(demo, leader, NEW_ASSESSOR)
    assert "Nadia New has no candidates in" in page_text(page)
    done = page_text(press(leader, page, "Remove Nadia New"))
    assert "Nadia New is no longer an assessor of" in done
    assert (NEW_ASSESSOR, "assessor") not in _world(demo)["staff"]


# IQAs ---------------------------------------------------------------------------------------------------


@pytest.fixture
def reviewing(app):
    """The quality demo with one of Chris's decisions (by Helen) waiting for IQA review."""
    load_quality_demo(app)
    assessment_id = judge(app, HELEN, submit(app, CHRIS))
    with app.app_context():
        assert db.session.get(Assessment, assessment_id).status == MarkingStatus.IN_IQA_REVIEW
    return app


def test_the_last_iqa_cannot_leave_reviews_with_nobody_but_can_be_replaced(reviewing):
    app = reviewing
    leader = signed_in(app, LEADER)
    # Helen stops quality-assuring here; Sam, the other IQA, carries on with the waiting review.
    done = page_text(press(leader, _removal_page(app, leader, HELEN, "iqa"), "Remove Helen Marsh"))
    assert "Helen Marsh is no longer an internal quality assurer of" in done
    assert (HELEN, "assessor") in _world(app)["staff"]  # still an assessor

    page = _removal_page(app, leader, SAM, "iqa")
    assert "Sam Whitfield is the cohort's only internal quality assurer: name who takes over." in page_text(
        page
    )
    before = _world(app)
    response = press(leader, page, "Remove Sam Whitfield", follow=False)
    assert response.status_code == 422
    assert (
        "1 decision waits for IQA review and Sam Whitfield is this cohort's only internal quality assurer"
        in page_text(response)
    )
    assert _world(app) == before

    done = page_text(press(leader, page, "Remove Sam Whitfield", {"take": "replace", "email": OTHER_IQA}))
    assert "Sam Whitfield is no longer an internal quality assurer of" in done
    assert "Olu Otheriqa takes over." in done
    staff = _world(app)["staff"]
    assert (OTHER_IQA, "iqa") in staff
    assert (SAM, "iqa") not in staff
    olu = signed_in(app, OTHER_IQA)
    assert "Chris Evans" in page_text(olu.get("/assessors/iqa"))


def test_an_iqa_cannot_be_replaced_by_someone_without_the_role(reviewing):
    app = reviewing
    leader = signed_in(app, LEADER)
    before = _world(app)
    response = press(
        leader,
        _removal_page(app, leader, SAM, "iqa"),
        "Remove Sam Whitfield",
        {"take": "replace", "email": TOM},
        follow=False,
    )
    assert response.status_code == 422
    assert "Tom Okafor does not hold the internal quality assurer role" in page_text(response)
    assert _world(app) == before


def test_removal_pages_exist_only_for_staff_in_that_role(demo):
    cohort_id, people = demo_ids(demo)
    leader = signed_in(demo, LEADER)
    assert leader.get(f"/cohorts/{cohort_id}/staff/{people[JO]}/remove?role=assessor").status_code == 404
    assert leader.get(f"/cohorts/{cohort_id}/staff/{people[TOM]}/remove?role=iqa").status_code == 404
    assert leader.get(f"/cohorts/{cohort_id}/staff/{people[TOM]}/remove?role=candidate").status_code == 404
    assert (
        signed_in(demo, TOM)
        .get(f"/cohorts/{cohort_id}/staff/{people[HELEN]}/remove?role=assessor")
        .status_code
        == 403
    )
    assert _audit(demo) == []


def test_a_tutor_is_simply_removed(demo):
    make_user(
        demo, "tess@northmoor.example", name="Tess Tutor", roles=(Role.CANDIDATE,), password=DEMO_PASSWORD
    )
    cohort_id, _ = demo_ids(demo)
    leader = signed_in(demo, LEADER)
    add_staff(leader, cohort_id, "tess@northmoor.example", "tutor")
    page = _removal_page(demo, leader, "tess@northmoor.example", "tutor")
    assert "Nothing waits with a tutor." in page_text(page)
    done = page_text(press(leader, page, "Remove Tess Tutor"))
    assert "Tess Tutor is no longer a tutor of" in done
    assert ("tess@northmoor.example", "tutor") not in _world(demo)["staff"]
    assert _audit(demo)[0]["role"] == "tutor"

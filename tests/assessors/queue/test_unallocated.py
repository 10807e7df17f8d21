"""No work reaches nobody: a candidate who joins a cohort with no assessor for them (the manual rule, or no
assessor yet) has their submission, APL claims and observations to plan in the cohort's Unallocated queue,
seen by the course leader and the cohort's assessors (no other cohort's); the leader is told once; the
candidate is told the truth; allocating them moves the work into that assessor's queue."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from core.notifications.models import Notification
from modules.catalogue.models import AssessmentCriterion, AssessmentMethod, CriterionMethod, LearningOutcome
from qualification.cohorts.models import Cohort
from qualification.cohorts.services import create_cohort
from qualification.demo import DEMO_COHORT
from qualification.versions.queries import find_version
from tests.support.cohorts import join_cohort, options
from tests.support.html import page_text, press, signed_in
from tests.support.marking import load_marking_demo, submit_m01
from tests.support.people import HELEN, LEADER, TOM, add_assessor, person

ADA = "ada@eastfield.example"  # an assessor of another cohort only
WAITING = "waiting for an assessor to be allocated; your course leader has been told"


@pytest.fixture
def demo(app):
    load_marking_demo(app)
    with app.app_context():
        other = create_cohort(
            person(LEADER), name="Eastfield 2027", version=find_version("CCQ"), award_code="CERT",
            module_code=None, start_date=date(2027, 9, 1),
        )  # fmt: skip
        db.session.commit()
        other_id = other.id
    add_assessor(app, ADA, "Ada Other", other_id)
    return app


def _cohort(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Cohort.id).where(Cohort.name != "Eastfield 2027"))


def _told(app, email: str) -> list[Notification]:
    """The course leader's notifications that work waits with no assessor."""
    with app.app_context():
        who = db.session.scalar(select(User.id).where(User.email == email))
        return list(
            db.session.scalars(
                select(Notification).where(
                    Notification.user_id == who, Notification.kind == "work_unallocated"
                )
            )
        )


def _send_claim(app, client, cohort_id: int, code: str, ref: str, button: str) -> tuple[int, str]:
    """As the candidate: claim one criterion on the claim form; (the claim's id, the page after sending)."""
    page = client.get(f"/portfolio/apl/new/{cohort_id}/{code}")
    changes = {"scope": "criteria", "criteria": [ref], "certificate_title": "Diploma", "awarding_body": "OCR"}
    sent = press(client, page, button, changes, follow=False)
    claim_id = int(sent.headers["Location"].rsplit("/", 1)[1])
    return claim_id, page_text(client.get(sent.headers["Location"]))


def _rows(response, prefix: str) -> set[str]:
    return set(re.findall(rf'<tr id="{prefix}-([a-z_]+-\d+)"', response.get_data(as_text=True)))


def _manual(app, leader, cohort_id: int) -> None:
    page = leader.get(f"/cohorts/{cohort_id}")
    assert "Candidates who join now get an assessor by this rule: Manual" in page_text(
        press(leader, page, "Save the rule", {"rule": "manual"})
    )


def test_unallocated_work_waits_in_the_cohorts_unallocated_queue_until_allocated(demo):
    leader, cohort_id = signed_in(demo, LEADER), _cohort(demo)
    _manual(demo, leader, cohort_id)
    _, nia = join_cohort(demo, leader, cohort_id, "Nia Okafor", "nia@vale.example")

    # The submission page promises no assessor before submitting, and the flash tells the truth after.
    assert "You have no assessor yet" in page_text(nia.get("/portfolio/submissions/new/CCQ/M01"))
    submission = submit_m01(demo, nia, backed=False)
    shown = page_text(nia.get(f"/portfolio/submissions/{submission}"))
    assert f"M01 is submitted (attempt 1) and is {WAITING}." in shown
    assert "Nobody yet: waiting for an assessor to be allocated; your course leader has been told." in shown
    assert "your assessor" not in shown.lower()

    claims = []
    for code, ref in (("M02", "M02.1.1"), ("M03", "M03.1.1")):
        claim_id, shown = _send_claim(demo, nia, cohort_id, code, ref, "Send for assessment")
        assert f"Your claim is {WAITING}." in shown
        assert "Nobody yet: waiting for an assessor to be allocated" in shown
        claims.append(claim_id)

    # Told once, not once per item, with a link to the queue: when Nia joined, since her modules' observations
    # to plan waited with nobody from then (her attempt and claims joined work the leader had been told of).
    (note,) = _told(demo, LEADER)
    assert note.title == f"Work is waiting with no assessor in {DEMO_COHORT}"
    assert note.link == f"http://waymark.test/assessors/cohorts/{cohort_id}/unallocated"
    assert "Nia Okafor joined the cohort" in note.body

    work = {f"submission-{submission}", f"apl-{claims[0]}", f"apl-{claims[1]}"}
    unallocated = f"/assessors/cohorts/{cohort_id}/unallocated"
    page = leader.get(unallocated)
    assert page.status_code == 200
    rows = _rows(page, "unallocated")
    assert work <= rows
    # Nia's modules with an observation criterion wait for one to be planned, too.
    assert {r.split("-")[0] for r in rows - work} == {"observation_plan"}
    assert f"Unallocated work ({len(rows)})" in page_text(leader.get(f"/cohorts/{cohort_id}"))
    assert "Candidates with no assessor (1)" in page_text(page)

    # The cohort's assessors see it (and the way to it from their queue); nobody's queue holds it.
    for email in (TOM, HELEN):
        assessor = signed_in(demo, email)
        assert _rows(assessor.get(unallocated), "unallocated") == rows
        queue = assessor.get("/assessors/queue")
        assert f"Unallocated work in {DEMO_COHORT}" in page_text(queue)
        assert not work & _rows(queue, "queue")
    # Another cohort's assessor does not, and learns nothing of it.
    ada = signed_in(demo, ADA)
    assert ada.get(unallocated).status_code == 404
    assert "Unallocated work" not in page_text(ada.get("/assessors/queue"))
    assert nia.get(unallocated).status_code == 404

    # The leader allocates Nia to Tom on the Unallocated page: the work moves into Tom's queue.
    page = leader.get(unallocated)
    people = options(page.get_data(as_text=True), "candidate") | options(
        page.get_data(as_text=True), "assessor"
    )
    after = press(
        leader, page, "Allocate", {"candidate": people["Nia Okafor"], "assessor": people["Tom Okafor"]}
    )
    assert after.request.path == unallocated
    assert "Allocation saved." in page_text(after)
    assert _rows(after, "unallocated") == set()
    assert "Every candidate has an assessor." in page_text(after)
    assert work <= _rows(signed_in(demo, TOM).get("/assessors/queue"), "queue")
    assert not work & _rows(signed_in(demo, HELEN).get("/assessors/queue"), "queue")
    shown = page_text(nia.get(f"/portfolio/submissions/{submission}"))
    assert "Tom Okafor, your assessor" in shown
    assert "waiting for an assessor" not in shown
    assert "Tom Okafor, your assessor" in page_text(nia.get(f"/portfolio/apl/{claims[0]}"))
    assert len(_told(demo, LEADER)) == 1

    # Once everything is allocated, the next unallocated work tells the leader again.
    _, ola = join_cohort(demo, leader, cohort_id, "Ola Ade", "ola@vale.example")
    _send_claim(demo, ola, cohort_id, "M02", "M02.1.1", "Send for assessment")
    assert len(_told(demo, LEADER)) == 2


def test_candidate_who_joins_later_is_with_their_assessor_by_even_spread(demo):
    leader, cohort_id = signed_in(demo, LEADER), _cohort(demo)
    _, nia = join_cohort(demo, leader, cohort_id, "Nia Okafor", "nia@vale.example")
    assert "to Helen Marsh, your assessor" in page_text(nia.get("/portfolio/submissions/new/CCQ/M01"))
    submission = submit_m01(demo, nia, backed=False)
    shown = page_text(nia.get(f"/portfolio/submissions/{submission}"))
    assert "M01 is submitted (attempt 1) and is with Helen Marsh, your assessor." in shown
    claim_id, shown = _send_claim(demo, nia, cohort_id, "M02", "M02.1.1", "Send to my assessor")
    assert "Your claim is with Helen Marsh, your assessor." in shown

    helen = signed_in(demo, HELEN)
    assert {f"submission-{submission}", f"apl-{claim_id}"} <= _rows(helen.get("/assessors/queue"), "queue")
    assert "Unallocated work" not in page_text(helen.get("/assessors/queue"))
    assert _rows(leader.get(f"/assessors/cohorts/{cohort_id}/unallocated"), "unallocated") == set()
    assert "Unallocated work (0)" in page_text(leader.get(f"/cohorts/{cohort_id}"))
    assert _told(demo, LEADER) == []


def _cohort_with_no_assessor(app) -> int:
    """The course leader sets up "Westfield 2027" and adds no assessor to it; returns its id."""
    with app.app_context():
        bare = create_cohort(
            db.session.scalar(select(User).where(User.email == LEADER)), name="Westfield 2027",
            version=find_version("CCQ"), award_code="CERT", module_code=None, start_date=date(2027, 9, 1),
        )  # fmt: skip
        db.session.commit()
        return bare.id


def test_work_of_a_cohort_with_no_assessor_waits_unallocated(demo):
    """Even spread with nobody to spread to: the candidate's work still reaches the leader."""
    leader = signed_in(demo, LEADER)
    with demo.app_context():
        eastfield = db.session.scalar(select(Cohort.id).where(Cohort.name == "Eastfield 2027"))
    bare_id = _cohort_with_no_assessor(demo)
    assert eastfield != bare_id
    flash, kit = join_cohort(demo, leader, bare_id, "Kit Lowe", "kit@vale.example")
    assert "Kit Lowe is in the cohort. They have no assessor yet" in flash
    _, shown = _send_claim(demo, kit, bare_id, "M02", "M02.1.1", "Send for assessment")
    assert f"Your claim is {WAITING}." in shown
    assert len(_told(demo, LEADER)) == 1
    page = leader.get(f"/assessors/cohorts/{bare_id}/unallocated")
    assert "APL claim: M02" in page_text(page)
    assert "This cohort has no assessors yet." in page_text(page)


def test_a_cohort_without_a_course_leader_does_not_claim_the_leader_was_told(demo):
    """The cohort's leader account is gone (its course leader set to none): the candidate is still told the
    work waits for an assessor, but not that a course leader has been told, since nobody was."""
    leader = signed_in(demo, LEADER)
    bare_id = _cohort_with_no_assessor(demo)
    _, kit = join_cohort(demo, leader, bare_id, "Kit Lowe", "kit@vale.example")
    with demo.app_context():
        db.session.get(Cohort, bare_id).course_leader_id = None
        db.session.commit()

    _, shown = _send_claim(demo, kit, bare_id, "M02", "M02.1.1", "Send for assessment")

    assert "Your claim is waiting for an assessor to be allocated." in shown  # the flash
    assert "Nobody yet: waiting for an assessor to be allocated." in shown  # the claim's "With" row
    assert "course leader has been told" not in shown


def _plans(response) -> set[str]:
    """The observation-to-plan rows of an Unallocated page."""
    return {r for r in _rows(response, "unallocated") if r.startswith("observation_plan-")}


def _notifications_page(client) -> str:
    return page_text(client.get("/notifications/"))


def test_observations_to_plan_with_nobody_tell_the_leader_once_when_the_candidate_joins(demo):
    """Issue 11: a candidate who joins with no assessor has modules waiting for an observation to be planned,
    by nobody; only a submission or a claim used to tell the leader. Told once: not again for an option that
    adds another module to observe, nor for the submission after."""
    leader, cohort_id = signed_in(demo, LEADER), _cohort(demo)
    _manual(demo, leader, cohort_id)
    unallocated = f"/assessors/cohorts/{cohort_id}/unallocated"
    assert _rows(leader.get(unallocated), "unallocated") == set()
    assert _told(demo, LEADER) == []

    _, nia = join_cohort(demo, leader, cohort_id, "Nia Okafor", "nia@vale.example")

    rows = _rows(leader.get(unallocated), "unallocated")
    assert rows
    assert rows == _plans(leader.get(unallocated))  # nothing but observations to plan
    (note,) = _told(demo, LEADER)
    assert note.body.startswith(
        f"Nia Okafor joined the cohort, and {len(rows)} of their modules need an observation planned. "
        "They have no assessor in this cohort"
    )
    assert note.link == f"http://waymark.test{unallocated}"
    assert f"Work is waiting with no assessor in {DEMO_COHORT}" in _notifications_page(leader)

    # Her option adds a module to observe, and she submits M01: the same episode, no second notice.
    page = nia.get(f"/cohorts/{cohort_id}/pathway")
    press(nia, page, "Save my choice", {"modules": ["M04"]})
    assert len(_plans(leader.get(unallocated))) == len(rows) + 1
    submission = submit_m01(demo, nia, backed=False)
    assert f"submission-{submission}" in _rows(leader.get(unallocated), "unallocated")
    assert len(_told(demo, LEADER)) == 1
    assert _notifications_page(leader).count("Work is waiting with no assessor") == 1


def _options_only_observed(app) -> None:
    """A qualification whose compulsory modules (M01 to M03) are not assessed by observation; the options are:
    their criteria's observation methods are taken out."""
    with app.app_context():
        observed = (
            select(CriterionMethod.id)
            .join(AssessmentCriterion, AssessmentCriterion.id == CriterionMethod.criterion_id)
            .join(LearningOutcome, LearningOutcome.id == AssessmentCriterion.outcome_id)
            .where(
                CriterionMethod.method == AssessmentMethod.OBSERVATION,
                AssessmentCriterion.ref.regexp_match("^M0[123]\\."),
            )
        )
        db.session.execute(CriterionMethod.__table__.delete().where(CriterionMethod.id.in_(observed)))
        db.session.commit()


def test_an_option_needing_an_observation_tells_the_leader_when_nothing_else_waits(demo):
    leader, cohort_id = signed_in(demo, LEADER), _cohort(demo)
    _options_only_observed(demo)
    _manual(demo, leader, cohort_id)
    unallocated = f"/assessors/cohorts/{cohort_id}/unallocated"
    _, kit = join_cohort(demo, leader, cohort_id, "Kit Lowe", "kit@vale.example")
    assert _rows(leader.get(unallocated), "unallocated") == set()  # nothing of Kit's to observe yet
    assert _told(demo, LEADER) == []

    page = kit.get(f"/cohorts/{cohort_id}/pathway")
    press(kit, page, "Save my choice", {"modules": ["M05"]})
    assert len(_plans(leader.get(unallocated))) == 1
    (note,) = _told(demo, LEADER)
    assert note.body.startswith("Kit Lowe chose M05. They have no assessor in this cohort")

    # Changing the option (M04 for M05) keeps one module to observe, waiting with nobody: not told twice.
    page = kit.get(f"/cohorts/{cohort_id}/pathway")
    press(kit, page, "Save my choice", {"modules": ["M04"]})
    assert len(_plans(leader.get(unallocated))) == 1
    assert len(_told(demo, LEADER)) == 1

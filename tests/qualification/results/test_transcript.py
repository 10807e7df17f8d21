"""The transcript: released module results, how each was achieved, and whether the award is met."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from qualification.results.models import AchievedBy
from qualification.results.services import record_criterion_results, revoke_results
from tests.support.people import CHRIS, JO, user_id
from tests.support.transcript import achieve, load_demo_world, page, transcript_url


@pytest.fixture
def demo(app):
    return load_demo_world(app)


def test_candidate_can_see_released_modules_with_credits_and_how(demo):
    achieve(demo, JO, "M01", date(2026, 11, 2))
    achieve(demo, JO, "M02", date(2026, 12, 7), how=AchievedBy.APL)
    response = page(demo, JO, "/transcript")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Communicating and Working with Others in CEIAG" in html
    assert "Planning and Organising CEIAG Provision" in html
    assert "Assessed" in html
    assert "Prior learning (APL)" in html
    assert "2 November 2026" in html
    assert "Credits achieved</dt><dd>30 of the 60 the award needs" in html
    assert "Award rules met" not in html
    assert (
        "M03 Pathways, Progression and Careers Information (14-19) is compulsory and not achieved yet."
        in html
    )


def test_candidate_can_see_the_award_rules_met_with_apl_within_the_cap(demo):
    achieve(demo, JO, "M01", date(2026, 11, 2))
    achieve(demo, JO, "M02", date(2026, 12, 7), how=AchievedBy.APL)
    achieve(demo, JO, "M04", date(2027, 1, 11), how=AchievedBy.APL)
    achieve(demo, JO, "M03", date(2027, 3, 1))
    html = page(demo, JO, "/transcript").get_data(as_text=True)
    # Met, but not achieved until the exam board ratifies it.
    assert "Award rules met: waiting for the exam board" in html
    assert "Award achieved" not in html
    assert "Award ratified" not in html
    assert "Professional Certificate in Careers Coordination, met on" in html
    assert "1 March 2027" in html
    assert "30 of its credits are by prior learning (the award allows 30)" in html


def test_candidate_cannot_count_apl_over_the_cap(demo):
    achieve(demo, JO, "M01", date(2026, 11, 2), how=AchievedBy.APL)
    achieve(demo, JO, "M02", date(2026, 12, 7), how=AchievedBy.APL)
    achieve(demo, JO, "M04", date(2027, 1, 11), how=AchievedBy.APL)
    achieve(demo, JO, "M03", date(2027, 3, 1))
    html = page(demo, JO, "/transcript").get_data(as_text=True)
    assert "Award rules met" not in html
    assert "The award allows at most 30 credits by prior learning (APL)" in html


def test_candidate_cannot_see_a_revoked_result(demo):
    achieve(demo, JO, "M01", date(2026, 11, 2), source="assessment:901")
    with demo.app_context():
        leader = db.session.scalar(select(User).where(User.email == "leader@northmoor.example"))
        revoke_results(leader, source="assessment:901")
        db.session.commit()
    html = page(demo, JO, "/transcript").get_data(as_text=True)
    assert "<td>M01</td>" not in html
    assert "No modules achieved yet" in html


def test_candidate_can_see_criteria_met_by_prior_learning(demo):
    achieve(demo, JO, "M01", date(2026, 11, 2))
    jo = user_id(demo, JO)
    with demo.app_context():
        leader = db.session.scalar(select(User).where(User.email == "leader@northmoor.example"))
        for code, ref in (("M01", "M01.1.1"), ("M05", "M05.1.2")):
            record_criterion_results(
                leader,
                candidate_id=jo,
                family="CCQ",
                module_code=code,
                outcomes={ref: "met by APL"},
                source=f"assessment:apl-{code}",
            )
        db.session.commit()
    html = page(demo, JO, "/transcript").get_data(as_text=True)
    assert "Criteria met by prior learning (APL): M01.1.1" in html
    assert "M05: criteria M05.1.2 met by prior learning (APL)" in html


def test_candidate_can_open_the_transcript_from_the_menu(demo):
    html = page(demo, JO, "/").get_data(as_text=True)
    assert 'href="/transcript"' in html


def test_candidate_cannot_see_another_candidates_transcript(demo):
    achieve(demo, JO, "M01", date(2026, 11, 2))
    url = transcript_url(demo, JO)
    response = page(demo, CHRIS, url)
    assert response.status_code == 404
    assert "<td>M01</td>" not in response.get_data(as_text=True)
    # Their own, through the same address, is fine.
    own = transcript_url(demo, CHRIS)
    assert page(demo, CHRIS, own).status_code == 200


@pytest.mark.parametrize(
    "email", ["leader@northmoor.example", "assessor@northmoor.example", "iqa@northmoor.example"]
)
def test_cohort_staff_can_see_a_candidates_transcript(demo, email):
    achieve(demo, JO, "M01", date(2026, 11, 2))
    url = transcript_url(demo, JO)
    response = page(demo, email, url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Jo Patel" in html
    assert "Communicating and Working with Others in CEIAG" in html


def test_staff_view_of_someone_not_a_candidate_is_404(demo):
    url = transcript_url(demo, "assessor@northmoor.example")
    assert page(demo, "leader@northmoor.example", url).status_code == 404

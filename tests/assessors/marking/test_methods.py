"""Assessment methods are shown and enforced (issue 11, finding 1), as the people meet them.

Seen: M01.1.1 allows only a workplace observation or a competence sign-off; the assessor marked it met from a
written account, with neither, and M01 was achieved, released and put on the transcript. Now: every page that
judges or reviews a criterion shows its allowed methods and what backs it; completing with a criterion met
that no allowed method backs is refused with the list, unless the assessor gives an override reason, which
sends the decision to the IQA whatever the plan says and shows to the IQA, the examiner and on the record;
the transcript says by which method each criterion was met.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from assessors.marking.models import Assessment, CriterionJudgement
from core.extensions import db
from qualification.results.models import CriterionResult
from tests.support.backing import back_submission
from tests.support.html import page_text, press, signed_in
from tests.support.marking import (
    M01_REFS,
    assessment_id_of,
    assessment_row,
    judge,
    judgement,
    load_marking_demo,
    release_all,
    start_marking,
    submit_m01,
)
from tests.support.people import EXAMINER, JO, SAM, TOM, person
from tests.support.quality import share_with_examiner

UNBACKED = "No allowed assessment method backs these criteria judged met: M01.1.1."


@pytest.fixture
def demo(app):
    load_marking_demo(app)  # a sampling plan that samples nothing
    return app


def _opened(app, *, backed: bool):
    """Jo maps a written account to every M01 criterion it can show and submits; Tom opens the marking page.
    Only M01.1.1 (observation or competence sign-off) is left for the workplace, signed off when `backed`."""
    jo, tom = signed_in(app, JO), signed_in(app, TOM)
    submission_id = submit_m01(app, jo, "Careers interview write-up", backed=backed)
    assert start_marking(tom, submission_id).status_code == 200
    return jo, tom, submission_id, assessment_id_of(app, submission_id)


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _card(html: str, ref: str) -> str:
    """What the person reads in one criterion's card."""
    return _words(html.split(f'id="criterion-{ref}"')[1].split("</section>")[0])


def test_the_marking_page_shows_each_criterions_methods_and_what_backs_it(demo):
    _, tom, _, assessment_id = _opened(demo, backed=False)
    html = tom.get(f"/assessors/assessments/{assessment_id}").get_data(as_text=True)

    observed_only = _card(html, "M01.1.1")
    assert "Allowed methods: Workplace observation or Competence sign-off" in observed_only
    assert "No allowed method backs this yet" in observed_only
    assert "Reason for judging M01.1.1 met without an allowed method" in observed_only
    portfolio = _card(html, "M01.1.2")
    assert "Allowed methods: Portfolio evidence" in portfolio
    assert "Written account: Careers interview write-up" in portfolio
    assert "No allowed method backs this yet" not in portfolio
    assert "Reason for judging M01.1.2" not in portfolio  # backed: no override to give


def test_completing_with_a_criterion_met_by_no_allowed_method_is_refused_with_the_list(demo):
    app = demo
    _, tom, _, assessment_id = _opened(app, backed=False)
    before = assessment_row(app, assessment_id)

    refused = judge(tom, assessment_id, "Complete marking", judgement())

    assert refused.status_code == 422
    text = page_text(refused)
    assert UNBACKED in text
    assert "M01.1.1 is judged met but nothing backs it by an allowed method" in text
    after = assessment_row(app, assessment_id)
    assert after["status"] == "in_marking"
    assert after["version"] == before["version"]  # the save and the completion were rolled back together


def test_a_sign_off_in_school_backs_the_criterion_and_the_transcript_names_the_method(demo):
    app = demo
    jo, tom, submission_id, assessment_id = _opened(app, backed=False)
    back_submission(app, submission_id)  # Tom signs off M01.1.1 after a professional discussion

    page = tom.get(f"/assessors/assessments/{assessment_id}").get_data(as_text=True)
    assert "Competence sign-off: Professional discussion in school" in _card(page, "M01.1.1")
    done = judge(tom, assessment_id, "Complete marking", judgement(), follow=True)
    assert "ready for release" in page_text(done)
    release_all(tom)

    with app.app_context():
        met_by = dict(db.session.execute(select(CriterionResult.criterion_ref, CriterionResult.met_by)).all())
    assert met_by["M01.1.1"] == "Competence sign-off"
    assert met_by["M01.1.3"] == "Reflective account"
    transcript = page_text(jo.get("/transcript"))
    assert "How each criterion was met" in transcript
    assert "M01.1.1: Competence sign-off" in transcript
    assert "M01.1.2: Portfolio evidence" in transcript


def test_an_override_with_a_reason_completes_and_always_goes_to_the_iqa_who_reads_the_reason(demo):
    app = demo
    jo, tom, _, assessment_id = _opened(app, backed=False)
    changes = judgement() | {"override-M01.1.1": "Observed informally at the careers fair; record to follow."}

    done = judge(tom, assessment_id, "Complete marking", changes, follow=True)

    assert "sampled for IQA review" in page_text(done)
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        assert assessment.status == "in_iqa_review"  # the plan samples nothing: the override did it
        assert "overridden for M01.1.1" in assessment.sample_reasons
        judged = db.session.scalar(
            select(CriterionJudgement).where(
                CriterionJudgement.assessment_id == assessment_id,
                CriterionJudgement.criterion_ref == "M01.1.1",
            )
        )
        assert judged.met_by.startswith("Assessor's override: Observed informally")
    iqa = signed_in(app, SAM)
    iqa_page = iqa.get(f"/assessors/assessments/{assessment_id}").get_data(as_text=True)
    card = _words(iqa_page.split('id="criteria-title"')[1])
    assert "Method overridden" in card
    assert "Assessor's reason: Observed informally at the careers fair; record to follow." in card
    assert "Allowed methods: Workplace observation or Competence sign-off" in card

    # Agreed and released, the examiner reads the reason too, and the transcript says it was an override.
    review = iqa.get(f"/assessors/assessments/{assessment_id}/review")
    assert "Assessor's reason: Observed informally at the careers fair; record to follow." in page_text(
        review
    )
    press(iqa, review, "Agree with the decision", {}, follow=True)
    release_all(tom)
    assert assessment_row(app, assessment_id)["status"] == "released"
    access_id = share_with_examiner(app, [JO])
    with app.app_context():
        jo_id = person(JO).id
    examiner = page_text(signed_in(app, EXAMINER).get(f"/assessors/examiner/{access_id}/candidates/{jo_id}"))
    assert "Assessor's reason: Observed informally at the careers fair; record to follow." in examiner
    assert "M01.1.1: Assessor's override: Observed informally" in page_text(jo.get("/transcript"))


def test_every_criterion_keeps_its_judgement_when_completion_is_refused(demo):
    app = demo
    _, tom, _, assessment_id = _opened(app, backed=False)
    refused = judge(tom, assessment_id, "Complete marking", judgement(feedback="Kept feedback."))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Kept feedback." in html
    assert all(f'name="outcome-{ref}"' in html for ref in M01_REFS)

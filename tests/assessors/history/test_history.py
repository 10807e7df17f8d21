"""History pages (issue 11, finding 7): the audit trail of a decision, a submission and a candidate in words.

Seen: the audit page showed raw objects ("Assessment 1", "User 7"), no entry hash, a filter that needed
internal keys ("decision_released"), and was for administrators only. Now each submission, decision and
candidate has a history page with people's names and roles, the time, the entry hash and the evidence hash
it covers, filters in words, readable by the IQAs of the cohort, the course leader and, for released work in
their sample, the external examiner.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assessors.marking.models import Assessment
from core.audit.models import AuditEvent
from core.extensions import db
from tests.support.html import page_text, press, signed_in
from tests.support.people import CHRIS, EXAMINER, JO, LEADER, SAM, TOM, person
from tests.support.quality import OTHER_IQA, judge, load_quality_demo, release, share_with_examiner, submit


@pytest.fixture
def decided(app):
    """Jo's M01, judged achieved by Tom (sampled: the first decisions are), agreed by Sam and released."""
    load_quality_demo(app)
    submission_id = submit(app, JO)
    assessment_id = judge(app, TOM, submission_id)
    iqa = signed_in(app, SAM)
    review = iqa.get(f"/assessors/assessments/{assessment_id}/review")
    press(iqa, review, "Agree with the decision", {}, follow=True)
    release(app, TOM, assessment_id)
    with app.app_context():
        jo_id = person(JO).id
    return app, submission_id, assessment_id, jo_id


def _entries(response) -> str:
    """What the history table says (the filters' options name every action, so they are left out)."""
    html = response.get_data(as_text=True)
    return page_text(response) if "<table" not in html else " ".join(html.split("<table", 1)[1].split())


def _rows(app, object_type: str, object_id: int) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
                .order_by(AuditEvent.seq)
            )
        )


def test_the_iqa_reads_a_decisions_history_in_words_with_hashes(decided):
    app, _, assessment_id, _ = decided
    page = signed_in(app, SAM).get(f"/assessors/assessments/{assessment_id}/history")

    assert page.status_code == 200
    text = page_text(page)
    assert "History of the M01 decision" in text
    for words in (
        "Marking started",
        "Marking completed",
        "Decision routed",
        "IQA reviewed",
        "Decision released",
    ):
        assert words in text
    assert "Tom Okafor" in text
    assert "Decision on M01 attempt 1" in text
    assert "Assessment 1" not in text
    assert "marking_completed" not in text
    rows = _rows(app, "Assessment", assessment_id)
    html = page.get_data(as_text=True)
    assert all(row.row_hash[:12] in html for row in rows)
    with app.app_context():
        evidence = db.session.get(Assessment, assessment_id).evidence_hash
    assert evidence[:12] in html  # the evidence the decision covers


def test_the_filters_are_in_words_and_narrow_the_history(decided):
    app, submission_id, _, _ = decided
    sam = signed_in(app, SAM)
    page = sam.get(f"/assessors/submissions/{submission_id}/history")
    html = page.get_data(as_text=True)
    assert '<option value="marking_completed">Marking completed</option>' in html
    with app.app_context():
        tom_id = person(TOM).id

    only_tom = _entries(sam.get(f"/assessors/submissions/{submission_id}/history?person={tom_id}"))
    assert "Marking completed" in only_tom
    assert "IQA reviewed" not in only_tom
    completed = _entries(sam.get(f"/assessors/submissions/{submission_id}/history?action=marking_completed"))
    assert "Marking completed" in completed
    assert "Marking started" not in completed
    elsewhere = page_text(sam.get(f"/assessors/submissions/{submission_id}/history?module=M02"))
    assert "Nothing recorded for this choice." in elsewhere


def test_the_course_leader_reads_a_candidates_whole_history(decided):
    app, _, _, jo_id = decided
    text = page_text(signed_in(app, LEADER).get(f"/assessors/candidates/{jo_id}/history"))

    assert "History of Jo Patel's work" in text
    assert "Submission: M01 attempt 1" in text
    assert "Evidence: Careers plan for M01" in text


@pytest.mark.parametrize("who", [JO, CHRIS, OTHER_IQA])
def test_people_without_a_role_over_the_candidate_get_not_found(decided, who):
    app, submission_id, assessment_id, jo_id = decided
    reader = signed_in(app, who)
    for url in (
        f"/assessors/assessments/{assessment_id}/history",
        f"/assessors/submissions/{submission_id}/history",
        f"/assessors/candidates/{jo_id}/history",
    ):
        assert reader.get(url).status_code == 404, url


def test_the_examiner_reads_the_history_of_released_work_in_their_sample_only(decided):
    app, submission_id, assessment_id, jo_id = decided
    examiner = signed_in(app, EXAMINER)
    assert examiner.get(f"/assessors/candidates/{jo_id}/history").status_code == 404  # no grant yet
    share_with_examiner(app, [JO])

    text = page_text(examiner.get(f"/assessors/candidates/{jo_id}/history"))
    assert "Decision released" in text
    assert "Evidence:" not in text  # only released decisions and what they judged
    assert examiner.get(f"/assessors/assessments/{assessment_id}/history").status_code == 200
    assert examiner.get(f"/assessors/submissions/{submission_id}/history").status_code == 200


def test_the_decision_page_links_its_history_for_the_iqa(decided):
    app, _, assessment_id, _ = decided
    html = signed_in(app, SAM).get(f"/assessors/assessments/{assessment_id}").get_data(as_text=True)
    assert f'href="/assessors/assessments/{assessment_id}/history"' in html

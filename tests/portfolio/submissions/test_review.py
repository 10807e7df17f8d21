"""Submitting is a deliberate step (issue 11, section 3): the review names each criterion's methods and
backing, the empty criteria, the evidence that shows no allowed method and the items not confirmed
anonymised; submitting with gaps needs a confirmation that names how many criteria are empty."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from portfolio.evidence.models import CriterionMapping
from portfolio.submissions.models import Submission
from tests.support.backing import account_refs, attest_the_rest
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.evidence import audit_rows
from tests.support.html import page_text, press, signed_in, textarea_text
from tests.support.people import JO, person
from tests.support.submissions import add_item, allocated_assessor, gaps_box, press_submit

REVIEW = "/portfolio/submissions/new/CCQ/M01"
SUBMIT_M01 = "Submit M01 for assessment"


demo = demo_fixture(load_study_demo)


def _submissions(app) -> list[Submission]:
    with app.app_context():
        return list(db.session.scalars(select(Submission)))


def _two_items(app) -> None:
    """An account for M01.1.2 (portfolio evidence) and one for M01.1.1, which only a workplace observation
    or a competence sign-off can show: 7 of the 9 criteria are empty, 1 has evidence of no allowed method."""
    add_item(app, JO, "Referral write-up", maps=[("M01", "M01.1.2", "Page 2")])
    add_item(app, JO, "My needs conversation", maps=[("M01", "M01.1.1", "")])


def test_review_lists_each_criterion_with_its_methods_backing_and_gaps(demo):
    _two_items(demo)
    add_item(demo, JO, "Parents' evening leaflet", anonymised=False, maps=[("M01", "M01.2.1", "")])
    jo = signed_in(demo, JO)
    text = page_text(jo.get(REVIEW))

    assert "Review and submit M01" in text
    assert "6 of 9 criteria are empty" in text
    assert "1 criterion has evidence that shows no allowed method" in text
    assert "1 item is not yet confirmed anonymised" in text
    empty = text.split("Criteria still empty", 1)[1].split("Evidence that shows no allowed method", 1)[0]
    for ref in ("M01.1.3", "M01.2.2", "M01.3.1", "M01.3.2", "M01.4.1", "M01.4.2"):
        assert ref in empty
    for ref in ("M01.1.1", "M01.1.2", "M01.2.1"):
        assert ref not in empty
    assert (
        "M01.1.3 Reflects on impartiality and on reluctant learners Can be shown by: reflective account"
        in (empty)
    )
    assert (
        "M01.1.1 Holds an observed needs conversation: can be shown by workplace observation or competence "
        "sign-off; you mapped Written account: My needs conversation." in text
    )
    unconfirmed = text.split("Not yet confirmed anonymised", 1)[1]
    assert "Parents' evening leaflet" in unconfirmed.split("Criterion", 1)[0]
    # The table: per criterion its methods, what would be frozen and what backs it.
    assert (
        "M01.1.2 Refers learners to the PA with a rationale Portfolio evidence Referral write-up (version 1) "
        "Page 2 Backed Written account: Referral write-up" in text
    )
    assert (
        "M01.1.3 Reflects on impartiality and on reluctant learners Reflective account "
        "No evidence mapped Empty" in text
    )
    # Not submittable while an item is unconfirmed: the rule stands, and says which item.
    assert "Confirm that pupils cannot be identified in: Parents' evening leaflet." in text
    assert SUBMIT_M01 not in text


def test_review_counts_what_the_assessor_attested_as_backing(demo):
    add_item(demo, JO, "Referral write-up", maps=[("M01", "M01.1.2", "")])
    with demo.test_request_context():
        attest_the_rest(allocated_assessor(demo), JO, "M01", only={"M01.1.1"})
        db.session.commit()
    jo = signed_in(demo, JO)
    text = page_text(jo.get(REVIEW))
    assert "7 of 9 criteria are empty" in text
    row = text.split("M01.1.1 Holds an observed needs conversation", 1)[1].split("M01.1.2", 1)[0]
    assert "No evidence mapped Backed Competence sign-off: Professional discussion in school" in row


def test_submitting_with_gaps_without_the_confirmation_is_refused(demo):
    _two_items(demo)
    jo = signed_in(demo, JO)
    page = jo.get(REVIEW)
    label = (
        "I am submitting with 7 of 9 criteria empty and 1 criterion whose evidence shows no allowed method"
    )
    assert label in page_text(page)
    assert gaps_box(page) == "7:1"

    refused = press(jo, page, SUBMIT_M01, {"statement": "Please judge what I have."}, follow=False)
    assert refused.status_code == 422
    assert f"Tick “{label}” to submit with these gaps, or map evidence to the criteria first." in page_text(
        refused
    )
    assert textarea_text(refused, "statement") == "Please judge what I have."
    assert _submissions(demo) == []
    assert audit_rows(demo, "module_submitted") == []


def test_submitting_with_the_confirmation_submits_and_records_the_gaps(demo):
    _two_items(demo)
    jo = signed_in(demo, JO)
    done = press_submit(jo, jo.get(REVIEW), "M01", {"statement": "The rest comes with the observation."})
    assert "M01 is submitted (attempt 1)" in page_text(done)
    [submission] = _submissions(demo)
    assert submission.statement_md == "The rest comes with the observation."
    [event] = audit_rows(demo, "module_submitted")
    assert event["criteria_empty"] == [
        "M01.1.3",
        "M01.2.1",
        "M01.2.2",
        "M01.3.1",
        "M01.3.2",
        "M01.4.1",
        "M01.4.2",
    ]
    assert event["criteria_not_shown"] == ["M01.1.1"]


def test_a_confirmation_of_other_gaps_does_not_count(demo):
    _two_items(demo)
    jo = signed_in(demo, JO)
    page = jo.get(REVIEW)  # 7 empty
    with demo.app_context():  # in another tab, the referral is taken off M01.1.2
        db.session.delete(
            db.session.scalar(select(CriterionMapping).where(CriterionMapping.criterion_ref == "M01.1.2"))
        )
        db.session.commit()
    refused = press_submit(jo, page, "M01", follow=False)  # ticks the box as it was: "7 of 9"
    assert refused.status_code == 422
    text = page_text(refused)
    assert "What is empty has changed since you opened this page." in text
    assert "I am submitting with 8 of 9 criteria empty" in text
    assert _submissions(demo) == []


def test_a_module_with_every_criterion_backed_needs_no_confirmation(demo):
    with demo.app_context():
        refs = account_refs(person(JO).id, "CCQ", "M01")
    add_item(demo, JO, "Everything I did", maps=[("M01", ref, "") for ref in refs])
    with demo.test_request_context():
        attest_the_rest(allocated_assessor(demo), JO, "M01")
        db.session.commit()
    jo = signed_in(demo, JO)
    page = jo.get(REVIEW)
    assert "No criterion is empty." in page_text(page)
    assert gaps_box(page) is None
    response = press(jo, page, SUBMIT_M01, follow=False)
    assert response.status_code == 302
    assert len(_submissions(demo)) == 1

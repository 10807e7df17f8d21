"""Submitting a module: the snapshot, its hash and its immutability; the rules that refuse; who sees it.

Evidence rows are built directly (the items and mapping services are another change); everything else is
done as the person would, through the pages and their forms.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from core.accounts.models import Role, User
from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.db.timeutil import utcnow
from core.extensions import db
from core.notifications.models import Notification
from portfolio.evidence.models import EvidenceItem
from portfolio.submissions.models import Submission
from portfolio.submissions.services import may_submit_again, snapshot_hash
from qualification.cohorts.models import Cohort, CohortMember, MemberRole
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.html import csrf_from, page_text, press, signed_in
from tests.support.people import CHRIS, DEMO_PASSWORD, JO, make_user
from tests.support.submissions import add_item, allocated_assessor, edit_item, submit

SUBMIT_M01 = "Submit M01 for assessment"


demo = demo_fixture(load_study_demo)


# Factories -------------------------------------------------------------------------------------------


def cohort_assessor(app, email: str) -> str:
    """Another assessor of the demo cohort, allocated to nobody."""
    person = make_user(app, email, name="Ash Assessor", roles=(Role.ASSESSOR,), password=DEMO_PASSWORD)
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=person.id, role=MemberRole.ASSESSOR))
        db.session.commit()
    return email


def submission_url(response) -> str:
    location = response.headers["Location"]
    assert re.fullmatch(r"/portfolio/submissions/\d+", location), location
    return location


# The snapshot ----------------------------------------------------------------------------------------


def test_candidate_can_submit_a_module_as_a_frozen_snapshot(demo):
    plan = add_item(
        demo, JO, "Careers plan 2026", maps=[("M01", "M01.1.1", "The plan"), ("M01", "M01.2.1", "")]
    )
    survey = add_item(demo, JO, "Pupil survey", "Survey **results**", maps=[("M01", "M01.1.1", "Survey")])
    add_item(demo, JO, "Something for M02", maps=[("M02", "M02.1.1", "")])
    jo = signed_in(demo, JO)

    review = jo.get("/portfolio/submissions/new/CCQ/M01")
    assert "Careers plan 2026 (version 1)" in page_text(review)
    assert "Something for M02" not in page_text(review)
    response = submit(jo, statement="My evidence for M01.", follow=False)
    url = submission_url(response)
    page = jo.get(url)
    text = page_text(page)
    assert "M01, attempt 1" in text
    assert "Awaiting assessment" in text
    assert "<strong>results</strong>" in page.get_data(as_text=True)

    assessor = allocated_assessor(demo)
    with demo.app_context():
        submission = db.session.scalars(select(Submission)).one()
        pairs = sorted((e.criterion_ref, e.version.item_id) for e in submission.entries)
        assert pairs == [("M01.1.1", plan), ("M01.1.1", survey), ("M01.2.1", plan)]
        assert all(e.content_hash == e.version.content_hash for e in submission.entries)
        expected = snapshot_hash((e.criterion_ref, e.content_hash) for e in submission.entries)
        assert submission.snapshot_hash == expected
        assert submission.snapshot_hash in text
        assert (submission.attempt, submission.status, submission.statement_md) == (
            1,
            "submitted",
            "My evidence for M01.",
        )
        assert submission.cohort_id is not None
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "module_submitted")).one()
        assert details_of(event)["attempt"] == 1
        assert details_of(event)["snapshot_hash"] == submission.snapshot_hash
        note = db.session.scalars(
            select(Notification).where(Notification.kind == "submission_received")
        ).one()
        assert db.session.get(User, note.user_id).email == assessor
        assert note.link.endswith(url)


def test_editing_after_submit_does_not_change_the_snapshot(demo):
    item = add_item(demo, JO, "Reflective account", "What I did **first**.")
    jo = signed_in(demo, JO)
    url = submission_url(submit(jo, follow=False))
    jo.get(url)  # the page that shows the "submitted" message once
    before = page_text(jo.get(url))
    with demo.app_context():
        submitted = db.session.scalars(select(Submission)).one()
        old_hash = submitted.snapshot_hash
        old_entry_hash = submitted.entries[0].content_hash

    new_hash = edit_item(demo, item, "A rewritten account, *after* submitting.")

    after = jo.get(url)
    assert page_text(after) == before
    assert "What I did first" in page_text(after)
    assert "after submitting" not in page_text(after)
    assert old_entry_hash in page_text(after)
    assert new_hash not in page_text(after)
    with demo.app_context():
        submitted = db.session.scalars(select(Submission)).one()
        assert submitted.snapshot_hash == old_hash
        assert submitted.entries[0].content_hash == old_entry_hash
        assert db.session.get(EvidenceItem, item).current.content_hash == new_hash
    # The next review shows the working copy: the new version is what a later attempt would freeze.
    assert "(version 2)" in page_text(jo.get("/portfolio/submissions/new/CCQ/M01"))


# Refusals ----------------------------------------------------------------------------------------------


def test_candidate_cannot_submit_evidence_without_confirmed_anonymisation(demo):
    add_item(demo, JO, "Case study: Year 11 pupil", anonymised=False)
    add_item(demo, JO, "Pupil interviews", anonymised=False, maps=[("M01", "M01.2.1", "")])
    add_item(demo, JO, "Careers fair report")
    jo = signed_in(demo, JO)
    review = jo.get("/portfolio/submissions/new/CCQ/M01")
    text = page_text(review)
    assert "Not ready to submit" in text
    assert "Confirm that pupils cannot be identified in: Case study: Year 11 pupil; Pupil interviews." in text
    assert SUBMIT_M01 not in text

    # A form opened before the items lost their confirmation is refused on the server too.
    with demo.app_context():
        for item in db.session.scalars(select(EvidenceItem)):
            item.anonymised_at = utcnow()
        db.session.commit()
    page = jo.get("/portfolio/submissions/new/CCQ/M01")
    with demo.app_context():
        for item in db.session.scalars(select(EvidenceItem)):
            if item.current.title != "Careers fair report":
                item.anonymised_at = None
        db.session.commit()
    response = press(jo, page, SUBMIT_M01, follow=False)
    assert response.status_code == 422
    assert "Case study: Year 11 pupil; Pupil interviews" in page_text(response)
    with demo.app_context():
        assert db.session.scalars(select(Submission)).all() == []


def test_candidate_cannot_submit_a_module_with_nothing_mapped(demo):
    add_item(demo, JO, "Only for M02", maps=[("M02", "M02.1.1", "")])
    # A mapping to a criterion this module revision does not have is not evidence for it.
    add_item(demo, JO, "Stale ref", maps=[("M01", "M01.9.9", "")])
    jo = signed_in(demo, JO)
    text = page_text(jo.get("/portfolio/submissions/new/CCQ/M01"))
    assert "Map at least one piece of evidence to this module's criteria before submitting." in text
    assert SUBMIT_M01 not in text


def test_candidate_cannot_submit_again_while_an_attempt_awaits_assessment(demo):
    add_item(demo, JO, "Careers plan")
    jo = signed_in(demo, JO)
    stale_tab = jo.get("/portfolio/submissions/new/CCQ/M01")
    submission_url(submit(jo, follow=False))

    listing = page_text(jo.get("/portfolio/submissions"))
    assert "Attempt 1" in listing
    assert "Review and submit M01" not in listing
    assert "Review and submit M02" in listing
    assert "still awaiting assessment" in page_text(jo.get("/portfolio/submissions/new/CCQ/M01"))

    response = press(jo, stale_tab, SUBMIT_M01, follow=False)
    assert response.status_code == 409
    assert "Attempt 1 of this module is still awaiting assessment" in page_text(response)
    with demo.app_context():
        assert len(db.session.scalars(select(Submission)).all()) == 1


def test_candidate_cannot_submit_a_module_they_do_not_study(demo):
    add_item(demo, JO, "Option evidence", maps=[("M05", "M05.1.1", "")])
    jo = signed_in(demo, JO)
    assert jo.get("/portfolio/submissions/new/CCQ/M05").status_code == 404


def test_candidate_can_withdraw_and_then_submit_a_second_attempt(demo):
    add_item(demo, JO, "Careers plan")
    jo = signed_in(demo, JO)
    url = submission_url(submit(jo, follow=False))
    page = jo.get(url)
    response = press(jo, page, "Withdraw this submission")
    assert "Attempt 1 of M01 is withdrawn." in page_text(response)
    assert "Withdrawn" in page_text(jo.get(url))
    assert "Withdraw this submission" not in page_text(jo.get(url))

    second = submission_url(submit(jo, follow=False))
    assert "M01, attempt 2" in page_text(jo.get(second))
    with demo.app_context():
        rows = db.session.scalars(select(Submission).order_by(Submission.attempt)).all()
        assert [(s.attempt, s.status) for s in rows] == [(1, "withdrawn"), (2, "submitted")]
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "submission_withdrawn")
        ).one()
        assert details_of(event)["attempt"] == 1


def test_candidate_cannot_withdraw_another_candidates_submission(demo):
    add_item(demo, JO, "Careers plan")
    url = submission_url(submit(signed_in(demo, JO), follow=False))
    chris = signed_in(demo, CHRIS)
    token = csrf_from(chris.get("/portfolio/submissions").get_data(as_text=True))
    assert chris.post(f"{url}/withdraw", data={"csrf_token": token}).status_code == 404
    with demo.app_context():
        assert db.session.scalars(select(Submission.status)).one() == "submitted"


# Who sees a submission ---------------------------------------------------------------------------------


def test_allocated_assessor_can_view_the_submission_and_others_cannot(demo):
    add_item(demo, JO, "Careers plan", "The plan in full.")
    url = submission_url(submit(signed_in(demo, JO), follow=False))
    mine = allocated_assessor(demo)
    other = cohort_assessor(demo, "assessor3@northmoor.example")

    page = signed_in(demo, mine).get(url)
    assert page.status_code == 200
    assert "Jo Patel" in page_text(page)
    assert "The plan in full." in page_text(page)
    assert "Withdraw this submission" not in page_text(page)
    assert signed_in(demo, other).get(url).status_code == 404
    assert signed_in(demo, CHRIS).get(url).status_code == 404
    # The cohort's internal quality assurers see it; an IQA of no cohort (or of another) does not.
    assert signed_in(demo, "iqa@northmoor.example").get(url).status_code == 200
    make_user(demo, "other.iqa@uni.example", name="Olu Otheriqa", roles=(Role.IQA,), password=DEMO_PASSWORD)
    assert signed_in(demo, "other.iqa@uni.example").get(url).status_code == 404
    assert signed_in(demo, mine).get("/portfolio/submissions/999999").status_code == 404


# Rules as tables -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "allowed"), [(None, True), ("submitted", False), ("withdrawn", True)], ids=str
)
def test_may_submit_again(status, allowed):
    previous = None if status is None else Submission(status=status, attempt=1)
    assert may_submit_again(previous) is allowed


def test_snapshot_hash_is_over_sorted_lines_and_ignores_order():
    pairs = [("M01.2.1", "b" * 64), ("M01.1.1", "a" * 64)]
    expected = hashlib.sha256(f"M01.1.1:{'a' * 64}\nM01.2.1:{'b' * 64}".encode()).hexdigest()
    assert snapshot_hash(pairs) == snapshot_hash(reversed(pairs)) == expected

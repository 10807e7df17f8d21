"""Holding the exam board as the course leader does: who is ready, one form ratifying or deferring each,
the certificates, audit rows and notices it leaves, and what the candidates then read."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from core.accounts.models import User
from core.db.timeutil import uk_today
from core.extensions import db
from qualification.boards.models import BoardDecision, BoardOutcome, ExamBoard
from qualification.certificates.models import CertificateKind, CertificateStatus
from qualification.results.services import revoke_results
from tests.support.boards import (
    RECORD,
    audit_actions,
    board_url,
    certificates,
    counts,
    hold,
    notes_of,
    page_text,
)
from tests.support.certificates import meet_award
from tests.support.html import csrf_from, press, signed_in
from tests.support.people import CHRIS, JO, LEADER, MORGAN, TOM
from tests.support.transcript import achieve

REASON = "Awaiting the external examiner's report on M03."
NOTHING = {"exam_boards": 0, "board_decisions": 0, "certificates": 0}


def _both_ready(app):
    """Jo and Chris both meet the award; the course leader signed in, to hold the board."""
    meet_award(app, JO)
    meet_award(app, CHRIS)
    return signed_in(app, LEADER)


def _today_words() -> str:
    return uk_today().strftime("%-d %B %Y")


def test_course_leader_can_hold_a_board_ratifying_jo_and_deferring_chris(demo):
    app, jo, chris = demo.app, demo.ids[JO], demo.ids[CHRIS]
    leader = _both_ready(app)
    cohort_page = leader.get(f"/cohorts/{demo.cohort_id}").get_data(as_text=True)
    assert f'href="{board_url(demo.cohort_id)}">Exam board</a>' in cohort_page

    page = leader.get(demo.url)
    text = page_text(page)
    assert page.status_code == 200
    assert "Ready for this board (2)" in text
    assert "The board's decision on Jo Patel" in text
    assert "The board's decision on Chris Evans" in text
    assert "Met: M01, M02, M03 and M04 give exactly 60 credits." in text
    assert "60 of the 60 the award needs" in text
    assert f"/cohorts/{demo.cohort_id}/candidates/{jo}/transcript" in page.get_data(as_text=True)
    # Morgan has nothing released: not at this board, counted.
    assert "1 candidate has not met the award yet" in text
    assert "Morgan Lee" in text

    done = hold(
        leader,
        demo.cohort_id,
        {f"outcome-{chris}": "deferred", f"reason-{chris}": REASON, "notes": "Quorate. External present."},
        page=page,
    )
    text = page_text(done)
    assert (
        "The exam board of " + _today_words() + " is recorded: 1 ratified with a certificate, 1 deferred"
        in text
    )
    assert "Past exam boards" in text
    assert "Held by Dr Priya Raman" in text
    assert "Quorate. External present." in text
    [certificate] = certificates(app)
    assert certificate.number in text
    assert f"Deferred {REASON}" in text

    assert counts(app) == {"exam_boards": 1, "board_decisions": 2, "certificates": 1}
    assert (certificate.candidate_id, certificate.code, certificate.kind) == (
        jo,
        "CERT",
        CertificateKind.AWARD,
    )
    assert certificate.title == "Professional Certificate in Careers Coordination"
    assert (certificate.level, certificate.credits, certificate.issued_on) == (6, 60, uk_today())
    assert certificate.status == CertificateStatus.VALID
    assert [m["code"] for m in certificate.snapshot["modules"]] == ["M01", "M02", "M04", "M03"]
    assert certificate.snapshot["modules"][0] == {
        "code": "M01",
        "title": "Communicating and Working with Others in CEIAG",
        "level": 6,
        "credits": 15,
        "how": "Assessed",
        "achieved_on": "2026-11-02",
        "apl_criteria": [],
    }
    assert certificate.snapshot["apl_credits"] == 0
    assert certificate.snapshot["included_awards"] == []
    with app.app_context():
        decisions = {d.candidate_id: d for d in db.session.scalars(select(BoardDecision))}
        assert decisions[chris].outcome == BoardOutcome.DEFERRED
        assert decisions[chris].reason == REASON
        assert decisions[jo].outcome == BoardOutcome.RATIFIED
        assert decisions[jo].reason == ""
    actions = audit_actions(app)
    for action in ("exam_board_held", "board_ratified", "board_deferred", "certificate.issued"):
        assert actions.count(action) == 1, action

    [told_jo] = notes_of(app, jo, "award_ratified")
    assert told_jo.title == f"Your award has been ratified: certificate {certificate.number}"
    assert told_jo.about.startswith("Certificate 2026-27, Northmoor, studying Professional Certificate")
    [told_chris] = notes_of(app, chris, "award_deferred")
    assert told_chris.title == f"Your award was deferred by the exam board: {REASON}"
    assert told_chris.about == told_jo.about
    assert notes_of(app, demo.ids[MORGAN], "award_ratified") == []

    jo_reads = page_text(signed_in(app, JO).get("/transcript"))
    assert "Award ratified" in jo_reads
    assert certificate.number in jo_reads
    assert "waiting for the exam board" not in jo_reads
    chris_reads = page_text(signed_in(app, CHRIS).get("/transcript"))
    assert f"Deferred by the exam board on {_today_words()}: {REASON}" in chris_reads
    assert "Award ratified" not in chris_reads

    # The next board: Chris comes again with the earlier reason; Jo holds her certificate.
    again = page_text(leader.get(demo.url))
    assert "Ready for this board (1)" in again
    assert f"By the board of {_today_words()}: {REASON}" in again
    assert "1 candidate holds a certificate from an earlier board" in again
    assert "The board's decision on Jo Patel" not in again


def test_candidate_reads_waiting_for_the_board_before_it_sits(demo):
    meet_award(demo.app, JO)
    text = page_text(signed_in(demo.app, JO).get("/transcript"))
    assert "Award rules met: waiting for the exam board" in text
    assert "Award ratified" not in text
    assert "Award achieved" not in text


def test_course_leader_cannot_defer_without_a_reason(demo):
    app, chris = demo.app, demo.ids[CHRIS]
    leader = _both_ready(app)
    refused = hold(
        leader, demo.cohort_id, {f"outcome-{chris}": "deferred", f"reason-{chris}": "  "}, follow=False
    )
    assert refused.status_code == 400
    text = page_text(refused)
    assert "There is a problem: nothing was written" in text
    assert "Give the reason for deferring Chris Evans." in text
    # What was chosen is kept: Chris is still marked to defer.
    assert f'id="outcome-{chris}-deferred" value="deferred" checked' in refused.get_data(as_text=True)
    assert counts(app) == NOTHING
    assert "exam_board_held" not in audit_actions(app)
    assert notes_of(app, demo.ids[JO], "award_ratified") == []


def test_course_leader_cannot_date_a_board_in_the_future_or_before_the_cohort_started(demo):
    meet_award(demo.app, JO)
    leader = signed_in(demo.app, LEADER)
    tomorrow = (uk_today() + timedelta(days=1)).isoformat()
    future = hold(leader, demo.cohort_id, {"held_on": tomorrow}, follow=False)
    assert future.status_code == 400
    assert "The board's date cannot be in the future" in page_text(future)
    early = hold(leader, demo.cohort_id, {"held_on": "2026-09-01"}, follow=False)
    assert early.status_code == 400
    assert "cannot be before the cohort started (18 September 2026)" in page_text(early)
    assert counts(demo.app) == NOTHING


def test_a_board_on_an_earlier_day_dates_its_certificates_so(demo):
    meet_award(demo.app, JO)
    hold(signed_in(demo.app, LEADER), demo.cohort_id, {"held_on": "2026-11-30"})
    [certificate] = certificates(demo.app)
    assert certificate.issued_on == date(2026, 11, 30)
    assert "ratified by the exam board on 30 November 2026" in page_text(
        signed_in(demo.app, JO).get("/transcript")
    )


def test_the_same_board_sent_twice_issues_one_certificate(demo):
    app, chris = demo.app, demo.ids[CHRIS]
    leader = _both_ready(app)
    page = leader.get(demo.url)
    changes = {f"outcome-{chris}": "deferred", f"reason-{chris}": REASON}
    first = hold(leader, demo.cohort_id, changes, page=page, follow=False)
    second = hold(leader, demo.cohort_id, changes, page=page)
    assert first.status_code == 302
    assert "was already recorded; nothing was repeated" in page_text(second)
    assert counts(app) == {"exam_boards": 1, "board_decisions": 2, "certificates": 1}
    assert len(notes_of(app, demo.ids[JO], "award_ratified")) == 1
    assert len(notes_of(app, chris, "award_deferred")) == 1


def test_a_board_recorded_since_the_page_opened_is_not_recorded_again(demo):
    app, chris = demo.app, demo.ids[CHRIS]
    leader = _both_ready(app)
    stale = leader.get(demo.url)
    hold(leader, demo.cohort_id)  # another tab ratifies both
    refused = hold(
        leader, demo.cohort_id, {f"outcome-{chris}": "deferred", f"reason-{chris}": REASON}, page=stale
    )
    assert "Another exam board of this cohort was recorded since you opened this page" in page_text(refused)
    assert counts(app) == {"exam_boards": 1, "board_decisions": 2, "certificates": 2}
    assert notes_of(app, chris, "award_deferred") == []


def test_a_result_withdrawn_after_the_page_opened_stops_the_whole_board(demo):
    app = demo.app
    leader = _both_ready(app)
    page = leader.get(demo.url)
    with app.app_context():  # the IQA reopens Jo's M03 decision meanwhile
        someone = db.session.scalar(select(User).where(User.email == LEADER))
        revoke_results(someone, source=f"assessment:M03-{JO}")
        db.session.commit()
    refused = press(leader, page, RECORD, {}, follow=False)
    assert refused.status_code == 409
    text = page_text(refused)
    assert "Nothing was written" in text
    assert (
        "Jo Patel no longer meets the award: M03 Pathways, Progression and Careers Information (14-19) is "
        "compulsory" in text
    )
    assert counts(app) == NOTHING
    # The page shows the cohort as it is now: Chris alone is ready.
    assert "Ready for this board (1)" in text


def test_assessor_and_candidate_cannot_open_or_post_the_board_pages(demo):
    app = demo.app
    meet_award(app, JO)
    leader = signed_in(app, LEADER)
    hold(leader, demo.cohort_id)
    [certificate] = certificates(app)
    urls = [
        demo.url,
        f"/cohorts/{demo.cohort_id}/exam-boards",
        f"/cohorts/{demo.cohort_id}/certificates/{certificate.id}",
        f"/cohorts/{demo.cohort_id}/certificates/{certificate.id}/revoke",
    ]
    for email in (TOM, JO):
        client = signed_in(app, email)
        for url in urls:
            assert client.get(url).status_code == 403, (email, url)
        token = csrf_from(client.get("/account").get_data(as_text=True))
        assert (
            client.post(demo.url, data={"csrf_token": token, "held_on": uk_today().isoformat()}).status_code
            == 403
        )
        assert "Exam board" not in page_text(client.get(f"/cohorts/{demo.cohort_id}"))
    assert counts(app)["exam_boards"] == 1


def test_another_cohorts_certificate_is_not_found_under_this_cohort(demo):
    meet_award(demo.app, JO)
    leader = signed_in(demo.app, LEADER)
    hold(leader, demo.cohort_id)
    [certificate] = certificates(demo.app)
    assert leader.get(f"/cohorts/{demo.cohort_id + 1}/certificates/{certificate.id}").status_code == 404
    assert leader.get(f"/cohorts/{demo.cohort_id}/certificates/{certificate.id + 1}").status_code == 404


def test_nobody_ready_shows_no_form(demo):
    achieve(demo.app, JO, "M01", date(2026, 11, 2))
    text = page_text(signed_in(demo.app, LEADER).get(demo.url))
    assert "No candidate is ready for the exam board" in text
    assert "3 candidates have not met the award yet" in text
    assert RECORD not in text


def test_the_board_is_recorded_under_its_cohort(demo):
    meet_award(demo.app, JO)
    hold(signed_in(demo.app, LEADER), demo.cohort_id)
    with demo.app.app_context():
        board = db.session.scalars(select(ExamBoard)).one()
        assert board.cohort_id == demo.cohort_id
        assert board.held_by.email == LEADER

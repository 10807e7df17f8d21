"""Revoking a certificate as the course leader does (a reason, then "are you sure?"), what staff and the
candidate then read, and the candidate coming to a later board again while their results still meet the
award."""

from __future__ import annotations

from core.db.timeutil import uk_today
from qualification.certificates.models import CertificateStatus
from tests.support.boards import audit_actions, certificates, counts, hold, notes_of, page_text
from tests.support.certificates import meet_award
from tests.support.html import press, signed_in
from tests.support.people import JO, LEADER

WHY = "Appeal upheld: M03 evidence was not the candidate's own."
REVOKE = "Revoke this certificate"


def _ratified(demo):
    meet_award(demo.app, JO)
    leader = signed_in(demo.app, LEADER)
    hold(leader, demo.cohort_id)
    [certificate] = certificates(demo.app)
    return leader, certificate


def _certificate_url(demo, certificate) -> str:
    return f"/cohorts/{demo.cohort_id}/certificates/{certificate.id}"


def test_course_leader_can_revoke_a_certificate_with_a_reason_after_confirming(demo):
    app, jo = demo.app, demo.ids[JO]
    leader, certificate = _ratified(demo)
    shown = leader.get(_certificate_url(demo, certificate))
    text = page_text(shown)
    assert f"Certificate {certificate.number}" in text
    assert "Valid" in text
    assert "M01 Communicating and Working with Others in CEIAG 6 15 Assessed 2 November 2026" in text
    assert REVOKE in text
    form_page = leader.get(_certificate_url(demo, certificate) + "/revoke")
    assert form_page.status_code == 200

    missing = press(leader, form_page, "Continue", {"reason": "  "}, follow=False)
    assert missing.status_code == 400
    assert "Give the reason for revoking this certificate." in page_text(missing)

    asked = press(leader, form_page, "Continue", {"reason": WHY})
    assert "Are you sure?" in page_text(asked)
    assert certificates(app)[0].status == CertificateStatus.VALID  # nothing yet
    assert "certificate.revoked" not in audit_actions(app)

    done = press(leader, asked, f"Yes, revoke certificate {certificate.number}")
    text = page_text(done)
    today = uk_today().strftime("%-d %B %Y")
    assert f"Certificate {certificate.number} is revoked. Jo Patel has been told." in text
    assert f"Revoked on {today}: {WHY}" in text
    assert REVOKE not in text
    [revoked] = certificates(app)
    assert revoked.status == CertificateStatus.REVOKED
    assert revoked.revoked_reason == WHY
    assert audit_actions(app).count("certificate.revoked") == 1
    [told] = notes_of(app, jo, "certificate_revoked")
    assert told.title == f"Your certificate {certificate.number} has been revoked"
    assert WHY in told.body

    # Staff read why, everywhere they meet it; Jo reads that it is revoked.
    past = page_text(leader.get(f"/cohorts/{demo.cohort_id}/exam-boards"))
    assert f"{certificate.number} Revoked" in past
    staff_transcript = page_text(leader.get(f"/cohorts/{demo.cohort_id}/candidates/{jo}/transcript"))
    assert f"Revoked on {today}: {WHY}" in staff_transcript
    mine = page_text(signed_in(app, JO).get("/transcript"))
    assert f"Certificate {certificate.number}" in mine
    assert "Revoked" in mine
    assert WHY not in mine
    assert "Award ratified" not in mine
    assert "Award rules met: waiting for the exam board" in mine


def test_a_revoked_candidate_comes_to_a_later_board_and_gets_a_new_certificate(demo):
    app = demo.app
    leader, first = _ratified(demo)
    page = leader.get(_certificate_url(demo, first) + "/revoke")
    asked = press(leader, page, "Continue", {"reason": WHY})
    press(leader, asked, f"Yes, revoke certificate {first.number}")

    board = page_text(leader.get(demo.url))
    assert "Ready for this board (1)" in board
    assert f"{first.number}, revoked on" in board
    assert WHY in board
    hold(leader, demo.cohort_id)
    old, new = certificates(app)
    assert old.number == first.number
    assert old.status == CertificateStatus.REVOKED
    assert new.status == CertificateStatus.VALID
    assert new.number != old.number
    assert counts(app) == {"exam_boards": 2, "board_decisions": 2, "certificates": 2}
    mine = page_text(signed_in(app, JO).get("/transcript"))
    assert "Award ratified" in mine
    assert new.number in mine


def test_a_revoked_certificate_cannot_be_revoked_again(demo):
    leader, certificate = _ratified(demo)
    page = leader.get(_certificate_url(demo, certificate) + "/revoke")
    asked = press(leader, page, "Continue", {"reason": WHY})
    press(leader, asked, f"Yes, revoke certificate {certificate.number}")
    again = press(leader, asked, f"Yes, revoke certificate {certificate.number}", follow=False)
    assert again.status_code == 409
    assert f"Certificate {certificate.number} is already revoked." in page_text(again)
    assert audit_actions(demo.app).count("certificate.revoked") == 1

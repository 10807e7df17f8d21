"""A cohort taking one module as CPD: the board ratifies the module itself, ready once the candidate has a
live released result for it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from qualification.certificates.models import CertificateKind
from qualification.cohorts.services import create_cohort, invite_candidate
from qualification.versions.queries import find_version
from tests.support.boards import board_url, certificates, hold, notes_of, page_text
from tests.support.html import signed_in
from tests.support.people import CHRIS, JO, LEADER
from tests.support.transcript import newest_module, release_result

M05 = "Work-Related Learning, Work Experience and Enterprise"


def _cpd_cohort(app, *, achieved_by: tuple[str, ...]) -> int:
    """A cohort taking M05 as CPD, with Jo and Chris; a released M05 result for each of `achieved_by`."""
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        cohort = create_cohort(
            leader,
            name="CPD M05 2026",
            version=find_version("CCQ"),
            award_code=None,
            module_code="M05",
            start_date=date(2026, 9, 18),
        )
        for email in (JO, CHRIS):
            user = db.session.scalar(select(User).where(User.email == email))
            invite_candidate(leader, cohort, name=user.name, email=email, school="A School")
        for email in achieved_by:
            release_result(
                leader,
                newest_module("M05"),
                candidate_id=db.session.scalar(select(User.id).where(User.email == email)),
                cohort_id=cohort.id,
                on=date(2026, 11, 20),
                source=f"assessment:M05-{email}",
            )
        db.session.commit()
        return cohort.id


def test_course_leader_can_ratify_a_cpd_module(demo):
    app, jo = demo.app, demo.ids[JO]
    cohort_id = _cpd_cohort(app, achieved_by=(JO,))
    leader = signed_in(app, LEADER)
    assert "Exam board" in page_text(leader.get(f"/cohorts/{cohort_id}"))
    before = page_text(signed_in(app, JO).get("/transcript"))
    assert "Module achieved: waiting for the exam board to ratify M05" in before

    page = leader.get(board_url(cohort_id))
    text = page_text(page)
    assert "Ready for this board (1)" in text
    assert f"M05 {M05}, assessed on 20 November 2026." in text
    assert "1 candidate has not met M05 yet" in text
    assert "Chris Evans: no released result for M05 yet." in text

    hold(leader, cohort_id, page=page)
    [certificate] = certificates(app)
    assert (certificate.candidate_id, certificate.cohort_id) == (jo, cohort_id)
    assert (certificate.kind, certificate.code, certificate.title) == (CertificateKind.CPD, "M05", M05)
    assert (certificate.level, certificate.credits) == (6, 15)
    assert [m["code"] for m in certificate.snapshot["modules"]] == ["M05"]
    assert certificate.snapshot["included_awards"] == []
    [told] = notes_of(app, jo, "award_ratified")
    assert told.title == f"Your M05 module has been ratified: certificate {certificate.number}"
    assert "CPD M05 2026, studying M05" in told.about

    after = page_text(signed_in(app, JO).get("/transcript"))
    assert "Module ratified" in after
    assert certificate.number in after
    # The award cohort's board is another matter: Jo has not met the Professional Certificate.
    assert "Ready for this board (0)" in page_text(leader.get(demo.url))


def test_a_cpd_module_without_a_released_result_is_not_ready(demo):
    cohort_id = _cpd_cohort(demo.app, achieved_by=())
    text = page_text(signed_in(demo.app, LEADER).get(board_url(cohort_id)))
    assert "No candidate is ready for the exam board: nobody has met M05 without a certificate" in text
    assert "2 candidates have not met M05 yet" in text

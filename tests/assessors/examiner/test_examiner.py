"""External examiner access: granted and revoked by the IQA through the cohort's page; the examiner reads the
released decisions of their sample and the evidence behind them, nothing else, and only until the end date."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from assessors.marking.models import Assessment
from assessors.quality.models import ExaminerAccess
from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.db.timeutil import uk_today
from core.extensions import db
from portfolio.evidence.services import add_item
from portfolio.files.services import accept_upload
from portfolio.mapping.services import map_item
from portfolio.submissions.models import SubmissionEntry
from tests.cross.idor.world import tiny_png
from tests.support.demo import demo_fixture
from tests.support.html import csrf_from, page_text, press, signed_in
from tests.support.people import CHRIS, EXAMINER, HELEN, JO, SAM, TOM, person
from tests.support.quality import OTHER_IQA, demo_cohort_id, judge, load_quality_demo, release, submit

GIVE = "Give access"


demo = demo_fixture(load_quality_demo)


def ids(app, *emails: str) -> list[int]:
    with app.app_context():
        return [person(e).id for e in emails]


def examiners_url(app) -> str:
    return f"/assessors/cohorts/{demo_cohort_id(app)}/examiners"


def grant(app, candidates: list[str], ends_on: date, *, follow=True, by: str = SAM):
    client = signed_in(app, by)
    examiner_id, *candidate_ids = ids(app, EXAMINER, *candidates)
    changes = {
        "examiner": str(examiner_id),
        "candidates": [str(c) for c in candidate_ids],
        "ends_on": ends_on.isoformat(),
        "note": "Summer standardisation sample.",
    }
    return client, press(client, client.get(examiners_url(app)), GIVE, changes, follow=follow)


def released_for_jo_and_chris(app) -> dict[str, int]:
    """Jo's and Chris's M01 decisions, agreed by Sam and released; Jo's M02 still waiting for review."""
    jo_m01 = judge(app, TOM, submit(app, JO))
    chris_m01 = judge(app, HELEN, submit(app, CHRIS))
    sam = signed_in(app, SAM)
    for assessment_id in (jo_m01, chris_m01):
        page = sam.get(f"/assessors/assessments/{assessment_id}/review")
        press(sam, page, "Agree with the decision")
        release(app, SAM, assessment_id)
    jo_m02 = judge(app, TOM, submit(app, JO, module="M02", title="Labour market talk"))
    return {"jo_m01": jo_m01, "chris_m01": chris_m01, "jo_m02": jo_m02}


def access_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(ExaminerAccess.id))


def test_iqa_can_give_an_examiner_access_to_a_sample(demo):
    _, done = grant(demo, [JO], uk_today() + timedelta(days=30))
    text = page_text(done)
    assert "Access granted to 1 candidate until" in text
    assert "Prof. Ruth Adeyemi" in text
    with demo.app_context():
        access = db.session.scalars(select(ExaminerAccess)).one()
        assert [c.candidate_id for c in access.candidates] == [person(JO).id]
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "examiner_access_granted")
        ).one()
        assert details_of(event)["candidate_ids"] == [access.candidates[0].candidate_id]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ends_on": (date.today() - timedelta(days=2)).isoformat()}, "cannot be in the past"),  # noqa: DTZ011
        ({"candidates": []}, "Choose at least one candidate"),
        ({"examiner": "0"}, "Choose an external examiner."),
    ],
)
def test_iqa_cannot_give_access_with_bad_input(demo, change, message):
    sam = signed_in(demo, SAM)
    examiner_id, jo = ids(demo, EXAMINER, JO)
    data = {
        "examiner": str(examiner_id),
        "candidates": [str(jo)],
        "ends_on": (uk_today() + timedelta(days=5)).isoformat(),
        "note": "Kept note",
        **change,
    }
    response = press(sam, sam.get(examiners_url(demo)), GIVE, data, follow=False)
    assert response.status_code == 422
    assert message in page_text(response)
    assert "Kept note" in response.get_data(as_text=True)
    with demo.app_context():
        assert db.session.scalar(select(func.count(ExaminerAccess.id))) == 0


def test_iqa_cannot_put_another_cohorts_candidate_in_the_sample(demo):
    _, response = grant(demo, [JO, OTHER_IQA], uk_today() + timedelta(days=5), follow=False)
    assert response.status_code == 422
    assert "Choose candidates of this cohort only." in page_text(response)


def test_examiner_sees_the_released_decisions_of_the_sample_only(demo):
    made = released_for_jo_and_chris(demo)
    grant(demo, [JO], uk_today() + timedelta(days=30))
    examiner = signed_in(demo, EXAMINER)
    home = examiner.get("/assessors/examiner")
    assert "Jo Patel" in page_text(home)
    assert "Chris Evans" not in page_text(home)
    jo_id, chris_id = ids(demo, JO, CHRIS)
    page = examiner.get(f"/assessors/examiner/{access_id(demo)}/candidates/{jo_id}")
    text = page_text(page)
    for shown in (
        "M01 submission: Achieved",
        "The body of Careers plan.",
        "Comment on M01.1.1",
        "Sam Whitfield agreed",
    ):
        assert shown in text
    # Jo's M02 is still in IQA review: not released, so not shown.
    assert "M02" not in text
    assert "Labour market talk" not in text
    # Not another candidate of the cohort, not through another grant id, not the portfolio's own pages.
    assert examiner.get(f"/assessors/examiner/{access_id(demo)}/candidates/{chris_id}").status_code == 404
    assert examiner.get(f"/assessors/examiner/999999/candidates/{jo_id}").status_code == 404
    with demo.app_context():
        submission_id = db.session.get(Assessment, made["jo_m01"]).submission_id
    assert examiner.get(f"/portfolio/submissions/{submission_id}").status_code == 404
    assert examiner.get(f"/assessors/assessments/{made['jo_m01']}/review").status_code == 403
    assert examiner.get("/assessors/iqa").status_code == 403


def test_examiner_cannot_read_after_the_end_date(demo):
    released_for_jo_and_chris(demo)
    grant(demo, [JO], uk_today())
    examiner = signed_in(demo, EXAMINER)
    url = f"/assessors/examiner/{access_id(demo)}/candidates/{ids(demo, JO)[0]}"
    assert examiner.get(url).status_code == 200  # the last day itself is still covered
    grant_id = access_id(demo)
    with demo.app_context():
        # A day later (the access's own end date moved back one day, as time would).
        db.session.get(ExaminerAccess, grant_id).ends_on = uk_today() - timedelta(days=1)
        db.session.commit()
    assert examiner.get(url).status_code == 404
    assert "Jo Patel" not in page_text(examiner.get("/assessors/examiner"))


def test_examiner_cannot_read_after_access_is_revoked(demo):
    released_for_jo_and_chris(demo)
    sam, _ = grant(demo, [JO], uk_today() + timedelta(days=30))
    examiner = signed_in(demo, EXAMINER)
    url = f"/assessors/examiner/{access_id(demo)}/candidates/{ids(demo, JO)[0]}"
    assert examiner.get(url).status_code == 200
    done = press(sam, sam.get(examiners_url(demo)), "Revoke Prof. Ruth Adeyemi's access")
    assert "Access revoked" in page_text(done)
    assert examiner.get(url).status_code == 404
    grant_id, examiner_id = access_id(demo), ids(demo, EXAMINER)[0]
    with demo.app_context():
        assert db.session.get(ExaminerAccess, grant_id).revoked_at is not None
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "examiner_access_revoked")
        ).one()
        assert details_of(event)["examiner_id"] == examiner_id


def test_iqa_of_another_cohort_cannot_revoke_access(demo):
    grant(demo, [JO], uk_today() + timedelta(days=30))
    other = signed_in(demo, OTHER_IQA)
    token = csrf_from(other.get("/account").get_data(as_text=True))
    url = f"{examiners_url(demo)}/{access_id(demo)}/revoke"
    assert other.post(url, data={"csrf_token": token}).status_code == 404
    grant_id = access_id(demo)
    with demo.app_context():
        assert db.session.get(ExaminerAccess, grant_id).revoked_at is None


def test_examiner_can_download_a_file_of_the_sample_and_no_other(demo):
    released_for_jo_and_chris(demo)
    with demo.test_request_context():
        jo = person(JO)
        upload = accept_upload(jo.id, io.BytesIO(tiny_png(5)), "pupil-survey.png")
        picture = add_item(
            jo,
            kind="file",
            title="Pupil survey",
            activity_date=uk_today() - timedelta(days=1),
            context_md="",
            upload=upload,
            anonymised=True,
        )
        map_item(jo, picture, criterion_ref="M03.1.1", family="CCQ")
        db.session.commit()
        unreleased_version = picture.current.id
    grant(demo, [JO], uk_today() + timedelta(days=30))
    examiner = signed_in(demo, EXAMINER)
    base = f"/assessors/examiner/{access_id(demo)}/candidates/{ids(demo, JO)[0]}/files"
    # Jo's picture is in her portfolio but in no released decision: not for the examiner.
    assert examiner.get(f"{base}/{unreleased_version}").status_code == 404
    submission_id = submit(demo, JO, module="M03", title="Pupil survey")
    with demo.app_context():
        frozen = db.session.scalars(
            select(SubmissionEntry.version_id).where(SubmissionEntry.submission_id == submission_id)
        ).all()
    made = judge(demo, TOM, submission_id)
    sam = signed_in(demo, SAM)
    press(sam, sam.get(f"/assessors/assessments/{made}/review"), "Agree with the decision")
    assert examiner.get(f"{base}/{unreleased_version}").status_code == 404  # still only in review
    release(demo, SAM, made)
    response = examiner.get(f"{base}/{unreleased_version}")
    assert unreleased_version in frozen
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")

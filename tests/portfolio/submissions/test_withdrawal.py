"""A candidate cannot withdraw a submission once their assessor has started marking it."""

from __future__ import annotations

from core.extensions import db
from portfolio.submissions.models import Submission
from tests.support.demo import demo_fixture
from tests.support.html import csrf_from, has_button, page_text, signed_in
from tests.support.marking import load_marking_demo, start_marking, submission_status, submit_m01
from tests.support.people import JO, TOM

demo = demo_fixture(load_marking_demo)


def test_candidate_cannot_withdraw_once_their_assessor_has_started_marking(demo):
    jo = signed_in(demo, JO)
    submission_id = submit_m01(demo, jo)
    page = jo.get(f"/portfolio/submissions/{submission_id}")
    assert has_button(page, "Withdraw this submission")
    start_marking(signed_in(demo, TOM), submission_id)
    page = jo.get(f"/portfolio/submissions/{submission_id}")
    assert not has_button(page, "Withdraw this submission")
    # A form opened before marking started is refused, with the reason, and nothing changes.
    refused = jo.post(
        f"/portfolio/submissions/{submission_id}/withdraw",
        data={"csrf_token": _token(page)},
    )
    assert refused.status_code == 409
    assert "Your assessor has started marking this attempt" in page_text(refused)
    assert submission_status(demo, submission_id) == "submitted"
    with demo.app_context():
        assert db.session.get(Submission, submission_id).marking_started_at is not None


def _token(page) -> str:
    return csrf_from(page.get_data(as_text=True))

"""Released results: module results with credits, criterion results (latest wins, APL kept), revocation;
and the candidate's gap view showing them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.accounts.models import User
from core.audit.services import verify_chain
from core.extensions import db
from qualification.results.models import AchievedBy, CriterionResult, ModuleResult
from qualification.results.services import (
    criterion_outcomes,
    live_module_results,
    record_criterion_results,
    record_module_result,
    revoke_results,
)
from tests.support.demo import load_study_demo
from tests.support.html import login, page_text
from tests.support.people import DEMO_PASSWORD, JO


def _jo(app) -> User:
    return db.session.scalar(select(User).where(User.email == JO))


def _record(app, outcomes: dict[str, str], source: str) -> None:
    with app.app_context():
        record_criterion_results(
            None, candidate_id=_jo(app).id, family="CCQ", module_code="M01", outcomes=outcomes, source=source
        )
        db.session.commit()


def test_the_latest_released_result_wins_but_apl_credit_is_not_undone(app):
    load_study_demo(app)
    _record(app, {"M01.1.1": "not yet met", "M01.1.2": "met by APL"}, "assessment:1")
    _record(app, {"M01.1.1": "met", "M01.1.2": "not yet met"}, "assessment:2")
    with app.app_context():
        assert criterion_outcomes(_jo(app).id, "CCQ", "M01") == {"M01.1.1": "met", "M01.1.2": "met by APL"}


def test_revoking_a_decision_ends_its_module_result_and_removes_its_criterion_results(app):
    load_study_demo(app)
    _record(app, {"M01.1.1": "met"}, "assessment:7")
    with app.app_context():
        jo = _jo(app)
        record_module_result(
            None,
            candidate_id=jo.id,
            cohort_id=None,
            family="CCQ",
            module_code="M01",
            module_id=None,
            title="Careers leadership",
            level=7,
            credits=15,
            how=AchievedBy.ASSESSMENT,
            achieved_on=date(2027, 3, 1),
            source="assessment:7",
        )
        db.session.commit()
        assert [r.credits for r in live_module_results(jo.id)] == [15]
        assert revoke_results(None, source="assessment:7") == 1
        db.session.commit()
        assert live_module_results(jo.id) == []
        assert db.session.scalar(select(ModuleResult.revoked_at)) is not None
        assert db.session.scalars(select(CriterionResult)).all() == []
        checked, problems = verify_chain()
        assert checked > 0
        assert problems == []


def test_candidate_sees_released_results_in_the_gap_view(app):
    load_study_demo(app)
    _record(app, {"M01.1.1": "met", "M01.1.2": "met by APL", "M01.2.1": "not yet met"}, "assessment:3")
    client = app.test_client()
    login(client, JO, DEMO_PASSWORD)
    text = page_text(client.get("/portfolio/modules/CCQ/M01"))
    assert "met by APL" in text
    assert "not yet met" in text

"""The board's pages run a fixed number of SQL statements, whatever the number of candidates behind them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from modules.catalogue.models import Module
from qualification.cohorts.models import Cohort
from qualification.cohorts.services import invite_candidate
from qualification.results.models import AchievedBy
from tests.support.boards import board_url, certificates, counts, hold
from tests.support.certificates import meet_award
from tests.support.html import signed_in
from tests.support.people import CHRIS, JO, LEADER
from tests.support.queries import statements_for
from tests.support.transcript import release_result

# The board page: the signed-in person, the cohort with its members and sessions, the spec of its version
# (ten statements), the candidates' results, criteria, certificates and decisions (one each), the last board.
BOARD_BUDGET = 21
PAST_BUDGET = 11  # the boards, their decisions with the candidates, the certificates
CERTIFICATE_BUDGET = 9


def _grow(app, cohort_id: int, extra: int) -> list[int]:
    """`extra` more candidates; two in three meet the award through released results. Their ids."""
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        cohort = db.session.get(Cohort, cohort_id)
        newest = select(Module).where(Module.family == "CCQ").order_by(Module.revision)
        modules = {m.code: m for m in db.session.scalars(newest)}
        ids = []
        for n in range(extra):
            user, _ = invite_candidate(
                leader, cohort, name=f"Extra {n:02d}", email=f"extra{n}@school.example", school="A School"
            )
            ids.append(user.id)
            codes = ("M01", "M02", "M03", "M04") if n % 3 else ("M01",)
            for code in codes:
                release_result(
                    leader,
                    modules[code],
                    candidate_id=user.id,
                    cohort_id=cohort.id,
                    on=date(2026, 11, 1 + n % 20),
                    source=f"assessment:{code}-extra{n}",
                    how=AchievedBy.APL if code == "M02" and n % 2 else AchievedBy.ASSESSMENT,
                )
        db.session.commit()
        return ids


def _costs(app, client, cohort_id: int) -> list[int]:
    [certificate] = certificates(app)[:1]
    return [
        statements_for(app, client, board_url(cohort_id)),
        statements_for(app, client, f"/cohorts/{cohort_id}/exam-boards"),
        statements_for(app, client, f"/cohorts/{cohort_id}/certificates/{certificate.id}"),
    ]


def test_the_board_pages_cost_the_same_for_3_and_43_candidates(demo):
    app, chris = demo.app, demo.ids[CHRIS]
    meet_award(app, JO)
    meet_award(app, CHRIS)
    leader = signed_in(app, LEADER)
    hold(leader, demo.cohort_id, {f"outcome-{chris}": "deferred", f"reason-{chris}": "Wait for M03."})
    small = _costs(app, leader, demo.cohort_id)

    extras = _grow(app, demo.cohort_id, 40)
    deferring = {f"outcome-{who}": "deferred" for who in extras[1::4]}
    deferring |= {f"reason-{who}": "External examiner to see the portfolio." for who in extras[1::4]}
    hold(leader, demo.cohort_id, deferring)
    assert counts(app)["exam_boards"] == 2
    assert counts(app)["certificates"] > 20
    large = _costs(app, leader, demo.cohort_id)

    assert small == large
    assert large[0] <= BOARD_BUDGET, large
    assert large[1] <= PAST_BUDGET, large
    assert large[2] <= CERTIFICATE_BUDGET, large

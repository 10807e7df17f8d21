"""Run as `python -m tests.e2e.award_setup` on the e2e server's database (its environment names it): Jo's
four modules released earlier in the year, so the demo award is met and can come to the exam board. The
results are recorded the way the assessors' release service records them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.accounts.models import User
from core.app import create_app
from core.extensions import db
from qualification.cohorts.models import Cohort
from tests.support.people import JO, LEADER
from tests.support.transcript import newest_module, release_result

RESULTS = (
    ("M01", date(2026, 10, 5)),
    ("M02", date(2026, 10, 19)),
    ("M04", date(2026, 11, 2)),
    ("M03", date(2026, 11, 16)),
)


def main() -> None:
    app = create_app()
    with app.app_context():
        jo = db.session.scalar(select(User).where(User.email == JO))
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        cohort = db.session.scalars(select(Cohort).order_by(Cohort.id)).first()
        for code, on in RESULTS:
            release_result(
                leader,
                newest_module(code),
                candidate_id=jo.id,
                cohort_id=cohort.id,
                on=on,
                source=f"assessment:{code}-e2e",
            )
        db.session.commit()


if __name__ == "__main__":
    main()

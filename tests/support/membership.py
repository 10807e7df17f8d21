"""A candidate's membership page as the course leader uses it (a break, the return, withdrawal, transfer),
and the rows behind it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from core.db.timeutil import uk_today, utcnow
from core.extensions import db
from qualification.cohorts.models import CohortMember
from qualification.membership.models import LearningBreak
from tests.support.demo import demo_ids, load_demo_data
from tests.support.html import press
from tests.support.people import JO


def today() -> date:
    """Today in the UK, as the services compare dates."""
    return uk_today()


def days_ago(n: int) -> str:
    return (today() - timedelta(days=n)).isoformat()


def joined_days_ago(app, cohort_id: int, n: int = 90) -> None:
    """Everyone joined the cohort `n` days ago (a break can be recorded from the day they joined)."""
    with app.app_context():
        when = utcnow() - timedelta(days=n)
        db.session.execute(
            update(CohortMember).where(CohortMember.cohort_id == cohort_id).values(added_at=when)
        )
        db.session.commit()


def jo_joined_in_the_demo(app) -> tuple:
    """The demo without its study content, the candidates joined 90 days ago: (app, cohort id, Jo's id)."""
    load_demo_data(app, content=False)
    cohort_id, people = demo_ids(app)
    joined_days_ago(app, cohort_id)
    return app, cohort_id, people[JO]


def membership_url(cohort_id: int, candidate_id: int) -> str:
    return f"/cohorts/{cohort_id}/candidates/{candidate_id}"


def _press(client, cohort_id: int, candidate_id: int, button: str, changes: dict, follow: bool):
    page = client.get(membership_url(cohort_id, candidate_id))
    assert page.status_code == 200, page.status_code
    return press(client, page, button, changes, follow=follow)


def start_break(
    client, cohort_id, candidate_id, *, starts_on=None, back_on=None, reason="Maternity leave", follow=True
):
    """Press "Start the break" (from today, back in 30 days, unless told)."""
    changes = {
        "break-starts_on": starts_on if starts_on is not None else today().isoformat(),
        "break-expected_return_on": back_on
        if back_on is not None
        else (today() + timedelta(days=30)).isoformat(),
        "break-reason": reason,
    }
    return _press(client, cohort_id, candidate_id, "Start the break", changes, follow)


def record_return(client, cohort_id, candidate_id, returned_on=None, *, follow=True):
    changes = {"return-returned_on": returned_on if returned_on is not None else today().isoformat()}
    return _press(client, cohort_id, candidate_id, "Record the return", changes, follow)


def withdraw(client, cohort_id, candidate_id, name: str, reason="Left the school", *, follow=True):
    changes = {"withdraw-reason": reason}
    return _press(client, cohort_id, candidate_id, f"Withdraw {name}", changes, follow)


def transfer(
    client, cohort_id, candidate_id, to_cohort_id: int, reason="Needs a later start", *, follow=True
):
    changes = {"transfer-cohort": str(to_cohort_id), "transfer-reason": reason}
    return _press(client, cohort_id, candidate_id, "Move them", changes, follow)


def member_row(app, cohort_id: int, candidate_id: int) -> dict:
    """The candidate's membership of the cohort, as plain values."""
    with app.app_context():
        m = db.session.scalar(
            select(CohortMember).where(
                CohortMember.cohort_id == cohort_id,
                CohortMember.user_id == candidate_id,
                CohortMember.role == "candidate",
            )
        )
        return {
            "id": m.id,
            "status": str(m.status),
            "withdrawn_at": m.withdrawn_at,
            "left_reason": m.left_reason,
            "transferred_to_id": m.transferred_to_id,
        }


def breaks(app, cohort_id: int, candidate_id: int) -> list[tuple]:
    """(starts_on, expected_return_on, ends_on, reason) of each break, oldest first."""
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                select(
                    LearningBreak.starts_on,
                    LearningBreak.expected_return_on,
                    LearningBreak.ends_on,
                    LearningBreak.reason,
                )
                .join(CohortMember, CohortMember.id == LearningBreak.member_id)
                .where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == candidate_id)
                .order_by(LearningBreak.starts_on, LearningBreak.id)
            )
        ]

"""A small queue in a big cohort, on either database: every branch's window is full of others' work, so the
page reads the assessor's own candidates' rows instead (sources.py, `paged`'s fallback, gated on SQLite so
that a big queue never reads it). Paged to its end, the queue holds exactly the assessor's waiting attempts,
in the queue's order, each once; a big queue's pages read the same way."""

from __future__ import annotations

from sqlalchemy import select

from assessors.marking.models import Assessment
from core.accounts.models import User
from core.extensions import db
from portfolio.submissions.models import Submission, SubmissionStatus
from qualification.cohorts.models import AssessorAllocation
from tests.assessors.queue.test_queue_plan import BIG, _load
from tests.support.demo import load_demo_data
from tests.support.html import signed_in
from tests.support.people import DEMO_PASSWORD, PASSWORD, TOM
from tests.support.queue import next_link, rows_of

ATTEMPT_KINDS = ("submission", "resubmission")


def _waiting_attempts(app, email: str) -> list[str]:
    """The assessor's waiting attempts nobody has started, as the queue orders them: (submitted, kind, id)."""
    with app.app_context():
        owner = db.session.scalar(select(User.id).where(User.email == email))
        s, al = Submission, AssessorAllocation
        rows = db.session.execute(
            select(s.id, s.attempt, s.submitted_at)
            .join(al, (al.candidate_id == s.candidate_id) & (al.cohort_id == s.cohort_id))
            .where(
                al.assessor_id == owner,
                s.status == SubmissionStatus.SUBMITTED,
                ~select(Assessment.id).where(Assessment.submission_id == s.id).exists(),
            )
        ).all()
    keyed = [(at, "submission" if attempt <= 1 else "resubmission", sid) for sid, attempt, at in rows]
    return [f"{kind}-{sid}" for _, kind, sid in sorted(keyed)]


def _all_pages(app, email: str, password: str, limit: int | None = None) -> list[str]:
    client = signed_in(app, email, password)
    url, keys, pages = "/assessors/queue", [], 0
    while url and (limit is None or pages < limit):
        response = client.get(url)
        assert response.status_code == 200
        keys += [row.split(" ", 1)[0] for row in rows_of(response)]
        url, pages = next_link(response), pages + 1
    return keys


def test_a_small_queue_in_a_big_cohort_lists_its_own_work_in_order(app):
    load_demo_data(app, content=False)
    _load(app)
    keys = _all_pages(app, TOM, DEMO_PASSWORD)
    assert len(keys) == len(set(keys))
    attempts = [k for k in keys if k.split("-")[0] in ATTEMPT_KINDS]
    assert attempts == _waiting_attempts(app, TOM)
    assert len(attempts) >= 12 * 10  # Tom's loaded candidates' attempts, beyond every branch's window


def test_a_big_queue_pages_through_its_own_work_in_order(app):
    load_demo_data(app, content=False)
    _load(app)
    keys = _all_pages(app, BIG, PASSWORD, limit=6)
    attempts = [k for k in keys if k.split("-")[0] in ATTEMPT_KINDS]
    assert attempts == _waiting_attempts(app, BIG)[: len(attempts)]
    assert len(attempts) == 6 * 50

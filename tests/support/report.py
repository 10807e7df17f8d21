"""The course leader's cohort report as a leader sees it: the demo world with submissions and decisions, the
candidates' table read by its headings, and a cohort grown to many candidates for the query budgets."""

from __future__ import annotations

from datetime import date, datetime
from html.parser import HTMLParser

from sqlalchemy import select

from assessors.marking.models import Assessment
from core.accounts.models import User
from core.extensions import db
from modules.catalogue.models import Module
from portfolio.submissions.models import Submission
from qualification.cohorts.models import Cohort, CohortMember
from qualification.cohorts.services import invite_candidate
from qualification.pathway.services import choose_options
from tests.support.html import login
from tests.support.people import DEMO_PASSWORD, LEADER, user_id
from tests.support.transcript import achieve, cohort_id


def submission(
    app,
    email: str,
    code: str,
    *,
    state: str | None = None,
    status: str = "submitted",
    sent: datetime | None = None,
    decided: datetime | None = None,
    assessor: str | None = None,
) -> None:
    """A submitted attempt, and its assessment in `state` when given (rows as the services write them)."""
    candidate, cohort = user_id(app, email), cohort_id(app)
    assessor_id = user_id(app, assessor) if assessor else None
    with app.app_context():
        module_id = db.session.scalar(select(Module.id).where(Module.family == "CCQ", Module.code == code))
        attempt = 1 + len(
            db.session.scalars(
                select(Submission.id).where(
                    Submission.candidate_id == candidate, Submission.module_code == code
                )
            ).all()
        )
        # What the attempt and its assessment both say of whose work, in which cohort and module.
        work = {
            "candidate_id": candidate,
            "cohort_id": cohort,
            "family": "CCQ",
            "module_code": code,
            "module_id": module_id,
        }
        row = Submission(
            **work,
            attempt=attempt,
            status=status,
            snapshot_hash="0" * 64,
            **({"submitted_at": sent} if sent else {}),
        )
        db.session.add(row)
        db.session.flush()
        if state:
            db.session.add(
                Assessment(
                    kind="submission",
                    submission_id=row.id,
                    **work,
                    status=state,
                    evidence_hash="0" * 64,
                    assessor_id=assessor_id,
                    completed_by_id=assessor_id if decided else None,
                    completed_at=decided,
                    released_at=decided if state == "released" else None,
                )
            )
        db.session.commit()


def leader_client(app, email: str = LEADER):
    client = app.test_client()
    login(client, email, DEMO_PASSWORD)
    return client


def invite(app, name: str, email: str, school: str = "A School") -> None:
    """The course leader invites a candidate into the demo cohort (they have not joined yet)."""
    the_cohort = cohort_id(app)
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        invite_candidate(leader, db.session.get(Cohort, the_cohort), name=name, email=email, school=school)
        db.session.commit()


def grow(app, total: int) -> None:
    """More candidates, with results, options and submissions, until the cohort has `total` (again and again:
    the demo's three candidates, then Extra 0, Extra 1 and so on)."""
    the_cohort = cohort_id(app)
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        cohort = db.session.get(Cohort, the_cohort)
        first = len([m for m in cohort.members if m.role == "candidate"]) - 3
        for n in range(first, total - 3):
            user, _ = invite_candidate(
                leader, cohort, name=f"Extra {n}", email=f"extra{n}@school.example", school="A School"
            )
            member = db.session.scalar(
                select(CohortMember).where(
                    CohortMember.user_id == user.id, CohortMember.cohort_id == cohort.id
                )
            )
            choose_options(user, member, ["M05"], today=cohort.start_date)
        db.session.commit()
    for n in range(first, total - 3):
        achieve(app, f"extra{n}@school.example", "M01", date(2026, 11, 1 + n % 20))
        if n % 3 == 0:
            submission(app, f"extra{n}@school.example", "M02", state="released", status="achieved")


class _Table(HTMLParser):
    """The rows of the first table whose caption is `caption`, as {heading: cell text}."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.caption, self.inside, self.in_caption = caption, False, False
        self.headings: list[str] = []
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.in_head = False
        self.done = False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag == "caption":
            self.in_caption, self.text = True, ""
        elif self.inside and tag == "thead":
            self.in_head = True
        elif self.inside and tag == "tr" and not self.in_head:
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if self.done:
            return
        if tag == "caption":
            self.in_caption = False
            self.inside = self.text.strip() == self.caption
        elif self.inside and tag == "thead":
            self.in_head = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            text = " ".join("".join(self.cell).split())
            (self.headings if self.in_head else self.rows[-1]).append(text)
            self.cell = None
        elif self.inside and tag == "table":
            self.inside, self.done = False, True

    def handle_data(self, data):
        if self.in_caption:
            self.text += data
        elif self.cell is not None:
            self.cell.append(data)


def table(
    html: str, caption: str = "Each candidate's progress, results and award"
) -> dict[str, dict[str, str]]:
    """The candidates' table (or another table by its caption): name -> {heading: what the cell says}."""
    parser = _Table(caption)
    parser.feed(html)
    return {row[0]: dict(zip(parser.headings, row, strict=True)) for row in parser.rows}

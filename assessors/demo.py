"""The assessment demo, through the same services people use: Jo's M01 waits in Tom's queue."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.accounts.models import User
from core.db.timeutil import UK
from core.extensions import db
from portfolio.evidence.services import add_item
from portfolio.mapping.services import map_item
from portfolio.submissions.models import Submission
from portfolio.submissions.services import active_enrolment, gaps_confirmation, submit_module

JO = "candidate@school.example"
# (title, days ago, what happened, criteria it shows)
JO_M01_EVIDENCE = (
    (
        "Needs conversations with Year 10",
        40,
        "I held guidance conversations with six Year 10 pupils to find out what they needed before options. "
        "Two were unsure about post-16 routes and one was reluctant to talk; I wrote up what I learnt about "
        "staying impartial.",
        # M01.1.2 (referrals) is left without evidence: the browser tests map Jo's referral write-up to it.
        ("M01.1.1", "M01.1.3"),
    ),
    (
        "Parents' evening on post-16 options",
        25,
        "I wrote a leaflet for parents on sixth form, college and apprenticeship routes and ran a stand "
        "at the Year 11 parents' evening with the PA and two form tutors. Our head of sixth form wrote a "
        "witness statement about the joint work.",
        ("M01.2.1", "M01.2.2", "M01.3.1"),
    ),
    (
        "Negotiating careers time in tutor periods",
        10,
        "I asked heads of year for one tutor period a fortnight for careers activities. The notes of the "
        "meeting record what we agreed; my reflection covers my role in the team and how I would approach "
        "the negotiation next time.",
        ("M01.3.2", "M01.4.1", "M01.4.2"),
    ),
)


def load_demo_assessment() -> str | None:
    """Jo's M01 evidence, mapped and submitted for her assessor (Tom), unless she has submitted M01."""
    jo = db.session.scalar(select(User).where(User.email == JO))
    if jo is None or active_enrolment(jo.id, "CCQ", "M01") is None:
        return None
    if db.session.scalar(
        select(Submission.id)
        .where(Submission.candidate_id == jo.id, Submission.module_code == "M01")
        .limit(1)
    ):
        return None
    today = datetime.now(UK).date()
    for title, days_ago, body, refs in JO_M01_EVIDENCE:
        item = add_item(
            jo,
            kind="account",
            title=title,
            activity_date=today - timedelta(days=days_ago),
            context_md="",
            body_md=body,
            anonymised=True,
        )
        for ref in refs:
            map_item(jo, item, criterion_ref=ref, family="CCQ")
    # Jo submits knowing the observed criteria are empty (the review names them; she ticks the box).
    submit_module(
        jo,
        family="CCQ",
        module_code="M01",
        statement_md="My evidence for M01, one account per theme.",
        gaps_confirmed=gaps_confirmation(jo.id, "CCQ", "M01"),
    )
    return "Jo Patel's M01 submission, waiting in Tom Okafor's assessment queue"

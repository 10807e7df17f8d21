"""The read side the assessment rules need: what is waiting, what was released, what came later.

Who holds which role in a cohort (its IQAs, each candidate's assessor) is read from one context:
`qualification.cohorts.queries.cohort_roles`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import DateTime, func, select, type_coerce, union_all
from sqlalchemy.orm import aliased

from assessors.marking.models import Assessment, AssessmentKind, MarkingStatus
from assessors.queue.queries.deadlines import late_counts, overdue_counts
from assessors.queue.rules import (
    NO_CLOSURES,
    closed_days,
    today_uk,
    uk_day,
    working_days_between,
    working_days_waited,
)
from core.accounts.models import User
from core.extensions import db
from modules.study.models import ActivityCompletion, QuizAttempt, ReflectionDraft, StudyLog, StudyPosition
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.evidence.models import EvidenceItem, EvidenceVersion
from portfolio.submissions.models import Submission, SubmissionStatus
from portfolio.submissions.services import active_enrolments, module_criteria
from qualification.booking.models import SessionBooking
from qualification.cohorts.models import CohortClosure, CohortMember, MemberRole
from qualification.membership.queries import break_spans
from qualification.results.queries.report import DATE, DAYS, Column, Loaded, ReportActivity, ReportColumns


def cohort_members(cohort_id: int, role: MemberRole) -> list[User]:
    """The cohort's members in this role (its candidates, its assessors), by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort_id, CohortMember.role == role)
            .order_by(User.name, User.id)
        )
    )


def candidate_rows(model, candidate_id: int, *order_by) -> list:
    """The candidate's rows of a model with a `candidate_id` (observations, sign-offs), in this order."""
    query = select(model).where(model.candidate_id == candidate_id).order_by(*order_by)
    return list(db.session.scalars(query))


# The cohort report's columns and chart events (qualification/results/queries/report.py): each loader takes
# every cohort id at once, so the report across a leader's cohorts costs what one cohort's does.


def _waiting(cohort_ids: Sequence[int]) -> Loaded:
    """Per candidate: submitted attempts not yet decided and released, and the working days the oldest has
    waited since it was sent (three queries: the attempts, the closure days, the breaks in learning)."""
    today, breaks, closed = today_uk(), break_spans(cohort_ids), closures(cohort_ids)
    found: Loaded = {"waiting": {}, "longest_wait": {}}
    for cohort_id, candidate_id, n, oldest in db.session.execute(
        select(
            Submission.cohort_id,
            Submission.candidate_id,
            func.count(Submission.id),
            _raw(func.min(Submission.submitted_at)),
        )
        .where(Submission.cohort_id.in_(cohort_ids), Submission.status == SubmissionStatus.SUBMITTED)
        .group_by(Submission.cohort_id, Submission.candidate_id)
    ):
        found["waiting"][(cohort_id, candidate_id)] = n
        # The queue's clock: the cohort's closure days and the candidate's breaks in learning do not count.
        key = (cohort_id, candidate_id)
        found["longest_wait"][key] = working_days_waited(
            uk_day(oldest), today, closed.get(cohort_id, NO_CLOSURES), breaks.get(key, ())
        )
    return found


def _released(cohort_ids: Sequence[int]) -> Loaded:
    """Per candidate: decisions (on submissions and APL claims) released to them."""
    rows = db.session.execute(
        select(Assessment.cohort_id, Assessment.candidate_id, func.count(Assessment.id))
        .where(Assessment.cohort_id.in_(cohort_ids), Assessment.status == MarkingStatus.RELEASED)
        .group_by(Assessment.cohort_id, Assessment.candidate_id)
    )
    return {"released": {(cohort_id, who): n for cohort_id, who, n in rows}}


def closures(cohort_ids: Sequence[int]) -> dict[int, frozenset[date]]:
    """Each cohort's closure days (one query): like bank holidays, not working days."""
    ranges: dict[int, list[tuple[date, date]]] = {}
    rows = db.session.execute(
        select(CohortClosure.cohort_id, CohortClosure.first_day, CohortClosure.last_day).where(
            CohortClosure.cohort_id.in_(cohort_ids)
        )
    )
    for cohort_id, first, last in rows:
        ranges.setdefault(cohort_id, []).append((first, last))
    return {cohort_id: closed_days(spans) for cohort_id, spans in ranges.items()}


def activity_branches(narrow) -> list:
    """One SELECT (user_id, at) per kind of activity, each narrowed by narrow(who, when) -> condition.

    Activity is what a candidate does with their study or portfolio: opening or finishing an activity, a
    knowledge-check attempt, a saved reflection draft, logged study time, a new evidence version, a submitted
    attempt, an APL claim drafted or sent, a session attended. Signing in alone is not activity.
    """
    sources = [
        (StudyPosition.user_id, StudyPosition.updated_at, None),
        (ActivityCompletion.user_id, ActivityCompletion.completed_at, None),
        (QuizAttempt.user_id, QuizAttempt.submitted_at, None),
        (ReflectionDraft.user_id, ReflectionDraft.updated_at, None),
        (StudyLog.user_id, StudyLog.logged_at, None),
        (EvidenceItem.candidate_id, EvidenceVersion.created_at, (EvidenceVersion.item_id == EvidenceItem.id)),
        (Submission.candidate_id, Submission.submitted_at, None),
        (AplClaim.candidate_id, AplClaim.created_at, None),
        (AplClaim.candidate_id, AplClaim.submitted_at, None),
        (SessionBooking.candidate_id, SessionBooking.attended_at, None),
    ]
    branches = []
    for who, when, joined in sources:
        query = select(who.label("user_id"), when.label("at"))
        if joined is not None:
            query = query.select_from(who.class_).join(when.class_, joined)
        branches.append(query.where(narrow(who, when)))
    return branches


def _last_active(cohort_ids: Sequence[int]) -> Loaded:
    """Per candidate: the UK day of their latest activity (see activity_branches), in one query."""
    candidates = select(CohortMember.user_id).where(
        CohortMember.cohort_id.in_(cohort_ids), CohortMember.role == MemberRole.CANDIDATE
    )
    # Each kind's latest per person first (an index walk per table), then the latest of those: far fewer rows
    # to sort than every moment of every kind (30,000 evidence versions at tier M).
    branches = [
        branch.with_only_columns(who, func.max(when).label("at")).group_by(who)
        for branch in activity_branches(lambda who, when: who.in_(candidates) & when.is_not(None))
        for who, when in [branch.selected_columns]
    ]
    moments = union_all(*branches).subquery()
    latest = (
        select(moments.c.user_id, func.max(moments.c.at).label("at")).group_by(moments.c.user_id).subquery()
    )
    rows = db.session.execute(
        select(CohortMember.cohort_id, CohortMember.user_id, _raw(latest.c.at))
        .join(latest, latest.c.user_id == CohortMember.user_id)
        .where(CohortMember.cohort_id.in_(cohort_ids), CohortMember.role == MemberRole.CANDIDATE)
    )
    return {"last_active": {(cohort_id, who): uk_day(at) for cohort_id, who, at in rows}}


COHORT_REPORT_COUNTS = [
    ReportColumns(
        (
            Column("waiting", "Submissions waiting"),
            Column("longest_wait", "Longest wait (working days)", DAYS),
        ),
        _waiting,
    ),
    ReportColumns((Column("released", "Decisions released"),), _released),
    # Against the module deadlines (each candidate's own, extended when an extension was granted).
    ReportColumns((Column("late", "Modules submitted late"),), late_counts),
    ReportColumns((Column("overdue", "Modules overdue"),), overdue_counts),
    ReportColumns((Column("last_active", "Last activity", DATE),), _last_active),
]


def cohort_activity(cohort_id: int) -> ReportActivity:
    """The cohort's work over time, for the report's charts: what was sent, what was released, and how many
    working days each decision took from sending to the assessor completing it, closure days left out (three
    queries). Times are read raw and turned into UK days by `uk_day`: thousands of rows, one cached lookup
    each."""
    sent = union_all(
        select(Submission.candidate_id, _raw(Submission.submitted_at)).where(
            Submission.cohort_id == cohort_id
        ),
        select(AplClaim.candidate_id, _raw(AplClaim.submitted_at)).where(
            AplClaim.cohort_id == cohort_id, AplClaim.submitted_at.is_not(None)
        ),
    )
    submitted = [(who, uk_day(at)) for who, at in db.session.execute(sent).all()]
    assessor = aliased(User)
    decisions = db.session.execute(
        select(
            Assessment.candidate_id,
            _raw(Assessment.released_at),
            _raw(Assessment.completed_at),
            _raw(func.coalesce(Submission.submitted_at, AplClaim.submitted_at)),
            assessor.name,
        )
        .outerjoin(Submission, Submission.id == Assessment.submission_id)
        .outerjoin(AplClaim, AplClaim.id == Assessment.apl_claim_id)
        .outerjoin(assessor, assessor.id == func.coalesce(Assessment.completed_by_id, Assessment.assessor_id))
        .where(Assessment.cohort_id == cohort_id, Assessment.completed_at.is_not(None))
    ).all()
    closed = closures([cohort_id]).get(cohort_id, NO_CLOSURES)
    return ReportActivity(
        submitted=submitted,
        released=[(who, uk_day(released)) for who, released, *_ in decisions if released is not None],
        turnaround=[
            (who, name or "Former assessor", working_days_between(uk_day(sent_at), uk_day(done), closed))
            for who, _, done, sent_at, name in decisions
            if sent_at is not None
        ],
    )


def _raw(column):
    """A time column as the driver returns it, without UTCDateTime's per-row conversion (see uk_day)."""
    return type_coerce(column, DateTime())


def modules_of(candidate_id: int) -> list[dict]:
    """The candidate's modules now, each with its criteria as (ref, text)."""
    return [
        {
            "family": e.family,
            "code": e.module_code,
            "title": e.module.title,
            "cohort_id": e.cohort_id,
            "criteria": module_criteria(e.module_id),
        }
        for e in active_enrolments(candidate_id)
    ]


def withdrawn_subject(assessment: Assessment) -> bool:
    """Whether the candidate withdrew the attempt this judgement is of (they may, until it is released)."""
    if assessment.kind != AssessmentKind.SUBMISSION:
        return False
    status = db.session.scalar(select(Submission.status).where(Submission.id == assessment.submission_id))
    return status == SubmissionStatus.WITHDRAWN


def later_work(assessment: Assessment) -> str | None:
    """What the candidate sent after this decision on the same work ("attempt 2", "round 2"), if anything."""
    if assessment.kind == AssessmentKind.SUBMISSION:
        submission = db.session.get(Submission, assessment.submission_id)
        later = db.session.scalar(
            select(func.max(Submission.attempt)).where(
                Submission.candidate_id == submission.candidate_id,
                Submission.family == submission.family,
                Submission.module_code == submission.module_code,
                Submission.attempt > submission.attempt,
            )
        )
        return f"attempt {later} of {assessment.module_code}" if later else None
    later = db.session.scalar(
        select(func.max(Assessment.round)).where(
            Assessment.apl_claim_id == assessment.apl_claim_id, Assessment.round > assessment.round
        )
    )
    if later:
        return f"round {later} of this claim"
    claim = db.session.get(AplClaim, assessment.apl_claim_id)
    # "More evidence" released, and the claim already sent again (waiting for its next round).
    if claim is not None and claim.status == AplStatus.SUBMITTED:
        return "this claim again with more evidence"
    return None

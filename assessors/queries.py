"""The read side the assessment rules need: what is waiting, what was released, what came later.

Who holds which role in a cohort (its IQAs, each candidate's assessor) is read from one context:
`qualification.cohorts.queries.cohort_roles`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time

from sqlalchemy import Date, DateTime, Integer, case, cast, func, select, type_coerce, union_all
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
from core.db.paging import keyset_filter
from core.extensions import db
from modules.study.models import ActivityCompletion, QuizAttempt, ReflectionDraft, StudyLog, StudyPosition
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.evidence.models import EvidenceItem, EvidenceVersion
from portfolio.submissions.models import Submission, SubmissionStatus
from portfolio.submissions.services import active_enrolments, module_criteria
from qualification.booking.models import SessionBooking
from qualification.cohorts.models import CohortClosure, CohortMember, MemberRole
from qualification.membership.queries import break_spans
from qualification.results.queries.report import (
    DATE,
    DAYS,
    Candidates,
    Column,
    Loaded,
    ReportActivity,
    ReportColumns,
)


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
# every cohort id at once, so the report across a leader's cohorts costs what one cohort's does, and the
# candidates (ids or a query of them; None: every one), so a page of the report reads its candidates' rows.


def _mine(column, candidates: Candidates) -> list:
    return [] if candidates is None else [column.in_(candidates)]


def _waiting(cohort_ids: Sequence[int], candidates: Candidates = None) -> Loaded:
    """Per candidate: submitted attempts not yet decided and released, and the working days the oldest has
    waited since it was sent (three queries: the attempts, the closure days, the breaks in learning)."""
    today, breaks, closed = today_uk(), break_spans(cohort_ids, candidates), closures(cohort_ids)
    found: Loaded = {"waiting": {}, "longest_wait": {}}
    for cohort_id, candidate_id, n, oldest in db.session.execute(
        select(
            Submission.cohort_id,
            Submission.candidate_id,
            func.count(Submission.id),
            _raw(func.min(Submission.submitted_at)),
        )
        .where(
            Submission.cohort_id.in_(cohort_ids),
            Submission.status == SubmissionStatus.SUBMITTED,
            *_mine(Submission.candidate_id, candidates),
        )
        .group_by(Submission.cohort_id, Submission.candidate_id)
    ):
        found["waiting"][(cohort_id, candidate_id)] = n
        # The queue's clock: the cohort's closure days and the candidate's breaks in learning do not count.
        key = (cohort_id, candidate_id)
        found["longest_wait"][key] = working_days_waited(
            uk_day(oldest), today, closed.get(cohort_id, NO_CLOSURES), breaks.get(key, ())
        )
    return found


def _released_where(cohort_ids: Sequence[int], candidates: Candidates) -> list:
    return [
        Assessment.cohort_id.in_(cohort_ids),
        Assessment.status == MarkingStatus.RELEASED,
        *_mine(Assessment.candidate_id, candidates),
    ]


def _released(cohort_ids: Sequence[int], candidates: Candidates = None) -> Loaded:
    """Per candidate: decisions (on submissions and APL claims) released to them."""
    rows = db.session.execute(
        select(Assessment.cohort_id, Assessment.candidate_id, func.count(Assessment.id))
        .where(*_released_where(cohort_ids, candidates))
        .group_by(Assessment.cohort_id, Assessment.candidate_id)
    )
    return {"released": {(cohort_id, who): n for cohort_id, who, n in rows}}


def _released_total(cohort_ids: Sequence[int], candidates: Candidates) -> dict[str, object]:
    """Decisions released to the candidates, in all (one count)."""
    query = select(func.count(Assessment.id)).where(*_released_where(cohort_ids, candidates))
    return {"released": db.session.scalar(query) or 0}


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


def _cohort_candidates(cohort_ids: Sequence[int], candidates: Candidates):
    return select(CohortMember.user_id).where(
        CohortMember.cohort_id.in_(cohort_ids),
        CohortMember.role == MemberRole.CANDIDATE,
        *_mine(CohortMember.user_id, candidates),
    )


def _last_active_total(cohort_ids: Sequence[int], candidates: Candidates) -> dict[str, object]:
    """The UK day of the latest activity of any of the candidates (one query: each kind's newest moment of
    a kept candidate, read backwards along the index on the moment, so it stops at the first row that
    belongs to a kept candidate instead of reading the table: 30,000 evidence versions at tier M). A filter
    that keeps a few candidates who stopped long ago reads further back, at worst the whole index."""
    people = _cohort_candidates(cohort_ids, candidates)
    # keyset_filter: the kept candidates are a test on each row read, never the way in (SQLite would find
    # every kept candidate's rows by the candidate and sort them all; PostgreSQL expects them to be most).
    newest = [
        select(branch.with_only_columns(when.label("at")).order_by(when.desc()).limit(1).subquery().c.at)
        for branch in activity_branches(lambda who, when: keyset_filter(who.in_(people)) & when.is_not(None))
        for _, when in [branch.selected_columns]
    ]
    moments = union_all(*newest).subquery()
    latest = db.session.scalar(select(_raw(func.max(moments.c.at))))
    return {"last_active": None if latest is None else uk_day(latest)}


def _last_active(cohort_ids: Sequence[int], candidates: Candidates = None) -> Loaded:
    """Per candidate: the UK day of their latest activity (see activity_branches), in one query."""
    if candidates is None:
        return _everyones_last_active(cohort_ids)
    # A page's (or a download chunk's) candidates: each kind's latest per candidate is an index probe by the
    # candidate (a correlated max), so the cost follows the candidates asked for, not the tables' size (the
    # grouped union below read every table whole on PostgreSQL: 40 ms for a page of 200 at tier M).
    member = CohortMember.user_id
    latest = [
        _raw(branch.with_only_columns(func.max(when)).scalar_subquery())
        for branch in activity_branches(lambda who, when: (who == member) & when.is_not(None))
        for _, when in [branch.selected_columns]
    ]
    rows = db.session.execute(
        select(CohortMember.cohort_id, member, *latest).where(
            CohortMember.cohort_id.in_(cohort_ids),
            CohortMember.role == MemberRole.CANDIDATE,
            member.in_(candidates),
        )
    )
    found = {}
    for cohort_id, who, *moments in rows:
        at = max((m for m in moments if m is not None), default=None)
        if at is not None:
            found[(cohort_id, who)] = uk_day(at)
    return {"last_active": found}


def _everyones_last_active(cohort_ids: Sequence[int]) -> Loaded:
    """Every candidate's latest activity in the cohorts (the report across cohorts): one grouped union."""
    candidates = _cohort_candidates(cohort_ids, None)
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
    ReportColumns((Column("released", "Decisions released"),), _released, _released_total),
    # Against the module deadlines (each candidate's own, extended when an extension was granted).
    ReportColumns((Column("late", "Modules submitted late"),), late_counts),
    ReportColumns((Column("overdue", "Modules overdue"),), overdue_counts),
    ReportColumns((Column("last_active", "Last activity", DATE),), _last_active, _last_active_total),
]


def cohort_activity(cohort_id: int, candidates: Candidates = None) -> ReportActivity:
    """The work of the cohort's candidates (those given, else every one) over time, for the report's charts,
    counted in the database (four queries, a few hundred rows whatever the cohort's size): what was sent and
    what was released per UK day, and how many decisions each assessor took so many working days over, from
    sending to completing them, closure days left out. Moments are counted per UTC day and hour, which says
    the UK day (`uk_day`); for the turnaround per UTC day and "the last hour or not" (the UK is UTC or an
    hour ahead, changing at 01:00 UTC), so each decision's two days come from a few thousand groups."""
    sent = union_all(
        select(_raw(Submission.submitted_at).label("at")).where(
            Submission.cohort_id == cohort_id, *_mine(Submission.candidate_id, candidates)
        ),
        select(_raw(AplClaim.submitted_at).label("at")).where(
            AplClaim.cohort_id == cohort_id,
            AplClaim.submitted_at.is_not(None),
            *_mine(AplClaim.candidate_id, candidates),
        ),
    ).subquery()
    decided = [
        Assessment.cohort_id == cohort_id,
        Assessment.completed_at.is_not(None),
        *_mine(Assessment.candidate_id, candidates),
    ]
    released = _raw(Assessment.released_at)
    assessor = aliased(User)
    sent_at = _raw(func.coalesce(Submission.submitted_at, AplClaim.submitted_at))
    done_at = _raw(Assessment.completed_at)
    turnaround = (
        select(
            assessor.name,
            *_day_and_hour(sent_at, late=True),
            *_day_and_hour(done_at, late=True),
            func.count(),
        )
        .select_from(Assessment)
        .outerjoin(Submission, Submission.id == Assessment.submission_id)
        .outerjoin(AplClaim, AplClaim.id == Assessment.apl_claim_id)
        .outerjoin(assessor, assessor.id == func.coalesce(Assessment.completed_by_id, Assessment.assessor_id))
        .where(*decided, sent_at.is_not(None))
    )
    closed = closures([cohort_id]).get(cohort_id, NO_CLOSURES)
    took: Counter[tuple[str, int]] = Counter()
    for name, sent_day, sent_hour, done_day, done_hour, n in db.session.execute(
        turnaround.group_by(*turnaround.selected_columns[:-1])
    ):
        start, end = _uk(sent_day, sent_hour), _uk(done_day, done_hour)
        took[(name or "Former assessor", working_days_between(start, end, closed))] += n
    return ReportActivity(
        submitted=_per_uk_day(sent.c.at),
        released=_per_uk_day(released, *decided, released.is_not(None)),
        turnaround=[(name, days, n) for (name, days), n in took.items()],
    )


def _day_and_hour(moment, *, late: bool = False) -> tuple:
    """SQL: a stored moment's UTC date and hour (with `late`: 23 for the day's last hour, else 0)."""
    if db.engine.dialect.name == "postgresql":
        utc = func.timezone("UTC", moment)
        day, hour = type_coerce(cast(utc, Date), Date), cast(func.extract("hour", utc), Integer)
    else:
        # SQLAlchemy stores a moment as text, "YYYY-MM-DD HH:MM:SS.ffffff" in UTC: its date and hour are
        # prefixes of it, cut out ~4 times faster than date() and strftime() parse it (130,000 submissions a
        # report at tier L).
        day, hour = type_coerce(func.substr(moment, 1, 10), Date), cast(func.substr(moment, 12, 2), Integer)
    return (day, case((hour == 23, 23), else_=0) if late else hour)


def _uk(day: date, hour: int) -> date:
    return uk_day(datetime.combine(day, time(hour)))


def _per_uk_day(moment, *where) -> Counter[date]:
    """UK day -> how many of the moments fell on it (one GROUP BY per UTC day and hour)."""
    buckets = _day_and_hour(moment)
    query = select(*buckets, func.count()).where(*where).group_by(*buckets)
    counts: Counter[date] = Counter()
    for day, hour, n in db.session.execute(query):
        if day is not None:
            counts[_uk(day, hour)] += n
    return counts


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

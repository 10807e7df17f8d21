"""The assessor's queue: everything waiting for them, as one keyset-paged list (a fixed number of queries).

Three kinds of work are merged with UNION ALL: submitted attempts of the candidates allocated to the assessor
(not started, being marked, or returned by the IQA), submitted APL claims of those candidates that no round
has decided yet, and observations the assessor has planned and still has to write up. Each branch is already
filtered, ordered and limited on the page key (waiting_since, kind, id), so a page reads at most
`PAGE_SIZE + 1` rows of each branch and never scans with OFFSET, however long the queue.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from assessors.models import QUEUE_STATES, Assessment, MarkingState, Observation, ObservationState
from assessors.turnaround import DEFAULT_TARGET, days_waited, due_date, is_overdue, overdue_cutoff
from core.accounts.models import User
from core.extensions import db
from core.timeutil import UTCDateTime
from portfolio.models import AplClaim, AplStatus, Submission, SubmissionStatus
from qualification.models import AssessorAllocation, Cohort, CohortMember, MemberRole, VersionModule

PAGE_SIZE = 50
KIND_LABELS = {
    "submission": "Submission",
    "resubmission": "Resubmission",
    "iqa_return": "IQA return",
    "apl": "APL claim",
    "apl_return": "APL claim, IQA return",
    "observation": "Observation to write up",
}
# What the kind filter offers, and the row kinds each choice covers.
KIND_FILTERS = {
    "submission": ("submission",),
    "resubmission": ("resubmission",),
    "iqa_return": ("iqa_return", "apl_return"),
    "apl": ("apl", "apl_return"),
    "observation": ("observation",),
}
DECIDED = (MarkingState.MARKING_COMPLETE, MarkingState.IN_IQA_REVIEW, MarkingState.READY_FOR_RELEASE)


@dataclass(frozen=True)
class QueueFilters:
    cohort_id: int | None = None
    module_code: str | None = None
    kind: str | None = None  # a key of KIND_FILTERS
    overdue: bool = False
    newest_first: bool = False


@dataclass(frozen=True)
class Cursor:
    waiting_since: datetime
    kind: str
    id: int
    backwards: bool = False  # "Previous": the page that ends just before this key


@dataclass
class QueueRow:
    kind: str
    id: int
    candidate_name: str
    cohort_id: int | None
    cohort_name: str
    module_code: str
    waiting_since: datetime
    attempt: int | None
    assessment_id: int | None
    state: str | None
    target: int
    waited: int
    due: date
    overdue: bool

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class QueuePage:
    rows: list[QueueRow] = field(default_factory=list)
    next_cursor: str | None = None
    prev_cursor: str | None = None


def encode_cursor(cursor: Cursor) -> str:
    """The page key as an opaque link parameter (tampering only ever changes the asker's own view)."""
    raw = json.dumps(
        [cursor.waiting_since.isoformat(), cursor.kind, cursor.id, int(cursor.backwards)],
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str | None) -> Cursor | None:
    """The cursor in a link, or None when there is none or it was tampered with (the first page then)."""
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        when, kind, ident, backwards = json.loads(raw)
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None or kind not in KIND_LABELS or not isinstance(ident, int):
            return None
        return Cursor(moment, kind, ident, bool(backwards))
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        return None


# The SQL ------------------------------------------------------------------------------------------------


def _uk_start_of_day(day_column):
    """SQL for midnight UK time at the start of a DATE column, as a stored UTC datetime."""
    if db.engine.dialect.name == "postgresql":
        return func.timezone("Europe/London", cast(day_column, db.DateTime))
    # SQLite has no time zones: British Summer Time runs from the last Sunday of March to the last Sunday
    # of October (both on or after the 25th), and the clocks change after midnight on those Sundays.
    year = func.substr(day_column, 1, 4, type_=String)
    bst = and_(
        day_column > func.date(year + "-03-25", "weekday 0"),
        day_column <= func.date(year + "-10-25", "weekday 0"),
    )
    stored = "%Y-%m-%d %H:%M:%S.000000"  # how SQLAlchemy stores DateTime in SQLite
    return case((bst, func.strftime(stored, day_column, "-1 hour")), else_=func.strftime(stored, day_column))


def _allocated(assessor_id: int, cohort_col, candidate_col):
    """SQL: the candidate is allocated to this assessor in the cohort."""
    return exists().where(
        AssessorAllocation.assessor_id == assessor_id,
        AssessorAllocation.cohort_id == cohort_col,
        AssessorAllocation.candidate_id == candidate_col,
    )


def _mine_ready(assessor_id: int):
    """SQL: a decision on one of the assessor's candidates, ready for release (its attempt not withdrawn)."""
    withdrawn = Submission.status == SubmissionStatus.WITHDRAWN
    return and_(
        Assessment.state == MarkingState.READY_FOR_RELEASE,
        _allocated(assessor_id, Assessment.cohort_id, Assessment.candidate_id),
        ~exists().where(Submission.id == Assessment.submission_id, withdrawn),
    )


def _late(cohort_col, waiting, cutoffs: dict[int | None, datetime]):
    """SQL: the row has waited past its cohort's turnaround target (each cohort has its own cutoff)."""
    late = [
        and_(cohort_col.is_(None) if cid is None else cohort_col == cid, waiting < moment)
        for cid, moment in cutoffs.items()
    ]
    return or_(*late) if late else false()


def _paged(query, key, filters: QueueFilters, cursor: Cursor | None, cutoffs: dict[int | None, datetime]):
    """Filter, order and limit one branch on the page key (waiting_since, kind, id)."""
    waiting, kind, ident, cohort_col = key
    if filters.overdue:
        query = query.where(_late(cohort_col, waiting, cutoffs))
    descending = filters.newest_first != bool(cursor and cursor.backwards)
    if cursor is not None:
        at, kind_at, id_at = cursor.waiting_since, cursor.kind, cursor.id
        mark = tuple_(literal(at, UTCDateTime), literal(kind_at, String), literal(id_at, Integer))
        row = tuple_(waiting, kind, ident)
        query = query.where(row < mark if descending else row > mark)
    order = (waiting.desc(), kind.desc(), ident.desc()) if descending else (waiting, kind, ident)
    return query.order_by(*order).limit(PAGE_SIZE + 1).subquery()


_COLUMNS = "kind id candidate_id cohort_id module_code waiting_since attempt assessment_id state".split()  # noqa: SIM905


def _columns(*columns):
    """Every branch's columns, in the same order and under the same names."""
    return [c.label(name) for c, name in zip(columns, _COLUMNS, strict=True)]


def _sources(assessor_id: int, filters: QueueFilters):
    """Each kind of work as (query, (waiting, kind, id, cohort)), filtered by cohort, module and kind."""
    wanted = set(KIND_FILTERS[filters.kind]) if filters.kind else set(KIND_LABELS)
    found = []
    if wanted & {"submission", "resubmission", "iqa_return"}:
        a = aliased(Assessment)
        kind = case(
            (a.returned_by_iqa.is_(True), "iqa_return"),
            (Submission.attempt > 1, "resubmission"),
            else_="submission",
        )
        waiting = type_coerce(func.coalesce(a.waiting_since, Submission.submitted_at), UTCDateTime)
        s = Submission
        query = (
            select(
                *_columns(
                    kind, s.id, s.candidate_id, s.cohort_id, s.module_code, waiting, s.attempt, a.id, a.state
                )
            )
            .outerjoin(a, a.submission_id == s.id)
            .where(
                _allocated(assessor_id, s.cohort_id, s.candidate_id),
                s.status == SubmissionStatus.SUBMITTED,
                or_(a.id.is_(None), a.state.in_(QUEUE_STATES)),
            )
        )
        found.append((query, (waiting, kind, s.id, s.cohort_id), s.module_code))
    if wanted & {"apl", "apl_return"}:
        a = aliased(Assessment)
        decided = aliased(Assessment)
        kind = case((a.returned_by_iqa.is_(True), "apl_return"), else_="apl")
        waiting = type_coerce(func.coalesce(a.waiting_since, AplClaim.submitted_at), UTCDateTime)
        c = AplClaim
        query = (
            select(
                *_columns(
                    kind, c.id, c.claimant_id, c.cohort_id, c.module_code, waiting, a.round, a.id, a.state
                )
            )
            # At most one round of a claim is open at a time (start_claim_marking reuses it).
            .outerjoin(a, and_(a.apl_claim_id == c.id, a.state.in_(QUEUE_STATES)))
            .where(
                _allocated(assessor_id, c.cohort_id, c.claimant_id),
                c.status == AplStatus.SUBMITTED,
                ~exists().where(decided.apl_claim_id == c.id, decided.state.in_(DECIDED)),
            )
        )
        found.append((query, (waiting, kind, c.id, c.cohort_id), c.module_code))
    if "observation" in wanted:
        kind = literal("observation", String)
        waiting = type_coerce(_uk_start_of_day(Observation.planned_for), UTCDateTime)
        o = Observation
        none = cast(null(), Integer)  # typed, or PostgreSQL cannot match it with the other branches
        query = select(
            *_columns(kind, o.id, o.candidate_id, o.cohort_id, o.module_code, waiting, none, none, o.state)
        ).where(o.assessor_id == assessor_id, o.state == ObservationState.PLANNED)
        found.append((query, (waiting, kind, o.id, o.cohort_id), o.module_code))
    filtered = []
    for query, key, module in found:
        if filters.cohort_id is not None:
            query = query.where(key[3] == filters.cohort_id)
        if filters.module_code:
            query = query.where(module == filters.module_code)
        if filters.kind:
            query = query.where(key[1].in_(KIND_FILTERS[filters.kind]))
        filtered.append((query, key))
    return filtered


def assessor_cohorts(assessor_id: int) -> list[Cohort]:
    """The cohorts whose work can reach this assessor: allocations and cohort staff (one query)."""
    allocated = select(AssessorAllocation.cohort_id).where(AssessorAllocation.assessor_id == assessor_id)
    staff = select(CohortMember.cohort_id).where(
        CohortMember.user_id == assessor_id, CohortMember.role == MemberRole.ASSESSOR
    )
    return list(
        db.session.scalars(
            select(Cohort).where(or_(Cohort.id.in_(allocated), Cohort.id.in_(staff))).order_by(Cohort.name)
        )
    )


def module_codes(cohorts: list[Cohort]) -> list[str]:
    """The module codes of these cohorts' qualification versions (one query), for the filter."""
    if not cohorts:
        return []
    return list(
        db.session.scalars(
            select(VersionModule.code)
            .where(VersionModule.version_id.in_({c.version_id for c in cohorts}))
            .distinct()
            .order_by(VersionModule.code)
        )
    )


def _targets(cohorts: list[Cohort]) -> dict[int | None, int]:
    targets: dict[int | None, int] = {c.id: c.turnaround_days for c in cohorts}
    targets[None] = DEFAULT_TARGET  # work whose cohort was deleted
    return targets


def queue_counts(assessor_id: int, cohorts: list[Cohort], today: date) -> tuple[int, int]:
    """How many items wait for the assessor, and how many of them are overdue (one query)."""
    cutoffs = {cid: overdue_cutoff(days, today) for cid, days in _targets(cohorts).items()}
    merged = union_all(
        *[
            query.with_only_columns(key[0].label("waiting_since"), key[3].label("cohort_id"))
            for query, key in _sources(assessor_id, QueueFilters())
        ]
    ).subquery()
    waiting = type_coerce(merged.c.waiting_since, UTCDateTime)
    late = case((_late(merged.c.cohort_id, waiting, cutoffs), 1), else_=0)
    total, overdue = db.session.execute(
        select(func.count(), func.coalesce(func.sum(late), 0)).select_from(merged)
    ).one()
    return total, overdue


def ready_decisions(assessor_id: int, limit: int = 200) -> list[tuple[Assessment, str]]:
    """Decisions on the assessor's candidates ready for release, with the candidate's name, oldest first."""
    return [
        (assessment, name)
        for assessment, name in db.session.execute(
            select(Assessment, User.name)
            .join(User, User.id == Assessment.candidate_id)
            .where(_mine_ready(assessor_id))
            .order_by(Assessment.completed_at, Assessment.id)
            .limit(limit)
        )
    ]


def ready_count(assessor_id: int) -> int:
    """How many of the assessor's decisions are ready for release (one query)."""
    return db.session.scalar(select(func.count()).select_from(Assessment).where(_mine_ready(assessor_id)))


def queue_page(
    assessor_id: int, cohorts: list[Cohort], filters: QueueFilters, cursor: Cursor | None, today: date
) -> QueuePage:
    """One page of the assessor's queue (one query), with the days each item has waited."""
    targets = _targets(cohorts)
    cutoffs = {cid: overdue_cutoff(days, today) for cid, days in targets.items()}
    branches = [_paged(q, key, filters, cursor, cutoffs) for q, key in _sources(assessor_id, filters)]
    if not branches:
        return QueuePage()
    merged = union_all(*[select(b) for b in branches]).subquery()
    waiting = type_coerce(merged.c.waiting_since, UTCDateTime)
    descending = filters.newest_first != bool(cursor and cursor.backwards)
    keys = (waiting, merged.c.kind, merged.c.id)
    order = [k.desc() for k in keys] if descending else list(keys)
    rows = db.session.execute(
        select(
            merged,
            waiting.label("waiting_at"),
            User.name.label("candidate_name"),
            Cohort.name.label("cohort"),
        )
        .join(User, User.id == merged.c.candidate_id)
        .outerjoin(Cohort, Cohort.id == merged.c.cohort_id)
        .order_by(*order)
        .limit(PAGE_SIZE + 1)
    ).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if cursor is not None and cursor.backwards:
        rows.reverse()
    page = QueuePage(rows=[_row(r, targets, today) for r in rows])
    if page.rows:
        first, last = page.rows[0], page.rows[-1]
        going_back = cursor is not None and cursor.backwards
        if more or going_back:
            page.next_cursor = encode_cursor(Cursor(last.waiting_since, last.kind, last.id))
        if cursor is not None and (more or not going_back):
            page.prev_cursor = encode_cursor(Cursor(first.waiting_since, first.kind, first.id, True))
    return page


def _row(r, targets: dict[int | None, int], today: date) -> QueueRow:
    target = targets.get(r.cohort_id, DEFAULT_TARGET)
    return QueueRow(
        kind=r.kind,
        id=r.id,
        candidate_name=r.candidate_name,
        cohort_id=r.cohort_id,
        cohort_name=r.cohort or "",
        module_code=r.module_code,
        waiting_since=r.waiting_at,
        attempt=r.attempt,
        assessment_id=r.assessment_id,
        state=r.state,
        target=target,
        waited=days_waited(r.waiting_at, today),
        due=due_date(r.waiting_at, target),
        overdue=is_overdue(r.waiting_at, target, today),
    )

"""B2 (IDOR) support: every row of a victim's world (theirs, or their cohort's), read table by table, so a
sweep can compare before and after each request and report any table a request changed.

Used by tests/cross/idor/test_route_sweep.py and tests/cross/idor/test_staff_and_crawl.py with the objects
tests/cross/idor/world.py builds.
No test functions live here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Table, or_, select

from core.extensions import db
from modules.study.models import DraftRecovery, ReflectionDraft
from qualification.cohorts.models import CohortMember, CohortSession

if TYPE_CHECKING:
    from tests.cross.idor.world import Objects

_USER_COLUMNS = ("user_id", "candidate_id", "author_id", "reporter_id")
_OWN_TABLES = {
    "users": "user",
    "cohorts": "cohort",
    "evidence_items": "items",
    "evidence_versions": "versions",
    "submissions": "submissions",
    "apl_claims": "claims",
    "forums": "forums",
    "forum_threads": "threads",
    "forum_posts": "posts",
    "cohort_sessions": "sessions",
    "cohort_members": "members",
    "reflection_drafts": "drafts",
    "draft_recoveries": "recoveries",
}
_PARENT_COLUMNS = {
    "cohort_id": "cohort",
    "session_id": "sessions",
    "forum_id": "forums",
    "thread_id": "threads",
    "post_id": "posts",
    "item_id": "items",
    "draft_id": "drafts",
    "submission_id": "submissions",
    "claim_id": "claims",
    "member_id": "members",
}


def victim_ids(objects: Objects) -> dict[str, set[int]]:
    """Every id that makes a row part of the victim's world: theirs, or their cohort's."""
    from portfolio.apl.models import AplClaim
    from portfolio.evidence.models import EvidenceItem, EvidenceVersion
    from portfolio.submissions.models import Submission
    from qualification.forums.models import Forum, Post, Thread

    uid, cid = objects.user_id, objects.cohort_id

    def ids(query) -> set[int]:
        return set(db.session.scalars(query))

    forums = ids(select(Forum.id).where(Forum.cohort_id == cid))
    threads = ids(select(Thread.id).where(or_(Thread.forum_id.in_(forums), Thread.author_id == uid)))
    items = ids(select(EvidenceItem.id).where(EvidenceItem.candidate_id == uid))
    drafts = ids(select(ReflectionDraft.id).where(ReflectionDraft.user_id == uid))
    return {
        "user": {uid},
        "cohort": {cid},
        "sessions": ids(select(CohortSession.id).where(CohortSession.cohort_id == cid)),
        "members": ids(select(CohortMember.id).where(CohortMember.cohort_id == cid)),
        "forums": forums,
        "threads": threads,
        "posts": ids(select(Post.id).where(or_(Post.thread_id.in_(threads), Post.author_id == uid))),
        "items": items,
        "versions": ids(select(EvidenceVersion.id).where(EvidenceVersion.item_id.in_(items))),
        "drafts": drafts,
        "recoveries": ids(select(DraftRecovery.id).where(DraftRecovery.draft_id.in_(drafts))),
        "submissions": ids(select(Submission.id).where(Submission.candidate_id == uid)),
        "claims": ids(select(AplClaim.id).where(AplClaim.candidate_id == uid)),
    }


def _conditions(table: Table, ids: dict[str, set[int]], email: str):
    cols = table.c
    found = []
    if table.name in _OWN_TABLES:
        found.append(cols.id.in_(ids[_OWN_TABLES[table.name]]))
    found += [cols[name] == next(iter(ids["user"])) for name in _USER_COLUMNS if name in cols]
    found += [cols[name].in_(ids[kind]) for name, kind in _PARENT_COLUMNS.items() if name in cols]
    if table.name in ("submission_entries", "apl_evidence"):
        found.append(cols.version_id.in_(ids["versions"]))
    if table.name == "outbox_messages":
        found.append(cols.to_address == email)
    return found


def victim_rows(objects: Objects, ids: dict[str, set[int]]) -> dict[str, list[tuple]]:
    """Every row of the victim's world, table by table (read in an app context)."""
    snapshot = {}
    for table in db.metadata.sorted_tables:
        conditions = _conditions(table, ids, objects.email)
        if conditions:
            rows = db.session.execute(
                select(table).where(or_(*conditions)).order_by(*table.primary_key.columns)
            )
            snapshot[table.name] = [tuple(r) for r in rows]
    return snapshot

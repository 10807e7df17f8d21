"""Evidence items: adding, editing (a new immutable version each time), tagging, confirming anonymisation,
deleting, and turning a finished reflective task into a written account.

Every service checks the candidate acts on their own item, writes an audit row and flushes; the request
commits. Versions are never changed or removed: submissions and witness testimonies point at them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import select

from core.db.timeutil import UK, utcnow
from core.errors import EditConflict, ValidationFailed, require
from core.extensions import db
from core.validation import errors_of, web_address_problem
from portfolio.evidence.models import EvidenceItem, EvidenceTag, EvidenceVersion, ItemKind
from portfolio.evidence.rules import (
    BODY,
    CONTEXT,
    MAX_BODY,
    MAX_TITLE,
    MAX_URL,
    SOURCE,
    TITLE,
    URL_PROBLEMS,
    date_problem,
    parse_tag,
)
from portfolio.mapping.queries import submissions_holding
from portfolio.mapping.services import DENIED, available_criteria, map_item, map_item_to_many
from portfolio.permissions import can_edit_item, can_revise_item, can_use_portfolio
from portfolio.services import audit_candidate as _audit
from qualification.membership.queries import require_writable

# Observation records and witness testimonies are written by assessors and witnesses (the assessor issue).
CANDIDATE_KINDS = (ItemKind.FILE, ItemKind.ACCOUNT, ItemKind.LINK, ItemKind.DISCUSSION)
STALE = (
    "This item changed since you opened it (it is now at version {number}), so your edit was not saved. "
    "Your text is still in the form: check the latest version, then save again."
)


@dataclass(frozen=True)
class Content:
    """A version's content, checked."""

    title: str
    activity_date: date
    context_md: str
    body_md: str
    url: str | None
    blob_sha256: str | None
    file_name: str | None

    def fields(self, kind: str) -> dict:
        return {
            "kind": kind,
            "title": self.title,
            "activity_date": self.activity_date.isoformat(),
            "context": self.context_md,
            "body": self.body_md,
            "url": self.url,
            "blob": self.blob_sha256,
        }


def content_hash(kind: str, content: Content) -> str:
    """SHA-256 of the canonical JSON of a version's content: what snapshots and testimonies are bound to."""
    canonical = json.dumps(content.fields(kind), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _file_of(kind: str, upload, keep) -> tuple[str | None, str | None, str | None]:
    """(blob hash, file name, problem) of a file item: the new upload, else the file it already had."""
    if kind != ItemKind.FILE:
        return None, None, None
    if upload is not None:
        return upload.sha256, (upload.name or "file")[:255], None
    if keep is not None and keep.blob_sha256:
        return keep.blob_sha256, keep.file_name, None
    return None, None, "Choose a file to upload."


def _checked(kind: str, *, title, activity_date, context_md, body_md, url, upload, keep=None) -> Content:
    """The content with every rule applied; all problems at once as ValidationFailed."""
    title, context_md = (title or "").strip(), (context_md or "").strip()
    body_md = (body_md or "").strip() if kind in BODY else ""
    url = (url or "").strip() if kind == ItemKind.LINK else ""
    blob_sha256, file_name, file_problem = _file_of(kind, upload, keep)
    errors = errors_of(
        title=TITLE(title),
        activity_date=date_problem(activity_date, datetime.now(UK).date()),
        context_md=CONTEXT(context_md),
        body_md=BODY[kind](body_md) if kind in BODY else None,
        url=URL_PROBLEMS.get(web_address_problem(url, MAX_URL)) if kind == ItemKind.LINK else None,
        file=file_problem,
    )
    if errors:
        raise ValidationFailed(errors)
    return Content(title, activity_date, context_md, body_md, url or None, blob_sha256, file_name)


def _tag_pairs(tags: Iterable) -> list[tuple[str, str]]:
    pairs = []
    for tag in tags or ():
        pair = parse_tag(tag) if isinstance(tag, str) else parse_tag(f"{tag[0]}:{tag[1]}")
        if pair is None:
            raise ValidationFailed({"tags": "Choose tags from the lists shown."})
        if pair not in pairs:
            pairs.append(pair)
    return pairs


def _version(item: EvidenceItem, number: int, content: Content, actor) -> EvidenceVersion:
    version = EvidenceVersion(
        number=number,
        **asdict(content),  # the content's fields are the version's columns of the same names
        content_hash=content_hash(item.kind, content),
        created_by_id=actor.id,
    )
    item.versions.append(version)
    item.current = version
    return version


def _create(actor, kind: str, content: Content, tags, *, anonymised: bool, source: str | None):
    item = EvidenceItem(candidate_id=actor.id, kind=kind, anonymised_at=utcnow() if anonymised else None)
    item.tags = [EvidenceTag(framework=f, tag=t) for f, t in tags]
    if source:
        item.tags.append(EvidenceTag(framework=SOURCE, tag=source))
    db.session.add(item)
    version = _version(item, 1, content, actor)
    db.session.flush()
    _audit(
        "evidence_added",
        actor,
        item,
        kind=kind,
        title=content.title,
        version=1,
        content_hash=version.content_hash,
        blob=content.blob_sha256,
        tags=[f"{f}:{t}" for f, t in tags],
        anonymised=anonymised,
        source=source,
    )
    return item


def add_item(
    actor,
    *,
    kind: str,
    title: str,
    activity_date: date | None,
    context_md: str,
    body_md: str | None = None,
    url: str | None = None,
    upload=None,
    tags: Iterable = (),
    anonymised: bool = False,
    for_criteria: Iterable[str] = (),
) -> EvidenceItem:
    """Add an item to the actor's portfolio with its version 1 (`upload`: a StoredFile from accept_upload),
    mapped to the criteria it was added for (form values "CCQ/M01.1.3", from the gap view's links)."""
    require(can_use_portfolio(actor), "Only candidates keep a portfolio.")
    require_writable(actor)
    if kind not in CANDIDATE_KINDS:
        raise ValidationFailed({"kind": "Choose a file, a written account, a link or a discussion record."})
    content = _checked(
        kind,
        title=title,
        activity_date=activity_date,
        context_md=context_md,
        body_md=body_md,
        url=url,
        upload=upload,
    )
    pairs = _tag_pairs(tags)
    item = _create(actor, kind, content, pairs, anonymised=anonymised, source=None)
    if for_criteria:
        map_item_to_many(actor, item, criteria=list(for_criteria))
    return item


def update_item(
    actor,
    item: EvidenceItem,
    *,
    expected_version: int | None,
    title: str,
    activity_date: date | None,
    context_md: str,
    body_md: str | None = None,
    url: str | None = None,
    upload=None,
    anonymised: bool = False,
) -> EvidenceVersion | None:
    """Save an edit as version n+1 (None if nothing changed); EditConflict unless n is `expected_version`."""
    require(can_revise_item(actor, item), DENIED)
    require_writable(actor)
    # Locks the item (PostgreSQL) so two tabs cannot both add version n+1.
    db.session.refresh(item, with_for_update=True)
    current = item.current
    if current is None or expected_version != current.number:
        raise EditConflict(STALE.format(number=current.number if current else 0))
    content = _checked(
        item.kind,
        title=title,
        activity_date=activity_date,
        context_md=context_md,
        body_md=body_md,
        url=url,
        upload=upload,
        keep=current,
    )
    if content_hash(item.kind, content) == current.content_hash:
        if anonymised:
            confirm_anonymised(actor, item)
        return None
    changed = [
        name
        for name in ("title", "activity_date", "context_md", "body_md", "url", "blob_sha256")
        if getattr(content, name) != getattr(current, name)
    ]
    version = _version(item, current.number + 1, content, actor)
    # A confirmation covers the content confirmed; new content needs confirming again.
    item.anonymised_at = utcnow() if anonymised else None
    db.session.flush()
    _audit(
        "evidence_edited",
        actor,
        item,
        from_version=current.number,
        version=version.number,
        content_hash=version.content_hash,
        changed=changed,
        anonymised=anonymised,
    )
    return version


def confirm_anonymised(actor, item: EvidenceItem) -> bool:
    """Record the candidate's confirmation that no pupil can be identified; False if already confirmed."""
    require(can_edit_item(actor, item), DENIED)
    require_writable(actor)
    if item.anonymised_at is not None:
        return False
    item.anonymised_at = utcnow()
    db.session.flush()
    current = item.current
    _audit("evidence_anonymised", actor, item, version=current.number, content_hash=current.content_hash)
    return True


def set_tags(actor, item: EvidenceItem, tags: Iterable) -> bool:
    """Replace the item's framework tags (its provenance tags stay); False if nothing changed."""
    require(can_edit_item(actor, item), DENIED)
    require_writable(actor)
    wanted = _tag_pairs(tags)
    have = {(t.framework, t.tag): t for t in item.tags if t.framework != SOURCE}
    added = [p for p in wanted if p not in have]
    removed = [p for p in have if p not in wanted]
    if not added and not removed:
        return False
    for pair in removed:
        item.tags.remove(have[pair])
    item.tags.extend(EvidenceTag(framework=f, tag=t) for f, t in added)
    db.session.flush()
    _audit(
        "evidence_tagged",
        actor,
        item,
        added=[f"{f}:{t}" for f, t in added],
        removed=[f"{f}:{t}" for f, t in removed],
    )
    return True


def delete_item(actor, item: EvidenceItem) -> list[str]:
    """Remove an item from the working portfolio; returns the submissions that still hold it as submitted.

    A soft delete: the versions (and so their files) stay, because submitted snapshots point at them. The
    item's mappings go, so it no longer counts towards any criterion of the working portfolio.
    """
    require(can_revise_item(actor, item), DENIED)
    require_writable(actor)
    kept = submissions_holding(item.id)
    unmapped = [m.criterion_ref for m in item.mappings]
    item.mappings.clear()
    item.deleted_at = utcnow()
    db.session.flush()
    title = item.current.title if item.current else None
    _audit("evidence_deleted", actor, item, title=title, unmapped=unmapped, kept_in_submissions=kept)
    return kept


def reflection_source(draft_id: int) -> str:
    """The provenance tag of an item made from a reflection draft."""
    return f"reflection:{draft_id}"


def evidence_from_reflection(actor, draft, activity) -> EvidenceItem:
    """A finished reflective task as a written account mapped to its criteria; once per draft.

    If an item already came from this draft (even one the candidate has since deleted), it is returned
    and nothing new is stored.
    """
    require(can_use_portfolio(actor) and draft.user_id == actor.id, "That answer is not yours.")
    require_writable(actor)
    # Locks the draft (PostgreSQL): a double click on "finished" makes one item, not two.
    db.session.refresh(draft, with_for_update=True)
    existing = db.session.scalar(
        select(EvidenceItem)
        .join(EvidenceTag, EvidenceTag.item_id == EvidenceItem.id)
        .where(
            EvidenceItem.candidate_id == actor.id,
            EvidenceTag.framework == SOURCE,
            EvidenceTag.tag == reflection_source(draft.id),
        )
        .limit(1)
    )
    if existing is not None:
        return existing
    finished = draft.finished_at or utcnow()
    content = _checked(
        ItemKind.ACCOUNT,
        title=activity.title[:MAX_TITLE],
        activity_date=finished.astimezone(UK).date(),
        context_md=f"From the reflective task: {activity.title}",
        body_md=draft.text[:MAX_BODY],
        url=None,
        upload=None,
    )
    item = _create(actor, ItemKind.ACCOUNT, content, [], anonymised=False, source=reflection_source(draft.id))
    open_refs = {(c.family, c.ref) for c in available_criteria(actor.id)}
    family = activity.section.family
    for ref in activity.criteria:
        if (family, ref) in open_refs:
            map_item(actor, item, criterion_ref=ref, family=family, note="Written for this reflective task.")
    return item

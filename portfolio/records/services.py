"""Evidence written *for* a candidate by someone else: an assessor's observation record, a witness testimony.

The candidate's own services (items.py, mapping.py) require the actor to own the item. These records are
written by the assessor (signed) or by a witness without an account, so the caller checks who may write
(the assessor's allocation, the witness's one-time link) before calling here. The item gets one version,
hashed exactly as the candidate's items are, and mappings to criteria of modules the candidate studies.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from core.audit.services import record
from core.db.timeutil import utcnow
from core.errors import ValidationFailed
from core.extensions import db
from portfolio.evidence.models import CriterionMapping, EvidenceItem, EvidenceTag, EvidenceVersion, ItemKind
from portfolio.evidence.rules import MAX_BODY, MAX_TITLE, SOURCE
from portfolio.evidence.services import Content, content_hash
from portfolio.mapping.services import MAX_NOTE, find_criterion

RECORD_KINDS = (ItemKind.OBSERVATION, ItemKind.TESTIMONY)


def add_assessor_record(
    actor,
    *,
    candidate_id: int,
    kind: str,
    title: str,
    body_md: str,
    activity_date: date,
    criteria: Iterable[tuple[str, str, str]],
    notes: dict[str, str] | None = None,
    anonymised: bool = False,
    actor_role: str = "assessor",
    source: str | None = None,
) -> EvidenceItem:
    """Add an observation record or testimony to a candidate's portfolio, mapped to (family, module, ref)."""
    if kind not in RECORD_KINDS:
        raise ValidationFailed(
            "Only observation records and witness testimonies are written for a candidate."
        )
    title, body_md = (title or "").strip()[:MAX_TITLE], (body_md or "").strip()
    if not title or not body_md or len(body_md) > MAX_BODY:
        raise ValidationFailed("The record needs a title and a body of reasonable length.")
    wanted = list(dict.fromkeys(criteria))
    if not wanted:
        raise ValidationFailed("The record must show at least one criterion.")
    # Each criterion must belong to a module the candidate studies now (ValidationFailed otherwise).
    found = [find_criterion(candidate_id, ref, family) for family, _module, ref in wanted]
    content = Content(title, activity_date, "", body_md, None, None, None)
    item = EvidenceItem(candidate_id=candidate_id, kind=kind, anonymised_at=utcnow() if anonymised else None)
    if source:
        item.tags = [EvidenceTag(framework=SOURCE, tag=source)]
    db.session.add(item)
    version = EvidenceVersion(
        number=1,
        title=content.title,
        activity_date=content.activity_date,
        context_md="",
        body_md=content.body_md,
        content_hash=content_hash(kind, content),
        created_by_id=getattr(actor, "id", None),
    )
    item.versions.append(version)
    item.current = version
    notes = notes or {}
    item.mappings = [
        CriterionMapping(
            family=c.family,
            module_code=c.module_code,
            criterion_ref=c.ref,
            note=(notes.get(c.ref) or "")[:MAX_NOTE],
        )
        for c in found
    ]
    db.session.flush()
    record(
        "evidence_added",
        actor=actor,
        actor_role=actor_role,
        obj=item,
        details={
            "kind": kind,
            "candidate_id": candidate_id,
            "title": content.title,
            "version": 1,
            "content_hash": version.content_hash,
            "criteria": [f"{c.family}/{c.ref}" for c in found],
            "anonymised": anonymised,
            "source": source,
        },
    )
    return item

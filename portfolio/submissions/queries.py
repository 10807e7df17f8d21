"""What changed in the evidence between two attempts at a module (the submissions' read side).

A snapshot names evidence *versions*, each of an item; comparing two snapshots item by item says which
items were added, which were taken out, which were put forward again in a newer version (the candidate
edited them after the referral), and which were mapped to other criteria without being changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from core.extensions import db
from portfolio.evidence.models import EvidenceVersion
from portfolio.submissions.models import SubmissionEntry


@dataclass(frozen=True)
class ItemChange:
    """One evidence item that differs between the two snapshots."""

    item_id: int
    title: str  # as in the later snapshot (the earlier one for an item taken out)
    refs: tuple[str, ...]  # the criteria it is put forward for (in the earlier snapshot if taken out)
    before: int | None = None  # its version number in the earlier snapshot
    after: int | None = None  # and in the later one
    refs_before: tuple[str, ...] = ()


@dataclass
class EvidenceChanges:
    """The differences between an earlier and a later snapshot, by evidence item."""

    added: list[ItemChange] = field(default_factory=list)
    removed: list[ItemChange] = field(default_factory=list)
    new_versions: list[ItemChange] = field(default_factory=list)
    remapped: list[ItemChange] = field(default_factory=list)  # the same version, for other criteria
    unchanged: int = 0

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.new_versions or self.remapped)

    def for_criterion(self, ref: str) -> list[str]:
        """What changed for one criterion, one sentence per item."""
        lines = [f"Added: {c.title}" for c in self.added if ref in c.refs]
        lines += [
            f"New version of {c.title}: version {c.after}, was version {c.before}"
            for c in self.new_versions
            if ref in c.refs
        ]
        lines += [f"Taken out: {c.title}" for c in self.removed if ref in c.refs]
        for c in (*self.new_versions, *self.remapped):
            if ref in c.refs and ref not in c.refs_before:
                lines.append(f"Now put forward for this criterion: {c.title}")
            elif ref in c.refs_before and ref not in c.refs:
                lines.append(f"No longer put forward for this criterion: {c.title}")
        return lines


@dataclass
class _Side:
    number: int
    title: str
    refs: list[str] = field(default_factory=list)


def _sides(rows, submission_id: int) -> dict[int, _Side]:
    found: dict[int, _Side] = {}
    for sid, ref, item_id, number, title in rows:
        if sid != submission_id:
            continue
        side = found.setdefault(item_id, _Side(number, title))
        if number > side.number:  # one version per item in a snapshot; the newest if ever more
            side.number, side.title = number, title
        if ref not in side.refs:
            side.refs.append(ref)
    return found


def evidence_changes(earlier_id: int, later_id: int) -> EvidenceChanges:
    """What changed in the evidence between two submitted snapshots, item by item (1 statement)."""
    rows = db.session.execute(
        select(
            SubmissionEntry.submission_id,
            SubmissionEntry.criterion_ref,
            EvidenceVersion.item_id,
            EvidenceVersion.number,
            EvidenceVersion.title,
        )
        .join(EvidenceVersion, SubmissionEntry.version_id == EvidenceVersion.id)
        .where(SubmissionEntry.submission_id.in_((earlier_id, later_id)))
        .order_by(SubmissionEntry.id)
    ).all()
    before, after = _sides(rows, earlier_id), _sides(rows, later_id)
    changes = EvidenceChanges()
    for item_id, now in after.items():
        was = before.get(item_id)
        if was is None:
            changes.added.append(ItemChange(item_id, now.title, tuple(now.refs), after=now.number))
        elif was.number != now.number:
            changes.new_versions.append(
                ItemChange(item_id, now.title, tuple(now.refs), was.number, now.number, tuple(was.refs))
            )
        elif set(was.refs) != set(now.refs):
            changes.remapped.append(
                ItemChange(item_id, now.title, tuple(now.refs), was.number, now.number, tuple(was.refs))
            )
        else:
            changes.unchanged += 1
    for item_id, was in before.items():
        if item_id not in after:
            changes.removed.append(ItemChange(item_id, was.title, tuple(was.refs), before=was.number))
    return changes

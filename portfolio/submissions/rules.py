"""The review a candidate reads before submitting a module (pure: built from the snapshot plan and the gap
view): per criterion what would be frozen, the methods that can show it and what backs it now (the one rule
of `portfolio.mapping.rules`, through `module_gap`), the criteria still empty, those whose evidence shows no
allowed method, and the items not yet confirmed anonymised.

Submitting with gaps needs a confirmation that names them ("I am submitting with 6 of 9 criteria empty");
its value carries the counts it names, so a confirmation given for other gaps (the page was opened before an
item was unmapped in another tab) does not count.

And what changed in the evidence between two snapshots (two attempts at a module, or two rounds of an APL
claim), item by item, from rows the read side loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portfolio.mapping.queries import CriterionGap, ModuleGap
    from portfolio.submissions.services import PlannedEntry, SnapshotPlan


@dataclass
class ReviewRow:
    """One criterion as the review shows it."""

    gap: CriterionGap
    entries: list[PlannedEntry]

    @property
    def settled(self) -> bool:
        """Already met (a released result or accepted prior learning): nothing more is needed."""
        return self.gap.settled

    @property
    def empty(self) -> bool:
        """Nothing would be submitted for it and nothing else backs it (no observation, sign-off or APL)."""
        return not self.entries and not self.settled and not self.gap.backed

    @property
    def not_shown(self) -> bool:
        """Evidence would be submitted, but none of it shows the criterion by an allowed method."""
        return bool(self.entries) and not self.settled and not self.gap.backed


@dataclass
class SubmissionReview:
    plan: SnapshotPlan
    rows: list[ReviewRow] = field(default_factory=list)

    @property
    def empty(self) -> list[ReviewRow]:
        return [r for r in self.rows if r.empty]

    @property
    def not_shown(self) -> list[ReviewRow]:
        return [r for r in self.rows if r.not_shown]

    @property
    def unconfirmed(self) -> list[tuple[int, str]]:
        """The items that would be submitted without their anonymisation confirmed: (id, title)."""
        found = {e.item.id: e.version.title for e in self.plan.entries if e.item.anonymised_at is None}
        return list(found.items())

    @property
    def has_gaps(self) -> bool:
        return bool(self.empty or self.not_shown)

    @property
    def confirmation(self) -> str:
        """The value of the confirmation box: the counts it names ("" when there is nothing to confirm)."""
        return f"{len(self.empty)}:{len(self.not_shown)}" if self.has_gaps else ""

    @property
    def confirmation_label(self) -> str:
        """What the candidate ticks to submit with gaps, naming how many."""
        total = len(self.rows)
        parts = []
        if self.empty:
            parts.append(f"{len(self.empty)} of {total} criteria empty")
        if self.not_shown:
            n = len(self.not_shown)
            parts.append(
                f"{n} {'criterion' if n == 1 else 'criteria'} whose evidence shows no allowed method"
            )
        return "I am submitting with " + " and ".join(parts)


def review_of(plan: SnapshotPlan, gap: ModuleGap) -> SubmissionReview:
    """The review of a snapshot plan, criterion by criterion, with the gap view's backing."""
    review = SubmissionReview(plan)
    for criterion in gap.criteria:
        entries = [e for e in plan.entries if e.criterion_ref == criterion.ref]
        review.rows.append(ReviewRow(criterion, entries))
    return review


def gaps_refusal(review: SubmissionReview, confirmed: str) -> str | None:
    """Why submitting is refused for want of the confirmation (None when it is given or not needed)."""
    if not review.has_gaps or confirmed == review.confirmation:
        return None
    if confirmed:
        return (
            "What is empty has changed since you opened this page. Read the review again: "
            f"tick “{review.confirmation_label}” to submit as it is now."
        )
    return (
        f"Tick “{review.confirmation_label}” to submit with these gaps, "
        "or map evidence to the criteria first."
    )


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


def _sides(rows, wanted) -> dict[int, _Side]:
    found: dict[int, _Side] = {}
    for sid, ref, item_id, number, title in rows:
        if sid != wanted:
            continue
        side = found.setdefault(item_id, _Side(number, title))
        if number > side.number:  # one version per item in a snapshot; the newest if ever more
            side.number, side.title = number, title
        if ref not in side.refs:
            side.refs.append(ref)
    return found


def diff_evidence(rows, earlier, later) -> EvidenceChanges:
    """What changed between two sides (`earlier`, `later`) of rows (side, criterion ref, item id, version
    number, title), item by item: two attempts' snapshots, or two rounds of an APL claim."""
    before, after = _sides(rows, earlier), _sides(rows, later)
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

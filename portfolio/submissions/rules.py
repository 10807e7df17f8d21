"""The review a candidate reads before submitting a module (pure: built from the snapshot plan and the gap
view): per criterion what would be frozen, the methods that can show it and what backs it now (the one rule
of `portfolio.mapping.rules`, through `module_gap`), the criteria still empty, those whose evidence shows no
allowed method, and the items not yet confirmed anonymised.

Submitting with gaps needs a confirmation that names them ("I am submitting with 6 of 9 criteria empty");
its value carries the counts it names, so a confirmation given for other gaps (the page was opened before an
item was unmapped in another tab) does not count.
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

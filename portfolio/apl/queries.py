"""The read side of APL claims: a claim as it stood when a round of assessment began, and what changed in
it by the next round."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select

from core.extensions import db
from portfolio.apl.models import AplClaim
from portfolio.apl.rules import DETAILS, DetailChange, detail_changes
from portfolio.evidence.models import EvidenceVersion
from portfolio.submissions.rules import EvidenceChanges, diff_evidence


def claim_snapshot(claim: AplClaim) -> str:
    """The claim as it stands now (its details, its criteria and its evidence versions), as JSON kept with
    the round of assessment that judges it."""
    details = {name: str(getattr(claim, name, None) or "") for name in DETAILS}
    if claim.certificate_sha256:
        details["certificate_file"] = (
            f"{claim.certificate_file_name or 'certificate'} ({claim.certificate_sha256[:12]})"
        )
    return json.dumps(
        {"details": details, "refs": claim.refs, "versions": sorted(e.version_id for e in claim.evidence)},
        sort_keys=True,
    )


@dataclass
class ClaimChanges:
    """What changed in a claim between an earlier round of assessment and a later one."""

    details: list[DetailChange] = field(default_factory=list)
    evidence: EvidenceChanges = field(default_factory=EvidenceChanges)

    def __bool__(self) -> bool:
        return bool(self.details or self.evidence)


def claim_changes(earlier: str, later: str) -> ClaimChanges | None:
    """The changes between two rounds' snapshots (`claim_snapshot`), item by item for the evidence (1
    statement); None when a round began before claims were kept round by round."""
    if not (earlier and later):
        return None
    before, after = json.loads(earlier), json.loads(later)
    wanted = {*before["versions"], *after["versions"]}
    versions = db.session.execute(
        select(EvidenceVersion.id, EvidenceVersion.item_id, EvidenceVersion.number, EvidenceVersion.title)
        .where(EvidenceVersion.id.in_(wanted))
        .order_by(EvidenceVersion.id)
    ).all()
    # Evidence supports the whole claim, so each version is put forward for each criterion claimed.
    rows = [
        (side, ref, item_id, number, title)
        for side, snapshot in (("before", before), ("after", after))
        for version_id, item_id, number, title in versions
        if version_id in snapshot["versions"]
        for ref in snapshot["refs"]
    ]
    return ClaimChanges(
        detail_changes(before["details"], after["details"]), diff_evidence(rows, "before", "after")
    )

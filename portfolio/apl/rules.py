"""Rules of an APL claim that need no database: which form draft is whose, what a draft of the claim form
keeps, and what changed in a claim between two rounds of assessment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MAX_TEXT_CHARS = 20_000
MAX_TITLE_CHARS = 200

# What a draft of the claim form keeps, with the most characters of each value. Changing a claim keeps
# what it claims (a different claim is a new claim), so its form has no scope or criteria.
CHANGE_FIELDS = {
    "certificate_title": MAX_TITLE_CHARS,
    "awarding_body": MAX_TITLE_CHARS,
    "certificate_level": 10,
    "certificate_credits": 10,
    "awarded_on": 10,
    "experience": MAX_TEXT_CHARS,
    "own_part": MAX_TEXT_CHARS,
    "evidence": 12,
}
NEW_FIELDS = {"scope": 10, "outcome": 30, "criteria": 30, **CHANGE_FIELDS}

# What an assessor reads about a claim, in the order the claim page shows it; the long texts are shown whole.
DETAILS = {
    "certificate_title": "Certificate title",
    "awarding_body": "Awarding body",
    "certificate_level": "Level",
    "certificate_credits": "Credits on the certificate",
    "awarded_on": "Date awarded",
    "certificate_file": "The certificate file",
    "experience_md": "Experience",
    "own_part_md": "Own part in the work",
}
LONG_DETAILS = ("experience_md", "own_part_md")


def new_claim_key(cohort_id: int, module_code: str) -> str:
    """The form draft of a new claim for a module, in a cohort."""
    return f"apl-claim:new:{cohort_id}:{module_code}"


def claim_key(claim_id: int) -> str:
    """The form draft of changes to a claim."""
    return f"apl-claim:{claim_id}"


@dataclass(frozen=True)
class DetailChange:
    """One detail of the claim that differs from the earlier round."""

    label: str
    before: str
    after: str
    long: bool  # a text the assessor reads whole (experience, own part), rather than a value


def detail_changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[DetailChange]:
    """The details (certificate, experience, own part) that differ between two rounds, in page order."""
    return [
        DetailChange(label, before.get(name, ""), after.get(name, ""), name in LONG_DETAILS)
        for name, label in DETAILS.items()
        if before.get(name, "") != after.get(name, "")
    ]

"""Which site pages exist, who each is for, and the words a default page may fill in (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULTS = Path(__file__).parent / "defaults"
BODY_MAX = 60_000


@dataclass(frozen=True)
class PageKind:
    slug: str
    title: str
    summary: str
    help_for: str = ""  # the role a help page is for, in words; "" for the notices


PAGES = (
    PageKind(
        "privacy", "Privacy notice", "What Waymark holds about you, why, for how long, and your rights."
    ),
    PageKind(
        "accessibility",
        "Accessibility statement",
        "How accessible Waymark is, what we know is not yet, and how to tell us.",
    ),
    PageKind("help-candidates", "Help for candidates", "Studying, evidence, submitting.", "Candidates"),
    PageKind("help-assessors", "Help for assessors", "The queue, marking, observations.", "Assessors"),
    PageKind("help-iqa", "Help for internal quality assurers", "Sampling and reviewing decisions.", "IQAs"),
    PageKind(
        "help-course-leaders",
        "Help for course leaders",
        "Qualifications, cohorts, the year, the exam board.",
        "Course leaders",
    ),
    PageKind(
        "help-administrators", "Help for administrators", "Accounts, mail, the audit trail.", "Administrators"
    ),
)
BY_SLUG = {page.slug: page for page in PAGES}
HELP_PAGES = tuple(page for page in PAGES if page.help_for)


def default_body(slug: str, values: dict[str, str]) -> str:
    """The shipped text of a page, with `{university}` and the like filled in from the deployment."""
    text = (DEFAULTS / f"{slug}.md").read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def body_problem(body: str) -> str | None:
    """Why an edited page cannot be saved, or None."""
    if not body.strip():
        return "Write the page, or use “Go back to the default text”."
    if len(body) > BODY_MAX:
        return f"Keep the page under {BODY_MAX:,} characters."
    return None

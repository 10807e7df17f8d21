"""What every authoring service shares: the permission, the version check, the audit row, ordering."""

from __future__ import annotations

from operator import attrgetter

from sqlalchemy.orm.attributes import flag_modified

from core.accounts.models import Role
from core.audit.services import record
from core.errors import EditConflict, ValidationFailed, require
from core.extensions import db
from modules.permissions import can_author_content

DENIED = "Only course leaders can change module content."
CONFLICT = (
    "Someone else saved this since you opened it, so your change was not saved. "
    "The page now shows their version; your text is still in the form, so check it and save again."
)
DIRECTIONS = ("up", "down")


def begin(actor) -> None:
    """Refuse anyone who may not author content."""
    require(can_author_content(actor), DENIED)


def check_version(row, expected_version) -> None:
    """Refuse a change made from a page that showed an older version of the row."""
    if expected_version is None or row.version != expected_version:
        raise EditConflict(CONFLICT)


def touch(row) -> None:
    """Bump a row's version when only its children changed."""
    # Questions and options have no version of their own: writing the activity row bumps its version, so a
    # second author holding the old version gets a 409 whatever part of the activity they change.
    flag_modified(row, "title")


def actor_role(actor) -> str:
    """The role an author acts in, for the audit log."""
    return "course_leader" if actor.has_role(Role.COURSE_LEADER) else "admin"


def audit(action: str, actor, family: str, code: str, obj, before, after) -> None:
    """One audit row for a content change, with the values before and after it."""
    record(
        action,
        actor=actor,
        actor_role=actor_role(actor),
        obj=obj,
        details={"module": f"{family}/{code}", "before": before, "after": after},
    )


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the values that differ, for a compact audit row."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def clean(text: str | None) -> str:
    """Text as typed, with Windows line endings normalised and outer space removed."""
    return (text or "").replace("\r\n", "\n").strip()


def ordered(rows) -> list:
    return sorted(rows, key=attrgetter("position"))


def renumber(rows) -> None:
    for position, row in enumerate(ordered(rows)):
        row.position = position


def neighbour(rows, target, direction: str, noun: str, name: str = "That"):
    """The row above or below `target` that a move swaps places with, or a refusal in words at either end
    ("That is already the first section"; `name` says what "that" is)."""
    if direction not in DIRECTIONS:
        raise ValidationFailed("Choose whether to move it up or down.")
    rows = ordered(rows)
    index = rows.index(target) + (-1 if direction == "up" else 1)
    if not 0 <= index < len(rows):
        end = "first" if direction == "up" else "last"
        raise ValidationFailed(f"{name} is already the {end} {noun}.")
    return rows[index]


def swap_with_neighbour(rows, target, direction: str, noun: str) -> None:
    """Swap a row with the one above or below it, or refuse at either end."""
    other = neighbour(rows, target, direction, noun)
    # Positions may have gaps or repeats after older edits: renumber first so the swap is a real move.
    renumber(rows)
    target.position, other.position = other.position, target.position


def move_audited(action: str, actor, section, rows, target, direction: str | None, noun: str, label) -> None:
    """Swap a row with its neighbour (swap_with_neighbour), then one audit row with the order before and
    after, each row named by `label`; `section` says which module the content belongs to."""
    before = [label(row) for row in ordered(rows)]
    swap_with_neighbour(rows, target, direction or "", noun)
    db.session.flush()
    after = [label(row) for row in ordered(rows)]
    audit(action, actor, section.family, section.module_code, target, {"order": before}, {"order": after})

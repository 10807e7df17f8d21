"""Editing qualifications in the browser: drafts, and copy-on-write editing of their modules."""

from qualification.editing.drafts import current_draft, start_draft
from qualification.editing.modules import (
    CONFLICT,
    PUBLISHED_NEVER_CHANGE,
    EditConflict,
    add_module,
    awards_using,
    editable_module,
    module_content_hash,
    module_spec,
    other_versions_using,
    remove_module,
    update_module,
)
from qualification.editing.outcomes import (
    add_criterion,
    add_outcome,
    delete_criterion,
    delete_outcome,
    move_criterion,
    move_outcome,
    update_criterion,
    update_outcome,
)

__all__ = [
    "CONFLICT",
    "PUBLISHED_NEVER_CHANGE",
    "EditConflict",
    "add_criterion",
    "add_module",
    "add_outcome",
    "awards_using",
    "current_draft",
    "delete_criterion",
    "delete_outcome",
    "editable_module",
    "module_content_hash",
    "module_spec",
    "move_criterion",
    "move_outcome",
    "other_versions_using",
    "remove_module",
    "start_draft",
    "update_criterion",
    "update_module",
    "update_outcome",
]

"""Authoring module content in the browser: sections, activities and knowledge-check questions.

Services check `can_author_content`, refuse a change made from a stale page (`EditConflict`, 409), write
an audit row with the values before and after, and flush without committing.
"""

from modules.authoring.activities import update_activity
from modules.authoring.common import CONFLICT, EditConflict
from modules.authoring.outline import (
    add_activity,
    add_section,
    delete_activity,
    delete_section,
    move_activity,
    move_section,
    rename_section,
)
from modules.authoring.preview import activity_preview, module_preview
from modules.authoring.queries import (
    ContentSummary,
    activity_in,
    authorable_modules,
    criterion_refs,
    newest_module,
    question_in,
    section_in,
)
from modules.authoring.questions import add_question, delete_question, move_question, update_question
from modules.authoring.values import MINUTES_MAX, MINUTES_MIN, OPTIONS_MAX, SESSION_KINDS

__all__ = [
    "CONFLICT",
    "MINUTES_MAX",
    "MINUTES_MIN",
    "OPTIONS_MAX",
    "SESSION_KINDS",
    "ContentSummary",
    "EditConflict",
    "activity_in",
    "activity_preview",
    "add_activity",
    "add_question",
    "add_section",
    "authorable_modules",
    "criterion_refs",
    "delete_activity",
    "delete_question",
    "delete_section",
    "module_preview",
    "move_activity",
    "move_question",
    "move_section",
    "newest_module",
    "question_in",
    "rename_section",
    "section_in",
    "update_activity",
    "update_question",
]

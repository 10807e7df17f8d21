"""The module content document (waymark-content/1, what `flask demo load` reads): a knowledge check may say
"a try is enough"; anything else in that field, or the field on another kind of activity, is refused with
where it is, and nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.errors import ValidationFailed
from core.extensions import db
from modules.content.models import Activity
from modules.content.services import CONTENT_FORMAT, load_content


def _doc(**quiz_fields) -> dict:
    question = {"text": "Which?", "options": [{"text": "This", "correct": True}, {"text": "That"}]}
    quiz = {"kind": "quiz", "title": "Practice", "minutes": 5, "questions": [question], **quiz_fields}
    section = {"title": "Practice", "activities": [quiz]}
    return {"format": CONTENT_FORMAT, "family": "CCQ", "modules": [{"module": "M09", "sections": [section]}]}


def _stored(app) -> list[tuple[str, bool]]:
    with app.app_context():
        return [(a.title, a.try_is_enough) for a in db.session.scalars(select(Activity))]


@pytest.mark.parametrize(("fields", "expected"), [({}, False), ({"try_is_enough": True}, True)])
def test_a_knowledge_check_is_loaded_with_its_try_is_enough_setting(app, fields, expected):
    with app.app_context():
        assert load_content(None, _doc(**fields)) == 1
        db.session.commit()
    assert _stored(app) == [("Practice", expected)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"try_is_enough": "yes"},
            "modules[0].sections[0].activities[0].try_is_enough: must be true or false",
        ),
        (
            {"try_is_enough": True, "kind": "lesson", "questions": []},
            "modules[0].sections[0].activities[0].try_is_enough: only a knowledge check (quiz) has it",
        ),
    ],
)
def test_a_bad_try_is_enough_is_refused_and_nothing_is_stored(app, change, message):
    with app.app_context():
        with pytest.raises(ValidationFailed) as refused:
            load_content(None, _doc(**change))
        assert message in refused.value.errors[""]
        db.session.rollback()
        assert db.session.scalar(select(func.count(Activity.id))) == 0

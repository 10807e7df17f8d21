"""A finished reflective task becomes a written account in the portfolio, mapped to the task's criteria."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.accounts.models import User
from core.db.timeutil import utcnow
from core.errors import PermissionDenied
from core.extensions import db
from modules.content.models import Activity
from modules.study.models import ReflectionDraft
from portfolio.evidence.models import EvidenceItem, EvidenceVersion
from portfolio.evidence.services import evidence_from_reflection
from tests.support.demo import activity_id, demo_fixture, load_study_demo
from tests.support.evidence import audit_rows
from tests.support.html import login, page_text
from tests.support.people import CHRIS, DEMO_PASSWORD, JO, user_id

TASK = "Write up a referral with your rationale"  # M01, criteria M01.1.2
ANSWER = "I referred a Year 11 pupil to the PA because *her plans had changed*."


demo = demo_fixture(load_study_demo)


def _finish(app, email: str, title: str, *, extra_refs: str = "") -> int:
    """The person's finished draft for a task (as finish_reflection leaves it); returns the draft id."""
    task, person = activity_id(app, "M01", title), user_id(app, email)
    with app.app_context():
        activity = db.session.get(Activity, task)
        if extra_refs:
            activity.criteria_refs = f"{activity.criteria_refs} {extra_refs}"
        draft = ReflectionDraft(
            user_id=person,
            activity_id=activity.id,
            text=ANSWER,
            revision=3,
            finished_at=utcnow(),
        )
        db.session.add(draft)
        db.session.commit()
        return draft.id


def _make_evidence(app, email: str, draft_id: int) -> int:
    person = user_id(app, email)
    with app.app_context():
        draft = db.session.get(ReflectionDraft, draft_id)
        item = evidence_from_reflection(db.session.get(User, person), draft, draft.activity)
        db.session.commit()
        return item.id


def test_a_finished_reflection_becomes_a_mapped_written_account_once(demo, client):
    draft = _finish(demo, JO, TASK, extra_refs="M06.1.1")  # M06: not a module Jo studies
    first = _make_evidence(demo, JO, draft)
    assert _make_evidence(demo, JO, draft) == first  # a second finish stores nothing new
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(EvidenceItem)) == 1
        assert db.session.scalar(select(func.count()).select_from(EvidenceVersion)) == 1
        item = db.session.get(EvidenceItem, first)
        assert item.kind == "account"
        assert item.anonymised_at is None  # the candidate still confirms it
        assert item.current.title == TASK
        assert item.current.body_md == ANSWER
        assert item.current.context_md == f"From the reflective task: {TASK}"
        assert [m.criterion_ref for m in item.mappings] == ["M01.1.2"]
    [added] = audit_rows(demo, "evidence_added")
    assert added["source"] == f"reflection:{draft}"
    assert len(audit_rows(demo, "evidence_mapped")) == 1

    login(client, JO, DEMO_PASSWORD)
    listed = page_text(client.get("/portfolio/"))
    assert TASK in listed
    assert "reflection:" not in listed  # provenance is not a tag
    assert "Not yet confirmed anonymised" in listed
    shown = page_text(client.get(f"/portfolio/items/{first}"))
    assert "her plans had changed" in shown
    assert "reflection:" not in shown


def test_a_deleted_reflection_item_is_not_made_again(demo):
    draft = _finish(demo, JO, TASK)
    first = _make_evidence(demo, JO, draft)
    with demo.app_context():
        db.session.get(EvidenceItem, first).deleted_at = utcnow()
        db.session.commit()
    assert _make_evidence(demo, JO, draft) == first
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(EvidenceItem)) == 1


def test_nobody_else_can_turn_a_draft_into_evidence(demo):
    draft = _finish(demo, JO, TASK)
    with pytest.raises(PermissionDenied):
        _make_evidence(demo, CHRIS, draft)

"""Query budgets of the study pages: the same number of statements whatever the size of a module's content
and however much the candidate has done (quality.md W1, W2)."""

from __future__ import annotations

from sqlalchemy import delete, select

from core.accounts.models import User
from core.extensions import db
from modules.content.services import load_content
from modules.study.models import ActivityCompletion
from tests.support.demo import activity_ids, demo_content, demo_fixture, load_study_demo
from tests.support.html import signed_in_fixture
from tests.support.people import JO
from tests.support.queries import statements_for

MODULE_PAGE = "/study/CCQ/M01"
HOME = "/"
W1_MODULE_PAGE = 8  # quality.md W1: the candidate's module page, <= 8 queries
W2_HOME = 10  # quality.md W2: the candidate's dashboard, <= 10 queries


demo = demo_fixture(load_study_demo)
jo = signed_in_fixture(JO)


def _triple_m01(app) -> None:
    """Replace M01's content with three times as many sections, activities and questions."""
    doc = demo_content()
    module = next(m for m in doc["modules"] if m["module"] == "M01")
    module["sections"] = [
        {**section, "title": f"{section['title']} ({n})"} for n in (1, 2, 3) for section in module["sections"]
    ]
    doc["modules"] = [module]
    with app.app_context():
        assert load_content(None, doc, replace=True) == 1
        db.session.commit()


def _set_completions(app, how_many: int) -> None:
    """Jo has done the first `how_many` activities of M01 (and nothing else)."""
    ids = activity_ids(app, "M01")[:how_many]
    with app.app_context():
        jo_id = db.session.scalar(select(User.id).where(User.email == JO))
        db.session.execute(delete(ActivityCompletion).where(ActivityCompletion.user_id == jo_id))
        db.session.add_all(ActivityCompletion(user_id=jo_id, activity_id=i, how="manual") for i in ids)
        db.session.commit()


def _measure(app, client) -> dict[tuple[str, int], dict[str, int]]:
    """Statements per page for the demo content and three times as much, with 0 and 10 completions."""
    counts = {}
    for content in ("demo", "3x"):
        if content == "3x":
            _triple_m01(app)
        for done in (0, 10):
            _set_completions(app, done)
            counts[(content, done)] = {url: statements_for(app, client, url) for url in (MODULE_PAGE, HOME)}
    return counts


def test_study_pages_run_the_same_statements_whatever_the_content_and_progress(jo, app):
    assert len(activity_ids(app, "M01")) == 14
    counts = _measure(app, jo)
    assert len(activity_ids(app, "M01")) == 42
    for url in (MODULE_PAGE, HOME):
        per_case = {case: pages[url] for case, pages in counts.items()}
        assert len(set(per_case.values())) == 1, f"{url}: {per_case}"
    # The pages really show the larger module and the progress.
    text = jo.get(MODULE_PAGE).get_data(as_text=True)
    assert "10 of 42 activities done" in text
    assert "Working in a CEIAG team (3)" in text


def test_module_page_stays_within_its_budget(jo, app):
    counts = _measure(app, jo)
    worst = max(pages[MODULE_PAGE] for pages in counts.values())
    assert worst <= W1_MODULE_PAGE, (
        f"{MODULE_PAGE}: {worst} statements, budget {W1_MODULE_PAGE} (quality.md W1)"
    )


def test_home_page_with_study_content_stays_within_its_budget(jo, app):
    counts = _measure(app, jo)
    worst = max(pages[HOME] for pages in counts.values())
    assert worst <= W2_HOME, f"{HOME}: {worst} statements, budget {W2_HOME} (quality.md W2)"

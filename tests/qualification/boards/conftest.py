"""The demo cohort (Jo, Chris and Morgan; the Professional Certificate, 60 credits), without study content."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.support.demo import demo_ids
from tests.support.transcript import load_demo_world


@pytest.fixture
def demo(app):
    """The demo world; its cohort id, everyone's ids by email, and the board's page."""
    load_demo_world(app)
    cohort_id, ids = demo_ids(app)
    return SimpleNamespace(app=app, cohort_id=cohort_id, ids=ids, url=f"/cohorts/{cohort_id}/exam-board")

"""The demo cohort (Jo, Chris and Morgan study M01-M03; Jo chose M04), without study content."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.support.demo import demo_ids, load_demo_data


@pytest.fixture
def demo(app):
    """The demo people, qualification and cohort; plain ids back, and the cohort's deadlines page."""
    load_demo_data(app, content=False)
    cohort_id, ids = demo_ids(app)
    return SimpleNamespace(cohort_id=cohort_id, ids=ids, url=f"/cohorts/{cohort_id}/deadlines")

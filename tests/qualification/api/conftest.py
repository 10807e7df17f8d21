"""The demo cohort (Jo, Chris and Morgan; Tom and Helen assess, Sam is its IQA, Dr Raman leads it), and API
tokens acting as its people."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.support.apitokens import service_token
from tests.support.demo import demo_ids, load_demo_data
from tests.support.people import LEADER


@pytest.fixture
def demo(app):
    """The demo world without study content; its ids, and a reading token acting as the course leader."""
    load_demo_data(app, content=False)
    cohort_id, ids = demo_ids(app)
    return SimpleNamespace(
        app=app, client=app.test_client(), cohort_id=cohort_id, ids=ids, leader=service_token(app, LEADER)
    )

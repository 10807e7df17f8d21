"""The cohort tests' fixture: a signed-in course leader with the demo qualification published."""

from __future__ import annotations

import pytest

from tests.support.cohorts import publish_demo
from tests.support.html import login


@pytest.fixture
def leader(app, client, runner, course_leader):
    """A signed-in course leader with the demo qualification published."""
    publish_demo(runner)
    login(client, course_leader.email)
    return course_leader

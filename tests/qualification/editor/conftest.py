"""The editor tests' fixture: a course leader signed in with v2 started as a draft."""

from __future__ import annotations

import pytest

from tests.support.editor import import_demo, start_draft
from tests.support.html import login


@pytest.fixture
def leader_with_draft(client, runner, course_leader):
    """The demo published as v1, and v2 started as a draft by a signed-in course leader."""
    import_demo(runner)
    login(client, course_leader.email)
    start_draft(client)
    return client

"""The cohort-role context is loaded once per request, however many predicates read it (issue 10)."""

from __future__ import annotations

import pytest

from tests.support.demo import demo_fixture
from tests.support.html import signed_in
from tests.support.people import JO, SAM, TOM
from tests.support.quality import judge, load_quality_demo, submit
from tests.support.queries import statements_run

demo = demo_fixture(load_quality_demo)


def _context_loads(app, client, url: str) -> int:
    statements = statements_run(app, client, url)
    # The one statement that reads the staff, the leader and the allocation together.
    return sum(1 for s in statements if "assessor_allocations" in s and "cohort_members" in s)


@pytest.mark.parametrize("email", [TOM, SAM])
def test_marking_page_loads_the_role_context_once(demo, email):
    # The page asks the view's rule, then four *_now predicates in the template: still one load.
    assessment_id = judge(demo, TOM, submit(demo, JO))
    client = signed_in(demo, email)
    assert _context_loads(demo, client, f"/assessors/assessments/{assessment_id}") == 1


def test_each_request_loads_its_own_context(demo):
    # Nothing is kept between requests: a reallocation is seen by the very next page.
    assessment_id = judge(demo, TOM, submit(demo, JO))
    client = signed_in(demo, SAM)
    for _ in range(2):
        assert _context_loads(demo, client, f"/assessors/assessments/{assessment_id}/review") == 1

"""The accessibility statement's measured state, kept true: axe-core (the engine most audits use) finds no
violation of the WCAG 2.0-2.2 A and AA rules on the pages each kind of user relies on most, in the light and
the dark theme, in a real browser.

axe-core comes from the npm registry (tests/a11y/package.json, with its lock file): `npm ci` is run here when
it is missing, and by .ci/run. The statement (core/sitepages/defaults/accessibility.md) names these pages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.browser import playwright_or_skip, sign_in
from tests.support.people import JO, LEADER, TOM

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

A11Y = Path(__file__).resolve().parents[1] / "a11y"
AXE = A11Y / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# (who signs in, the pages they rely on most); None: not signed in.
PAGES = {
    None: ["/login", "/", "/accessibility", "/privacy", "/help", "/help/candidates"],
    JO: ["/", "/study/CCQ/M01", "/portfolio/", "/transcript", "/study/planner"],
    TOM: ["/", "/assessors/queue"],
    LEADER: ["/", "/cohorts/1", "/cohorts/1/report", "/cohorts/1/settings", "/cohorts/1/deadlines"],
}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            if os.environ.get("WAYMARK_REQUIRE_BROWSER") == "1":
                pytest.fail("npm is needed to install axe-core for the accessibility checks", pytrace=False)
            pytest.skip("npm is not installed: axe-core cannot be installed")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=A11Y, check=True, capture_output=True)  # noqa: S603
    return AXE.read_text(encoding="utf-8")


def _violations(page, axe_source: str) -> list[str]:
    page.evaluate(axe_source)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", RULES
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("who", list(PAGES), ids=lambda w: w or "anyone")
def test_no_axe_violations_on_the_pages_people_use_most(new_context, axe_source, who, scheme):
    # bypass_csp: axe is injected by the test, not served by us; the pages' own policy stays strict.
    page = new_context(color_scheme=scheme, bypass_csp=True).new_page()
    if who:
        sign_in(page, who)
    found = {}
    for url in PAGES[who]:
        response = page.goto(url)
        assert response.status == 200, url
        problems = _violations(page, axe_source)
        if problems:
            found[url] = problems
    assert found == {}

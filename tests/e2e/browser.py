"""Playwright for the browser tests, or a skipped module without it (a failed one when CI asks for the browser
tests with WAYMARK_REQUIRE_BROWSER=1)."""

from __future__ import annotations

import os

import pytest


def playwright_or_skip():
    """Playwright's `Page` and `expect`; call at module level, before anything that needs them."""
    try:
        from playwright.sync_api import Page, expect
    except ImportError:
        why = "Playwright is not installed (pip install -e '.[dev]')"
        if os.environ.get("WAYMARK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{why}; WAYMARK_REQUIRE_BROWSER=1 requires the browser tests.", pytrace=False)
        pytest.skip(f"{why}: browser tests skipped", allow_module_level=True)
    return Page, expect

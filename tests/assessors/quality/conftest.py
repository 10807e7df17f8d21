"""The quality tests' fixture: the demo with marked, sampled and released work (a file may override it)."""

from __future__ import annotations

import pytest

from tests.support.quality import load_quality_demo


@pytest.fixture
def demo(app):
    load_quality_demo(app)
    return app

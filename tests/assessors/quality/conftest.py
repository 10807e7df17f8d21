"""The quality tests' fixture: the demo with marked, sampled and released work (a file may override it)."""

from __future__ import annotations

from tests.support.demo import demo_fixture
from tests.support.quality import load_quality_demo

demo = demo_fixture(load_quality_demo)

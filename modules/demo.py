"""The demo's study content (M01-M03), loaded through the same code course leaders' uploads use."""

from __future__ import annotations

import json
from pathlib import Path

from modules.content.services import load_content

DEMO_CONTENT = Path(__file__).resolve().parent / "data" / "demo-content.json"


def load_demo_content() -> int:
    """Load the demo content for modules that have none yet; return how many modules were loaded."""
    if not DEMO_CONTENT.exists():
        return 0
    return load_content(None, json.loads(DEMO_CONTENT.read_text(encoding="utf-8")))

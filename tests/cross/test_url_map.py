"""Every URL Waymark answers stays as it was when the areas were reshaped (issue 10): people's bookmarks,
calendar feeds and emailed links keep working. The list was written from the app before the move."""

from __future__ import annotations

from pathlib import Path

from core.app import create_app

SNAPSHOT = Path(__file__).with_name("url_map.txt")


def url_map_lines(app) -> list[str]:
    """One line per URL rule: its path with typed arguments, then its methods (endpoint names excluded)."""
    lines = []
    for rule in app.url_map.iter_rules():
        methods = ",".join(sorted(m for m in rule.methods if m not in {"HEAD", "OPTIONS"}))
        lines.append(f"{rule.rule} {methods}")
    return sorted(lines)


def test_the_url_map_is_unchanged():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    assert url_map_lines(app) == SNAPSHOT.read_text().splitlines()

"""The shape rules from docs/architecture.md, checked by walking the source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Imports flow one way: a package may import only from packages to its left.
ORDER = ["core", "modules", "qualification", "portfolio", "assessors"]
COMPOSITION_ROOTS = {"core/app.py", "core/cli.py"}


def _python_files(root: Path = ROOT):
    for package in ORDER:
        yield from sorted((root / package).rglob("*.py"))


def _imported_modules(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def import_violations(root: Path = ROOT) -> list[str]:
    """Every import that goes the wrong way, as 'file:line imports module'."""
    problems = []
    for path in _python_files(root):
        rel = path.relative_to(root).as_posix()
        if rel in COMPOSITION_ROOTS:
            continue
        own = ORDER.index(rel.split("/")[0])
        for lineno, module in _imported_modules(path):
            top = module.split(".")[0]
            if top in ORDER and ORDER.index(top) > own:
                problems.append(f"{rel}:{lineno} imports {module}")
    return problems


def test_imports_flow_one_way():
    assert import_violations() == []


def test_the_import_check_catches_an_upward_import(tmp_path):
    # A tree of its own, so a concurrent run of the real check never sees the probe.
    for package in ORDER:
        (tmp_path / package).mkdir()
    (tmp_path / "core" / "probe.py").write_text("import assessors.views\n")
    (tmp_path / "assessors" / "fine.py").write_text("import core.extensions\n")
    assert import_violations(tmp_path) == ["core/probe.py:1 imports assessors.views"]


@pytest.mark.parametrize("library", ["markdown", "bleach"])
def test_only_core_markdown_imports_the_sanitiser(library):
    importers = [
        path.relative_to(ROOT).as_posix()
        for path in _python_files()
        if any(m.split(".")[0] == library for _, m in _imported_modules(path))
    ]
    assert importers == ["core/web/markdown.py"]


def test_no_legacy_model_query():
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in _python_files()
        if re.search(r"\.query\.", path.read_text())
    ]
    assert offenders == []


def test_templates_never_mark_content_safe():
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "templates").rglob("*.html")
        if re.search(r"\|\s*safe\b", path.read_text())
    ]
    assert offenders == []


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<[^>]+\sstyle=|<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_no_inline_script_style_or_handlers_in_templates():
    # The CSP forbids them; a page that relied on one would silently break.
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "templates").rglob("*.html")
        if INLINE.search(path.read_text())
    ]
    assert offenders == []


def test_the_inline_check_catches_a_handler():
    assert INLINE.search('<button onclick="go()">')
    assert INLINE.search("<script>alert(1)</script>")
    assert not INLINE.search('<script src="/static/js/app.js" defer></script>')


def test_files_stay_small():
    big = [
        (path.relative_to(ROOT).as_posix(), n)
        for path in _python_files()
        if (n := len(path.read_text().splitlines())) > 400
    ]
    assert big == []

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


@pytest.mark.parametrize(
    ("library", "toolkit"),
    [
        ("markdown", "core/web/markdown.py"),
        ("bleach", "core/web/markdown.py"),
        ("weasyprint", "core/web/pdf.py"),
    ],
)
def test_only_its_toolkit_imports_a_library_that_must_be_used_one_way(library, toolkit):
    # Markdown is always sanitised; a PDF never fetches from the network: one place does each.
    importers = [
        path.relative_to(ROOT).as_posix()
        for path in _python_files()
        if any(m.split(".")[0] == library for _, m in _imported_modules(path))
    ]
    assert importers == [toolkit]


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


# The floor plan (issue 10): every area is a package of capabilities with the same file names ---------------

AREAS = ORDER
# A capability sub-package holds these files (any of them may grow into a package of the same name); an API
# capability's schemas (marshmallow) are its forms: what a request may send and what an answer says.
VOCABULARY = {
    "__init__",
    "models",
    "services",
    "queries",
    "rules",
    "permissions",
    "forms",
    "views",
    "schemas",
}
# Beside them: the demo data and command-line tools of a capability or area; an area's blueprint list.
EXTRAS = {"demo", "cli"}
AREA_FILES = VOCABULARY | EXTRAS | {"blueprints"}
# core is the foundation under the areas: the app factory, the extensions (a leaf) and the service errors.
CORE_FILES = AREA_FILES | {"app", "errors", "extensions", "validation"}
# Toolkits rather than capabilities: they serve every area, have no pages of their own, and are named by
# what they are (core/db/timeutil.py), like Indico's `indico/util/`. The spec package is a pure file format.
TOOLKITS = {"core/db", "core/web", "core/files", "qualification/spec"}


def _capabilities(root: Path = ROOT):
    for area in AREAS:
        for path in sorted((root / area).iterdir()):
            if path.is_dir() and (path / "__init__.py").exists():
                yield path


def _rel(path: Path, root: Path = ROOT) -> str:
    return path.relative_to(root).as_posix()


def test_no_area_has_more_than_eight_python_files_at_its_top_level():
    crowded = {area: n for area in AREAS if (n := len(list((ROOT / area).glob("*.py")))) > 8}
    assert crowded == {}


def test_area_top_level_files_use_the_vocabulary():
    odd = [
        _rel(p)
        for area in AREAS
        for p in (ROOT / area).glob("*.py")
        if p.stem not in (CORE_FILES if area == "core" else AREA_FILES)
    ]
    assert odd == []


def test_capability_files_use_the_vocabulary():
    odd = []
    for package in _capabilities():
        if _rel(package) in TOOLKITS:
            continue
        for path in package.iterdir():
            name = path.stem if path.suffix == ".py" else path.name
            if path.name == "__pycache__" or (path.is_dir() and not (path / "__init__.py").exists()):
                continue
            if name not in VOCABULARY | EXTRAS:
                odd.append(_rel(path))
    assert odd == []


def _views_modules(root: Path = ROOT):
    for path in _python_files(root):
        rel = _rel(path, root)
        if path.stem == "views" or "/views/" in rel:
            yield path


def view_to_view_imports(root: Path = ROOT) -> list[str]:
    """Every import of a view module by another view module (shared loaders belong in queries.py)."""
    problems = []
    for path in _views_modules(root):
        for lineno, module in _imported_modules(path):
            parts = module.split(".")
            if parts[0] in ORDER and "views" in parts:
                problems.append(f"{_rel(path, root)}:{lineno} imports {module}")
    return problems


def test_no_view_module_imports_another_view_module():
    assert view_to_view_imports() == []


def test_the_view_import_check_catches_one(tmp_path):
    for package in ORDER:
        (tmp_path / package).mkdir()
    (tmp_path / "portfolio" / "evidence").mkdir()
    (tmp_path / "portfolio" / "evidence" / "views.py").write_text("from modules.study.views import bp\n")
    assert view_to_view_imports(tmp_path) == ["portfolio/evidence/views.py:1 imports modules.study.views"]


def _blueprint_declarations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Blueprint"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]


def test_each_blueprint_is_declared_by_the_capability_that_owns_it():
    declared = {}
    for path in _python_files():
        names = _blueprint_declarations(path)
        if names:
            declared[_rel(path)] = names
    expected = {}
    for package in _capabilities():
        if (package / "views.py").exists():
            expected[f"{_rel(package)}/views.py"] = [package.name]
    assert declared == expected
    for area in AREAS:
        assert f'area_blueprint("{area}",' in (ROOT / area / "blueprints.py").read_text().replace(
            "\n    ", ""
        )


def test_endpoints_say_area_and_capability(app):
    wrong = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        module = app.view_functions[rule.endpoint].__module__
        area, capability, _ = rule.endpoint.split(".")
        if module != f"{area}.{capability}.views":
            wrong.append(f"{rule.endpoint} is served by {module}")
    assert wrong == []


def test_areas_register_their_blueprints_explicitly():
    # No module is imported for the side effect of adding routes: the app imports only the areas' lists.
    app_source = (ROOT / "core" / "app.py").read_text()
    imported = [m for _, m in _imported_modules(ROOT / "core" / "app.py") if m.endswith("views")]
    assert imported == []
    assert "register_blueprint(area.bp)" in app_source


# A status is compared with its enum member or asked of a predicate, never spelled as a string in a template.
STATUS_LITERAL = re.compile(
    r"\b\w*(?:status|state)\w*\s*(?:==|!=|\bnot in\b|\bin\b)\s*[\(\[]?\s*['\"]"
    r"|['\"]\s*(?:==|!=)\s*\w*(?:status|state)\b",
    re.IGNORECASE,
)


def template_status_literals(root: Path = ROOT) -> list[str]:
    """Every template line that compares a status (or state) with a string literal."""
    found = []
    for path in sorted((root / "templates").rglob("*.html")):
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            for expression in re.findall(r"\{[{%](.*?)[%}]\}", line):
                if STATUS_LITERAL.search(expression):
                    found.append(f"{path.relative_to(root).as_posix()}:{lineno}")
    return found


def test_no_template_compares_a_status_with_a_string():
    assert template_status_literals() == []


@pytest.mark.parametrize(
    "line",
    [
        '{% if assessment.status == "released" %}',
        "{% if q_state in ('marking_complete', 'released') %}",
        '{{ "Sent" if m.status != "failed" else "" }}',
    ],
)
def test_the_status_literal_check_catches(tmp_path, line):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(line + "\n")
    assert template_status_literals(tmp_path) == ["templates/page.html:1"]


def test_the_status_literal_check_allows_enum_members_and_predicates(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        "{% if assessment.status == MarkingStatus.RELEASED %}{% endif %}\n"
        "{% if can_reopen_now(current_user, assessment) %}{% endif %}\n"
        '{{ forms.field(form.status, type="search") }}\n'
    )
    assert template_status_literals(tmp_path) == []

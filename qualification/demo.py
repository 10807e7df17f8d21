"""The demo qualification, loaded through the same import code a course leader uses."""

from __future__ import annotations

from pathlib import Path

from qualification.documents import load_document
from qualification.queries import find_version
from qualification.services import import_spec
from qualification.spec import parse_spec

DEMO_SPEC = Path(__file__).resolve().parent / "data" / "demo-spec.json"


def load_demo_qualification() -> str | None:
    """Import and publish the demo spec unless its qualification exists; say what was loaded."""
    spec = parse_spec(load_document(DEMO_SPEC.read_bytes()))
    if find_version(spec.code) is not None:
        return None
    version = import_spec(None, spec, publish=True)
    return f"{spec.code} version {version.number}, {len(spec.modules)} modules, {len(spec.awards)} awards"

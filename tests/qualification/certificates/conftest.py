"""Jo's ratified award (the demo world, results released through the services, a board that ratified it)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.support.certificates import certificate_row, meet_award, ratify_directly
from tests.support.transcript import load_demo_world


@pytest.fixture
def jo(app):
    """Jo Patel's certificate: its number and id, and the URLs of its PDFs and public page."""
    load_demo_world(app)
    meet_award(app)
    number = ratify_directly(app)
    row = certificate_row(app, number)
    return SimpleNamespace(
        number=number,
        id=row.id,
        certificate=f"/certificates/{row.id}/certificate.pdf",
        transcript=f"/certificates/{row.id}/transcript.pdf",
        display=f"/certificates/{row.id}/display",
        public=f"/verify/{number}",
    )

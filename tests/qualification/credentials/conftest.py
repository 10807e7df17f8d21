"""Every credentials test keeps its signing keys in its own folder (never the shared instance folder)."""

from __future__ import annotations

import pytest

from tests.support.credentials import ratified_world


@pytest.fixture(autouse=True)
def key_dir(app, tmp_path):
    folder = tmp_path / "credential-keys"
    app.config["WAYMARK_CREDENTIAL_KEY_DIR"] = str(folder)
    return folder


@pytest.fixture
def world(app):
    """The demo with Jo's award ratified last week: its number, id and status slot."""
    return ratified_world(app)

"""Emailed links follow the address the site runs on; the outbox shows ordinary links as links to click."""

from __future__ import annotations

import logging
import re

import pytest

from core.accounts.models import Role
from core.app import create_app
from core.extensions import db
from tests.conftest import TEST_CONFIG
from tests.support.html import form_post, login, page_text
from tests.support.people import make_user

NEW_EMAIL = "nia.new@school.example"
NEW_PASSWORD = "kettle orbit lantern meadow"


def _app_from_environment(database_url, tmp_path):
    """An app configured as `./run.sh` configures it: from the environment, no base address given in code."""
    config = {k: v for k, v in TEST_CONFIG.items() if k != "WAYMARK_BASE_URL"}
    return create_app({**config, "SQLALCHEMY_DATABASE_URI": database_url, "WAYMARK_DATA_DIR": str(tmp_path)})


@pytest.fixture
def app_on_5203(database_url, tmp_path, monkeypatch):
    monkeypatch.delenv("WAYMARK_BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "5203")
    app = _app_from_environment(database_url, tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_an_invitation_sent_on_port_5203_links_to_5203_in_the_email_and_joins(app_on_5203, caplog):
    app = app_on_5203
    admin = make_user(app, "admin@uni.example", name="Ada Admin", roles=(Role.ADMIN,))
    client = app.test_client()
    login(client, admin.email)
    form_post(client, "/people/invite", {"name": "Nia New", "email": NEW_EMAIL, "role": "candidate"})

    with caplog.at_level(logging.INFO, logger="waymark.mail"):
        assert app.test_cli_runner().invoke(args=["mail", "send"]).exit_code == 0
    emailed = "\n".join(r.getMessage() for r in caplog.records if r.name == "waymark.mail")
    link = re.search(r"http://127\.0\.0\.1:5203(/invitations/[A-Za-z0-9_-]{40,})", emailed)
    assert link, "the emailed invitation does not link to port 5203"
    assert ":5000" not in emailed

    # The outbox tells what was sent, but never holds or shows the link itself.
    outbox = page_text(client.get("/admin/outbox/"))
    assert "You are invited to Waymark" in outbox
    assert "[link removed after sending]" in outbox
    assert link.group(1) not in outbox

    invitee = app.test_client()
    data = {"name": "Nia New", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    joined = form_post(invitee, link.group(1), data, follow=True)
    assert "Welcome to Waymark, Nia New. Your account is ready." in page_text(joined)


def test_a_configured_base_address_wins_over_the_port(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PORT", "5203")
    monkeypatch.setenv("WAYMARK_BASE_URL", "https://waymark.example.ac.uk/")
    app = _app_from_environment(database_url, tmp_path)
    assert app.config["WAYMARK_BASE_URL"] == "https://waymark.example.ac.uk"
    with app.app_context():
        db.engine.dispose()


def test_the_outbox_escapes_the_text_around_links():
    from core.web.formatting import linkify

    shown = str(linkify("Go <b>now</b>: http://x.test/a?b=1&c=2."))
    assert (
        shown
        == 'Go &lt;b&gt;now&lt;/b&gt;: <a href="http://x.test/a?b=1&amp;c=2">http://x.test/a?b=1&amp;c=2</a>.'
    )

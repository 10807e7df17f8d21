"""`flask sso providers | links | unlink`, as an operator uses them."""

from __future__ import annotations

import json

from sqlalchemy import select

from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from tests.support.html import logout, page_text
from tests.support.oidc import ACCOUNTS, sign_in_with_provider
from tests.support.people import make_user

PRIYA = ACCOUNTS["priya"]


def test_providers_lists_what_to_register_and_checks_discovery(runner, oidc_provider):
    result = runner.invoke(args=["sso", "providers"])

    assert result.exit_code == 0, result.output
    assert "uni: Northmoor University" in result.output
    assert "redirect URI              http://waymark.test/login/sso/uni/callback" in result.output
    assert "post-logout redirect URI  http://waymark.test/login/sso/schools/signed-out" in result.output
    assert result.output.count("discovery                 ok") == 2


def test_an_unlinked_account_links_again_on_its_next_sign_in(app, client, runner, oidc_provider):
    make_user(app, PRIYA["email"], name="Dr Priya Raman", roles=(Role.COURSE_LEADER,))
    sign_in_with_provider(client, oidc_provider.issuer, "priya")
    logout(client)

    listed = runner.invoke(args=["sso", "links", PRIYA["email"]])
    assert f"uni: subject {PRIYA['sub']}, linked as {PRIYA['email']}" in listed.output

    removed = runner.invoke(args=["sso", "unlink", PRIYA["email"], "uni"])
    assert removed.exit_code == 0, removed.output
    assert "is linked to no provider account" in runner.invoke(args=["sso", "links", PRIYA["email"]]).output
    assert runner.invoke(args=["sso", "unlink", PRIYA["email"], "uni"]).exit_code == 1

    # The account's provider account was replaced: the new one may now link by the same verified address.
    home, _, _ = sign_in_with_provider(app.test_client(), oidc_provider.issuer, "impostor")
    assert "Signed in as Dr Priya Raman with Northmoor University." in page_text(home)
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["sso_linked", "sso_unlinked"]))
            .order_by(AuditEvent.seq)
        ).all()
        assert [(r.action, json.loads(r.details_json)["subject"]) for r in rows] == [
            ("sso_linked", PRIYA["sub"]),
            ("sso_unlinked", PRIYA["sub"]),
            ("sso_linked", ACCOUNTS["impostor"]["sub"]),
        ]

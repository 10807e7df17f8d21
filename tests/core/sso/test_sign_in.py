"""Signing in with an OpenID provider, against the real one (tests/oidc): linking by verified address on the
first sign-in, by subject after that, accounts made just in time where a provider is trusted for it, and
signing out of the provider too."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from core.accounts.models import Invitation, LoginSession, Role, User
from core.accounts.services.accounts import set_disabled
from core.accounts.services.invitations import invite
from core.audit.models import AuditEvent
from core.extensions import db
from core.sso.models import ExternalIdentity
from tests.support.html import csrf_from, login, logout, page_text
from tests.support.oidc import ACCOUNTS, SCHOOLS, ProviderBrowser, sign_in_with_provider, waymark_path
from tests.support.people import make_user

PRIYA = ACCOUNTS["priya"]


def _actions(app, *names: str) -> list[tuple[str, dict]]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(names)).order_by(AuditEvent.seq)
        )
        return [(r.action, json.loads(r.details_json)) for r in rows]


def _identities(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(ExternalIdentity).order_by(ExternalIdentity.id))
        return [(r.provider, r.subject, r.user.email) for r in rows]


def _signed_in_as(client) -> str | None:
    response = client.get("/account")
    if response.status_code != 200:
        return None
    return page_text(response)


def test_the_sign_in_page_offers_each_provider_as_a_button(client):
    text = page_text(client.get("/login"))
    assert "Sign in with Northmoor University" in text
    assert "Sign in with Schools Microsoft" in text


def test_only_the_sign_in_page_lets_its_forms_lead_on_to_the_provider(client, oidc_provider):
    # The button posts to Waymark, which sends the browser on to the provider: browsers hold that redirect
    # to the sign-in page's form-action.
    assert (
        f"form-action 'self' {oidc_provider.issuer};"
        in client.get("/login").headers["Content-Security-Policy"]
    )
    assert "form-action 'self';" in client.get("/forgot-password").headers["Content-Security-Policy"]


def test_staff_member_is_linked_by_verified_address_on_first_sign_in(app, client, oidc_provider):
    leader = make_user(app, PRIYA["email"], name="Dr Priya Raman", roles=(Role.COURSE_LEADER,))

    home, _, _ = sign_in_with_provider(client, oidc_provider.issuer, "priya")

    assert "Signed in as Dr Priya Raman with Northmoor University." in page_text(home)
    assert _signed_in_as(client) is not None
    assert _identities(app) == [("uni", PRIYA["sub"], leader.email)]
    with app.app_context():
        # The same completion as a password sign-in: a server-side login session, recorded.
        assert db.session.scalar(select(LoginSession.user_id)) == leader.id
    actions = _actions(app, "sso_linked", "sso_signed_in", "login")
    assert [a for a, _ in actions] == ["sso_linked", "sso_signed_in", "login"]
    assert actions[0][1] == {"provider": "uni", "subject": PRIYA["sub"], "email": leader.email}


def test_the_audit_page_tells_single_sign_ons(app, client, oidc_provider, admin):
    make_user(app, PRIYA["email"], name="Dr Priya Raman", roles=(Role.COURSE_LEADER,))
    sign_in_with_provider(client, oidc_provider.issuer, "priya")
    sign_in_with_provider(app.test_client(), oidc_provider.issuer, "nia")  # refused: nobody knows Nia

    auditor = app.test_client()
    login(auditor, admin.email)
    text = page_text(auditor.get("/admin/audit/"))

    for words in ("SSO linked", "SSO signed in", "SSO refused"):
        assert words in text


def test_later_sign_ins_find_the_person_by_subject_not_by_address(app, client, oidc_provider):
    leader = make_user(app, PRIYA["email"], name="Dr Priya Raman", roles=(Role.COURSE_LEADER,))
    sign_in_with_provider(client, oidc_provider.issuer, "priya")
    logout(client)
    with app.app_context():
        # The Waymark account's address changes (a new job title, a new domain): the link still holds.
        db.session.get(User, leader.id).email = "p.raman@northmoor.example"
        db.session.commit()

    again = app.test_client()
    home, _, _ = sign_in_with_provider(again, oidc_provider.issuer, "priya")

    assert "Signed in as Dr Priya Raman with Northmoor University." in page_text(home)
    assert [a for a, _ in _actions(app, "sso_linked", "sso_signed_in")] == [
        "sso_linked",
        "sso_signed_in",
        "sso_signed_in",
    ]


def test_another_provider_account_with_the_same_address_cannot_take_a_linked_account(
    app, client, oidc_provider
):
    make_user(app, PRIYA["email"], name="Dr Priya Raman", roles=(Role.COURSE_LEADER,))
    sign_in_with_provider(client, oidc_provider.issuer, "priya")
    logout(client)

    stranger = app.test_client()
    page, _, _ = sign_in_with_provider(stranger, oidc_provider.issuer, "impostor")

    assert "already linked to a different Northmoor University account" in page_text(page)
    assert _signed_in_as(stranger) is None
    assert len(_identities(app)) == 1
    assert _actions(app, "sso_refused")[-1][1]["reason"] == "account linked to another subject"


def test_an_address_the_provider_has_not_confirmed_finds_no_account(app, client, oidc_provider):
    make_user(app, ACCOUNTS["uma"]["email"], name="Uma", roles=(Role.CANDIDATE,))

    page, _, _ = sign_in_with_provider(client, oidc_provider.issuer, "uma")

    assert "Northmoor University has not confirmed your email address" in page_text(page)
    assert _signed_in_as(client) is None
    assert _identities(app) == []
    assert _actions(app, "sso_refused")[-1][1]["reason"] == "email not verified"


def test_someone_waymark_does_not_know_is_refused_by_an_untrusted_provider(app, client, oidc_provider):
    page, _, _ = sign_in_with_provider(client, oidc_provider.issuer, "nia")

    assert f"There is no Waymark account for {ACCOUNTS['nia']['email']}" in page_text(page)
    assert _signed_in_as(client) is None
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == ACCOUNTS["nia"]["email"])) is None


def test_a_trusted_provider_makes_a_candidates_account_just_in_time(app, client, oidc_provider):
    home, _, _ = sign_in_with_provider(client, oidc_provider.issuer, "nia", spec=SCHOOLS)

    assert "Signed in as Nia Okoro with Schools Microsoft." in page_text(home)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == ACCOUNTS["nia"]["email"]))
        # Waymark's least role, whatever the provider says; the account has joined (no invitation pending).
        assert user.roles == [Role.CANDIDATE]
        assert user.has_joined
    assert _identities(app) == [("schools", ACCOUNTS["nia"]["sub"], ACCOUNTS["nia"]["email"])]
    assert [a for a, _ in _actions(app, "user_created", "sso_account_created", "sso_signed_in")] == [
        "user_created",
        "sso_account_created",
        "sso_signed_in",
    ]


def test_an_invited_person_signing_in_with_a_provider_has_joined(app, client, oidc_provider, admin):
    with app.app_context():
        inviter = db.session.get(User, admin.id)
        invite(inviter, email=ACCOUNTS["jo"]["email"], name="Jo Patel", role=Role.CANDIDATE)
        db.session.commit()

    home, _, _ = sign_in_with_provider(client, oidc_provider.issuer, "jo")

    assert "Signed in as Jo Patel with Northmoor University." in page_text(home)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == ACCOUNTS["jo"]["email"]))
        assert user.has_joined
        assert db.session.scalar(select(Invitation.used_at).where(Invitation.email == user.email))
    assert [a for a, _ in _actions(app, "joined_by_sso")] == ["joined_by_sso"]


def test_a_disabled_account_is_not_signed_in(app, client, oidc_provider, admin):
    leader = make_user(app, PRIYA["email"], name="Dr Priya Raman", roles=(Role.COURSE_LEADER,))
    with app.app_context():
        set_disabled(db.session.get(User, admin.id), db.session.get(User, leader.id), disabled=True)
        db.session.commit()

    page, _, _ = sign_in_with_provider(client, oidc_provider.issuer, "priya")

    assert "This Waymark account is disabled" in page_text(page)
    assert _signed_in_as(client) is None


def test_the_person_arrives_where_they_were_going(app, client, oidc_provider):
    make_user(app, PRIYA["email"], name="Dr Priya Raman", roles=(Role.COURSE_LEADER,))
    asked = client.get("/account")
    login_page = asked.headers["Location"]

    page, _, _ = sign_in_with_provider(client, oidc_provider.issuer, "priya", login_page=login_page)

    assert page.request.path == "/account"


def test_signing_out_offers_the_providers_sign_out_too(app, client, oidc_provider):
    make_user(app, PRIYA["email"], name="Dr Priya Raman", roles=(Role.COURSE_LEADER,))
    _, _, browser = sign_in_with_provider(client, oidc_provider.issuer, "priya")

    signed_out = client.get(logout(client).headers["Location"])

    text = page_text(signed_out)
    assert "You have signed out." in text
    link = next(
        a for a in signed_out.get_data(as_text=True).split('href="')[1:] if a.startswith(oidc_provider.issuer)
    )
    end_session = link.split('"')[0].replace("&amp;", "&")
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == ["http://waymark.test/login/sso/uni/signed-out"]
    assert query["id_token_hint"]
    assert "Also sign out of Northmoor University" in text

    # At the provider: it asks, the person says yes, and it sends them back to Waymark.
    browser.open(end_session).press("Yes, sign me out")
    back = client.get(waymark_path(browser.back), follow_redirects=True)
    assert "You have also signed out of Northmoor University." in page_text(back)
    assert "Also sign out of" not in page_text(back)
    # Signed out there too: the next sign-in asks for the password again.
    browser.open(
        client.post("/login/sso/uni", data={"csrf_token": _csrf(client)}, follow_redirects=False).headers[
            "Location"
        ]
    )
    assert "Username" in browser.text


def _csrf(client) -> str:
    return csrf_from(client.get("/login").get_data(as_text=True))


def test_a_password_sign_in_offers_no_provider_sign_out(app, client):
    person = make_user(app, PRIYA["email"], name="Dr Priya Raman", roles=(Role.COURSE_LEADER,))
    login(client, person.email)

    signed_out = client.get(logout(client).headers["Location"])

    assert "Also sign out of" not in page_text(signed_out)


def test_signing_in_as_someone_else_ends_the_first_persons_session(app, client, oidc_provider, candidate):
    make_user(app, PRIYA["email"], name="Dr Priya Raman", roles=(Role.COURSE_LEADER,))
    login(client, candidate.email)
    # The buttons are on the sign-in page, which a signed-in person does not see; the form still works.
    token = csrf_from(client.get("/account").get_data(as_text=True))
    start = client.post("/login/sso/uni", data={"csrf_token": token})
    browser = ProviderBrowser(oidc_provider.issuer).open(start.headers["Location"]).sign_in("priya")

    home = client.get(waymark_path(browser.back), follow_redirects=True)

    assert "Signed in as Dr Priya Raman with Northmoor University." in page_text(home)
    with app.app_context():
        sessions = {s.user_id: s.revoked_at for s in db.session.scalars(select(LoginSession))}
        assert sessions[candidate.id] is not None


def test_a_single_sign_on_stands_for_the_second_factor_where_staff_must_have_one(app, client, oidc_provider):
    """With multi-factor sign-in required for course leaders, one who signs in with the provider is not held
    for a Waymark code nor sent to set one up: the provider's sign-in policy stands for it."""
    app.config["WAYMARK_MFA_REQUIRED_ROLES"] = ("course_leader",)
    make_user(app, PRIYA["email"], name="Dr Priya Raman", roles=(Role.COURSE_LEADER,))

    home, _, _ = sign_in_with_provider(client, oidc_provider.issuer, "priya")

    assert "Signed in as Dr Priya Raman with Northmoor University." in page_text(home)
    account = client.get("/account")
    assert account.status_code == 200  # not redirected to the set-up page
    assert "Set it up to carry on" not in page_text(account)

"""Passkeys beside the authenticator app: adding one (with a code), confirming a sign-in with it, and what is
refused: a replayed answer, a cloned key, another account's key, another site's answer. A software
authenticator (tests/support/passkeys.py) signs as a security key would; tests/e2e/test_passkeys.py does it
in Chromium with a virtual authenticator."""

from __future__ import annotations

from sqlalchemy import func, select

from core.accounts.models import LoginAttempt
from core.audit.models import AuditEvent
from core.extensions import db
from core.mail.models import OutboxMessage
from core.mfa.models import Passkey
from core.passkeys.rules import site_of
from tests.support.html import csrf_from, form_post, login, logout, page_text
from tests.support.mfa import enter_code, set_up_app
from tests.support.passkeys import SoftKey, allowed_ids
from tests.support.people import PASSWORD, make_user

ORIGIN = "http://waymark.test"  # TEST_CONFIG's WAYMARK_BASE_URL


def _token(client, url: str) -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def _add_options(client, name: str, code: str):
    token = _token(client, "/account/mfa")
    return client.post(
        "/account/mfa/passkeys/options", data={"csrf_token": token, "name": name, "code": code}
    )


def _finish(client, url: str, answer: dict, page: str):
    return client.post(url, json=answer, headers={"X-CSRFToken": _token(client, page)})


def _add(client, key: SoftKey, clock, secret: str, name: str = "Work laptop"):
    clock.tick()
    options = _add_options(client, name, clock.code(secret))
    assert options.status_code == 200, options.get_json()
    return _finish(client, "/account/mfa/passkeys", key.create(options.get_json()), "/account/mfa")


def _sign_in_options(client):
    return client.post("/login/passkey/options", data={"csrf_token": _token(client, "/login/code")})


def _with_app_and_key(client, person, clock):
    login(client, person.email)
    done = set_up_app(client, clock)
    key = SoftKey(ORIGIN)
    assert _add(client, key, clock, done.secret).status_code == 200
    logout(client)
    return done, key


def _count(app, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(where[0]).where(*where[1:]))


def test_candidate_with_an_app_can_add_a_passkey_with_a_code(client, candidate, clock, app):
    login(client, candidate.email)
    done = set_up_app(client, clock)
    page = page_text(client.get("/account/mfa"))
    assert "Passkeys" in page
    assert "Adding a passkey needs a browser that supports passkeys" in page

    clock.tick()
    wrong = _add_options(client, "Work laptop", "000000" if clock.code(done.secret) != "000000" else "111111")
    assert wrong.status_code == 422
    assert "That code is not right" in wrong.get_json()["error"]
    assert _count(app, LoginAttempt, LoginAttempt.kind == "mfa") == 1

    options = _add_options(client, "Work laptop", clock.code(done.secret))
    assert options.status_code == 200
    body = options.get_json()
    assert body["rp"] == {"id": "waymark.test", "name": "Waymark"}
    assert body["user"]["name"] == candidate.email
    key = SoftKey(ORIGIN)
    response = _finish(client, "/account/mfa/passkeys", key.create(body), "/account/mfa")
    assert response.status_code == 200
    assert response.get_json() == {"redirect": "/account/mfa"}
    overview = page_text(client.get("/account/mfa"))
    assert "Passkey “Work laptop” added" in overview
    assert "Work laptop: added" in overview
    with app.app_context():
        stored = db.session.scalar(select(Passkey))
        assert stored.credential_id == key.id
        assert stored.transports == "usb"
        assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)) == (
            "mfa_passkey_added"
        )
        assert db.session.scalar(
            select(OutboxMessage.subject).order_by(OutboxMessage.id.desc()).limit(1)
        ) == ("A passkey was added to your Waymark account")
    # The next one excludes it, so the same key is not registered twice.
    clock.tick()
    assert allowed_ids(_add_options(client, "Phone", clock.code(done.secret)).get_json()) == [key.id]


def test_a_passkey_needs_the_app_first(client, candidate):
    login(client, candidate.email)
    response = _add_options(client, "Work laptop", "123456")
    assert response.status_code == 409
    assert "Set up an authenticator app first" in response.get_json()["error"]


def test_candidate_can_confirm_the_sign_in_with_their_passkey(client, candidate, clock, app):
    _, key = _with_app_and_key(client, candidate, clock)
    assert login(client, candidate.email, follow=False).headers["Location"] == "/login/code"
    assert "Use a passkey" in client.get("/login/code").get_data(as_text=True)
    options = _sign_in_options(client).get_json()
    assert options["rpId"] == "waymark.test"
    assert allowed_ids(options) == [key.id]
    response = _finish(client, "/login/passkey", key.get(options), "/login/code")
    assert response.get_json() == {"redirect": "/"}
    assert "Hello, Casey Candidate" in page_text(client.get("/"))
    with app.app_context():
        assert db.session.scalar(select(Passkey.sign_count)) == 1


def test_a_replayed_passkey_answer_is_refused(client, candidate, clock):
    _, key = _with_app_and_key(client, candidate, clock)
    login(client, candidate.email, follow=False)
    answer = key.get(_sign_in_options(client).get_json())
    assert _finish(client, "/login/passkey", answer, "/login/code").status_code == 200
    logout(client)
    login(client, candidate.email, follow=False)
    # The old answer, sent again: its challenge was spent (and a new one was never asked for).
    again = _finish(client, "/login/passkey", answer, "/login/code")
    assert again.status_code == 400
    _sign_in_options(client)
    refused = _finish(client, "/login/passkey", answer, "/login/code")
    assert refused.status_code == 422
    assert client.get("/account").status_code == 302


def test_a_cloned_passkey_is_refused_and_counted(client, candidate, clock, app):
    _, key = _with_app_and_key(client, candidate, clock)
    login(client, candidate.email, follow=False)
    assert _finish(
        client, "/login/passkey", key.get(_sign_in_options(client).get_json(), counter=5), "/login/code"
    )
    logout(client)
    login(client, candidate.email, follow=False)
    # A copy of the key answers with a counter the original has already passed.
    response = _finish(
        client, "/login/passkey", key.get(_sign_in_options(client).get_json(), counter=3), "/login/code"
    )
    assert response.status_code == 422
    assert "did not confirm it is you" in response.get_json()["error"]
    assert _count(app, LoginAttempt, LoginAttempt.kind == "mfa") == 1
    assert client.get("/account").status_code == 302


def test_another_accounts_passkey_cannot_confirm_this_sign_in(client, candidate, clock, app):
    other = make_user(app, "other@school.example", name="Olly Other")
    _, their_key = _with_app_and_key(app.test_client(), other, clock)
    _with_app_and_key(client, candidate, clock)
    login(client, candidate.email, follow=False)
    response = _finish(
        client, "/login/passkey", their_key.get(_sign_in_options(client).get_json()), "/login/code"
    )
    assert response.status_code == 422
    assert client.get("/account").status_code == 302


def test_an_answer_made_for_another_site_is_refused(client, candidate, clock):
    _, key = _with_app_and_key(client, candidate, clock)
    login(client, candidate.email, follow=False)
    options = _sign_in_options(client).get_json()
    key.origin = "http://waymark.test.evil.example"  # a look-alike page relaying the ceremony
    assert _finish(client, "/login/passkey", key.get(options), "/login/code").status_code == 422


def _signed_in_again(client, person, clock, secret):
    clock.tick()
    login(client, person.email, follow=False)
    assert enter_code(client, clock.code(secret)).headers["Location"] == "/"


def test_candidate_can_remove_a_passkey_with_their_password(client, candidate, clock, app):
    done, _ = _with_app_and_key(client, candidate, clock)
    _signed_in_again(client, candidate, clock, done.secret)
    with app.app_context():
        passkey_id = db.session.scalar(select(Passkey.id))
    url = f"/account/mfa/passkeys/{passkey_id}/remove"
    assert "Remove passkey “Work laptop”" in page_text(client.get(url))
    refused = form_post(client, url, {"password": "not my password at all"})
    assert refused.status_code == 422
    assert "That is not your password" in page_text(refused)
    assert _count(app, Passkey) == 1
    response = form_post(client, url, {"password": PASSWORD})
    assert response.headers["Location"] == "/account/mfa"
    assert "Passkey “Work laptop” removed" in page_text(client.get("/account/mfa"))
    assert _count(app, Passkey) == 0
    assert _count(app, AuditEvent, AuditEvent.action == "mfa_passkey_removed") == 1
    assert (
        _count(app, OutboxMessage, OutboxMessage.subject == "A passkey was removed from your Waymark account")
        == 1
    )


def test_nobody_can_see_or_remove_another_persons_passkey(client, candidate, clock, app):
    other = make_user(app, "other@school.example", name="Olly Other")
    _with_app_and_key(app.test_client(), other, clock)
    with app.app_context():
        theirs = db.session.scalar(select(Passkey.id))
    login(client, candidate.email)
    assert client.get(f"/account/mfa/passkeys/{theirs}/remove").status_code == 404
    response = form_post(
        client, "/account", {"password": PASSWORD}, action=f"/account/mfa/passkeys/{theirs}/remove"
    )
    assert response.status_code == 404
    assert _count(app, Passkey) == 1


def test_turning_multi_factor_off_removes_the_passkeys_too(client, candidate, clock, app):
    done, _ = _with_app_and_key(client, candidate, clock)
    _signed_in_again(client, candidate, clock, done.secret)
    form_post(client, "/account/mfa/off", {"password": PASSWORD, "code": done.codes[0]})
    assert _count(app, Passkey) == 0


def test_the_site_is_the_public_address():
    site = site_of("https://waymark.example.ac.uk/")
    assert (site.id, site.origin) == ("waymark.example.ac.uk", "https://waymark.example.ac.uk")
    assert site_of("http://localhost:5000").origin == "http://localhost:5000"

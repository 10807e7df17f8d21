"""The revocation list a credential points at: a signed BitstringStatusListCredential, read from the
certificates table on each request, so revoking a certificate sets its bit at once."""

from __future__ import annotations

import time

import jwt

from tests.support.credentials import bit, bits, keygen, revoke_directly, verify
from tests.support.html import signed_in
from tests.support.people import JO

BASE = "http://waymark.test"
LIST = "/credentials/status/1"


def _list_claims(client) -> dict:
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    return verify(client, response.get_data(as_text=True))


def test_revoking_a_certificate_sets_its_bit_in_the_signed_list_at_once(app, world):
    keygen(app)
    verifier = app.test_client()  # anyone, signed in or not
    before = bits(_list_claims(verifier)["credentialSubject"]["encodedList"])
    assert len(before) * 8 == 131_072
    assert bit(before, world.status_index) == 0
    assert not any(before)

    revoke_directly(app, world.number)

    after = bits(_list_claims(verifier)["credentialSubject"]["encodedList"])
    assert bit(after, world.status_index) == 1
    # Only that bit: every other certificate stays valid.
    assert sum(bin(byte).count("1") for byte in after) == 1


def test_the_list_is_a_bitstring_status_list_credential_signed_like_the_credentials(app, world):
    keygen(app)
    client = app.test_client()
    token = client.get(LIST).get_data(as_text=True)
    header = jwt.get_unverified_header(token)
    assert set(header) == {"alg", "kid", "typ"}
    assert (header["alg"], header["typ"]) == ("ES256", "JWT")

    claims = verify(client, token)
    assert claims["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert claims["id"] == claims["jti"] == f"{BASE}{LIST}"
    assert claims["issuer"] == claims["iss"] == f"{BASE}/credentials/issuer"
    subject = claims["credentialSubject"]
    assert subject["id"] == claims["sub"] == f"{BASE}{LIST}#list"
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert subject["ttl"] == 60_000
    # Valid already: a verifier whose clock is a little behind ours must not find it "not yet valid".
    assert claims["nbf"] <= time.time()


def test_verifiers_in_browsers_may_fetch_it_and_cache_it_briefly(app, world):
    keygen(app)
    response = signed_in(app, JO).get(LIST)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Accept" in response.headers["Vary"]
    # A shared cache keeps public documents: a signed-in person's session cookie must not go with one.
    assert "Set-Cookie" not in response.headers


def test_the_list_comes_as_json_when_asked_for(app, world):
    keygen(app)
    revoke_directly(app, world.number)
    client = app.test_client()
    for response in (
        client.get(LIST, headers={"Accept": "application/ld+json"}),
        client.get(LIST, headers={"Accept": "application/json"}),
        client.get(f"{LIST}.json"),
    ):
        assert response.status_code == 200
        assert response.mimetype == "application/ld+json"
        document = response.get_json()
        assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        assert bit(bits(document["credentialSubject"]["encodedList"]), world.status_index) == 1


def test_only_list_one_exists(app, world):
    client = app.test_client()
    assert client.get("/credentials/status/2").status_code == 404
    assert client.get("/credentials/status/2.json").status_code == 404

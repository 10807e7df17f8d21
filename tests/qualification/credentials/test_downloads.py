"""A candidate downloads her award as an Open Badges 3.0 credential from her transcript: a VC-JWT signed with
the university's key, whose signature a verifier checks with any JOSE library against the published keys.
Only she and the staff who may read her transcript can download it, and only while it is valid."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import jwt
import pytest

from qualification.credentials.rules import salt_for
from tests.support.credentials import download_links, keygen, revoke_directly, verify
from tests.support.html import page_text, signed_in
from tests.support.people import CHRIS, HELEN, JO, LEADER, MORGAN, TOM, user_id
from tests.support.transcript import cohort_id

BASE = "http://waymark.test"  # WAYMARK_BASE_URL in the tests


def _jos_download(app, kind: str = "jwt"):
    client = signed_in(app, JO)
    links = download_links(client.get("/transcript").get_data(as_text=True))
    link = next(href for href in links if href.endswith(f".{kind}"))
    return client, client.get(link)


def test_jo_downloads_her_award_as_a_credential_that_verifies_with_the_published_key(app, world):
    keygen(app)
    client, response = _jos_download(app)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "attachment" in response.headers["Content-Disposition"]
    assert f"{world.number}.jwt" in response.headers["Content-Disposition"]
    token = response.get_data(as_text=True).strip()

    header = jwt.get_unverified_header(token)
    # Open Badges 3.0 allows exactly these JOSE headers; ES256 is the default key's algorithm.
    assert set(header) == {"alg", "kid", "typ"}
    assert header["alg"] == "ES256"
    assert header["typ"] == "JWT"
    assert header["kid"].startswith(f"{BASE}/credentials/keys/")

    claims = verify(client, token)
    assert claims["iss"] == claims["issuer"]["id"] == f"{BASE}/credentials/issuer"
    assert claims["jti"] == claims["id"] == f"{BASE}/credentials/{world.number}"
    assert claims["sub"] == claims["credentialSubject"]["id"]
    valid_from = datetime.combine(world.issued_on, datetime.min.time(), tzinfo=UTC)
    assert claims["validFrom"] == valid_from.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert claims["nbf"] == int(valid_from.timestamp())
    assert "vc" not in claims  # VC 2.0: the payload is the credential itself


def test_the_credential_has_what_open_badges_3_requires(app, world):
    keygen(app)
    client, response = _jos_download(app)
    credential = verify(client, response.get_data(as_text=True).strip())

    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"] == {
        "id": f"{BASE}/credentials/issuer",
        "type": ["Profile"],
        "name": "Northmoor University",  # WAYMARK_UNIVERSITY, unless WAYMARK_ISSUER_NAME is set
        "url": BASE,
    }
    assert credential["name"] == "Professional Certificate in Careers Coordination"

    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["id"].startswith("urn:uuid:")
    email, name = subject["identifier"]
    salt = salt_for(app.config["SECRET_KEY"], world.number)
    assert email == {
        "type": "IdentityObject",
        "identityHash": "sha256$" + hashlib.sha256((JO + salt).encode()).hexdigest(),
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }
    assert name == {
        "type": "IdentityObject",
        "identityHash": "Jo Patel",
        "identityType": "name",
        "hashed": False,
    }
    assert subject["creditsEarned"] == 60

    achievement = subject["achievement"]
    assert achievement["id"] == f"{BASE}/catalogue/CCQ/CERT"
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["name"] == "Professional Certificate in Careers Coordination"
    assert "60 credits at FHEQ level 6" in achievement["description"]
    assert achievement["criteria"]["narrative"].startswith("Achieve the modules the award's rules require")
    assert achievement["criteria"]["narrative"].endswith(
        "the exam board of Northmoor University ratifies the result."
    )
    assert achievement["creditsAvailable"] == 60
    assert achievement["humanCode"] == "CERT"
    (level,) = achievement["alignment"]
    assert level["type"] == ["Alignment"]
    assert (level["targetName"], level["targetCode"]) == ("FHEQ level 6", "6")
    assert level["targetUrl"].startswith("https://")

    assert credential["credentialStatus"] == {
        "id": f"{BASE}/credentials/status/1#{world.status_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(world.status_index),
        "statusListCredential": f"{BASE}/credentials/status/1",
    }


def test_the_issuer_is_named_as_the_settings_say_and_its_profile_is_published(app, world):
    app.config.update(
        WAYMARK_ISSUER_NAME="Northmoor University", WAYMARK_ISSUER_URL="https://northmoor.example"
    )
    keygen(app)
    client, response = _jos_download(app)
    issuer = verify(client, response.get_data(as_text=True).strip())["issuer"]
    assert issuer["name"] == "Northmoor University"

    published = app.test_client().get("/credentials/issuer")
    assert published.status_code == 200
    assert published.mimetype == "application/ld+json"
    assert published.headers["Access-Control-Allow-Origin"] == "*"
    profile = published.get_json()
    assert profile.pop("@context")[1].endswith("context-3.0.3.json")
    assert (
        profile
        == issuer
        == {
            "id": f"{BASE}/credentials/issuer",
            "type": ["Profile"],
            "name": "Northmoor University",
            "url": "https://northmoor.example",
        }
    )


def test_the_json_download_is_the_same_credential_to_read(app, world):
    keygen(app)
    client, signed = _jos_download(app, "jwt")
    claims = verify(client, signed.get_data(as_text=True).strip())
    readable = client.get(f"/credentials/download/{world.id}.json")
    assert readable.status_code == 200
    assert readable.mimetype == "application/ld+json"
    assert f"{world.number}.json" in readable.headers["Content-Disposition"]
    credential = readable.get_json()
    assert credential == {k: v for k, v in claims.items() if k not in {"iss", "jti", "nbf", "sub"}}
    # The same salt at every download: the email hash a verifier checks does not change.
    assert client.get(f"/credentials/download/{world.id}.json").get_json() == credential


def test_the_kid_in_the_header_is_a_url_that_answers_with_the_public_key(app, world):
    keygen(app)
    client, response = _jos_download(app)
    kid = jwt.get_unverified_header(response.get_data(as_text=True).strip())["kid"]
    answered = app.test_client().get(kid.removeprefix(BASE))
    assert answered.status_code == 200
    assert answered.mimetype == "application/jwk+json"
    assert answered.headers["Access-Control-Allow-Origin"] == "*"
    key = answered.get_json()
    assert key["kid"] == kid
    assert key["kty"] == "EC"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)  # the public half only
    assert client.get("/credentials/keys/" + "A" * 43).status_code == 404


def test_the_key_set_is_public_and_holds_no_private_part(app, world):
    keygen(app)
    response = app.test_client().get("/credentials/jwks.json")
    assert response.status_code == 200
    assert response.mimetype == "application/jwk-set+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    (key,) = response.get_json()["keys"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
    assert (key["alg"], key["use"]) == ("ES256", "sig")


def test_the_transcript_offers_the_downloads_for_a_valid_certificate(app, world):
    keygen(app)
    response = signed_in(app, JO).get("/transcript")
    text = page_text(response)
    assert f"Certificate {world.number}" in text
    assert "Digital credential (Open Badges 3.0)" in text
    assert download_links(response.get_data(as_text=True)) == [
        f"/credentials/download/{world.id}.jwt",
        f"/credentials/download/{world.id}.json",
    ]


@pytest.mark.parametrize("staff", [LEADER, TOM, HELEN])
def test_staff_who_may_read_jos_transcript_can_download_her_credential(app, world, staff):
    # The course leader, Jo's allocated assessor (Tom) and the cohort's IQA (Helen).
    keygen(app)
    client = signed_in(app, staff)
    transcript = client.get(f"/cohorts/{cohort_id(app)}/candidates/{user_id(app, JO)}/transcript")
    (link, _) = download_links(transcript.get_data(as_text=True))
    token = client.get(link).get_data(as_text=True).strip()
    assert verify(client, token)["jti"].endswith(world.number)


@pytest.mark.parametrize("other", [CHRIS, MORGAN])
def test_another_candidate_cannot_download_jos_credential(app, world, other):
    keygen(app)
    client = signed_in(app, other)
    for kind in ("jwt", "json"):
        assert client.get(f"/credentials/download/{world.id}.{kind}").status_code == 404
    assert client.get("/credentials/download/999999.jwt").status_code == 404


def test_signed_out_the_download_asks_to_sign_in(app, world):
    keygen(app)
    response = app.test_client().get(f"/credentials/download/{world.id}.jwt")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_without_a_key_the_transcript_and_the_download_say_not_available_yet(app, world):
    client = signed_in(app, JO)
    transcript = client.get("/transcript")
    assert "Not available yet" in page_text(transcript)
    assert download_links(transcript.get_data(as_text=True)) == []

    for kind in ("jwt", "json"):
        response = client.get(f"/credentials/download/{world.id}.{kind}")
        assert response.status_code == 503
        assert "Digital credential not available yet" in page_text(response)
        assert "flask credentials keygen" in page_text(response)
    # What verifiers fetch answers too: no keys yet, and no signed list yet (its JSON is there).
    assert client.get("/credentials/jwks.json").get_json() == {"keys": []}
    assert client.get("/credentials/status/1").status_code == 404
    assert client.get("/credentials/status/1.json").status_code == 200


def test_a_revoked_certificate_has_no_credential_to_download(app, world):
    keygen(app)
    revoke_directly(app, world.number)
    client = signed_in(app, JO)
    transcript = client.get("/transcript")
    assert "Revoked" in page_text(transcript)
    assert download_links(transcript.get_data(as_text=True)) == []
    assert client.get(f"/credentials/download/{world.id}.jwt").status_code == 404
    assert signed_in(app, LEADER).get(f"/credentials/download/{world.id}.json").status_code == 404


def test_the_credential_id_opens_the_public_check(app, world):
    keygen(app)
    client, response = _jos_download(app)
    credential = verify(client, response.get_data(as_text=True).strip())
    path = credential["id"].removeprefix(BASE)
    opened = app.test_client().get(path)
    assert opened.status_code == 302
    number = path.rsplit("/", 1)[1]
    assert opened.headers["Location"].endswith(f"/verify/{number}")
    assert app.test_client().get("/credentials/not-a-number").status_code == 404

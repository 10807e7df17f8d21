"""The JSON-LD contexts ship with Waymark, and every property a credential or the status list carries is a
term they define: a JSON-LD processor that knows only the shipped files expands them and drops nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from pyld import jsonld

from qualification.credentials import rules
from tests.support.credentials import keygen
from tests.support.html import signed_in
from tests.support.people import JO

CONTEXTS = Path(rules.__file__).with_name("contexts")
SHIPPED = {
    rules.VC_CONTEXT: CONTEXTS / "credentials-v2.jsonld",
    rules.OB_CONTEXT: CONTEXTS / "ob-v3p0-context-3.0.3.json",
}
# The hash the W3C Verifiable Credentials Data Model 2.0 Recommendation publishes for its base context.
# A type no context defines resolves against the base as a relative IRI: this base makes it stand out.
UNDEFINED = "https://undefined.invalid/"
VC_V2_SHA256 = "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"


def _offline_loader(url, _options=None):
    if url not in SHIPPED:
        raise AssertionError(f"the expansion asked for a context that is not shipped: {url}")
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(SHIPPED[url].read_text())}


def _expanded(document: dict) -> tuple[list, list[str]]:
    """The expansion with only the shipped contexts, and the properties it dropped."""
    dropped: list[str] = []
    expanded = jsonld.expand(
        document,
        {"documentLoader": _offline_loader, "base": UNDEFINED},
        on_property_dropped=lambda term: dropped.append(term),
    )
    return expanded, dropped


def _types(node) -> list[str]:
    """Every @type value in an expanded document."""
    if isinstance(node, list):
        return [t for item in node for t in _types(item)]
    if not isinstance(node, dict):
        return []
    found = list(node.get("@type", [])) if isinstance(node.get("@type"), list) else []
    return found + [t for key, value in node.items() if key != "@type" for t in _types(value)]


def _defined(document: dict) -> list[str]:
    """What the contexts do not define: dropped properties, and types that were only relative IRIs."""
    expanded, dropped = _expanded(document)
    assert expanded, "nothing survived expansion"
    return dropped + [t.removeprefix(UNDEFINED) for t in _types(expanded) if t.startswith(UNDEFINED)]


def test_the_shipped_vc_context_is_the_recommendations_byte_for_byte():
    assert hashlib.sha256(SHIPPED[rules.VC_CONTEXT].read_bytes()).hexdigest() == VC_V2_SHA256


def test_the_shipped_ob_context_is_version_3_0_3():
    context = json.loads(SHIPPED[rules.OB_CONTEXT].read_text())["@context"]
    # awardedDate arrived in 3.0.3 (1EdTech, March 2024); 3.0.2 does not define it.
    assert "awardedDate" in context
    assert (
        context["OpenBadgeCredential"]["@id"]
        == "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"
    )


@pytest.mark.parametrize("name", ["credentials-v2.jsonld", "ob-v3p0-context-3.0.3.json"])
def test_the_contexts_are_served_as_shipped(client, name):
    response = client.get(f"/credentials/contexts/{name}")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.data == (CONTEXTS / name).read_bytes()


def test_an_unknown_context_is_not_found(client):
    assert client.get("/credentials/contexts/README.md").status_code == 404
    assert client.get("/credentials/contexts/..%2Fservices.py").status_code == 404


def test_every_property_of_a_downloaded_credential_is_defined_by_the_shipped_contexts(app, world):
    keygen(app)
    credential = signed_in(app, JO).get(f"/credentials/download/{world.id}.json").get_json()
    assert _defined(credential) == []
    expanded = json.dumps(_expanded(credential)[0])
    # The Open Badges terms took their Open Badges meaning, the status entry its W3C one.
    assert "https://purl.imsglobal.org/spec/vc/ob/vocab.html#identityHash" in expanded
    assert "https://www.w3.org/ns/credentials/status#statusListIndex" in expanded
    # And the check can fail: a property no context defines, or a type it does not know, is reported.
    assert _defined({**credential, "favouriteColour": "teal"}) == ["favouriteColour"]
    assert _defined({**credential, "type": [*credential["type"], "WaymarkCredential"]}) == [
        "WaymarkCredential"
    ]


def test_every_property_of_the_status_list_and_the_issuer_profile_is_defined(app, world):
    client = app.test_client()
    status_list = client.get("/credentials/status/1.json").get_json()
    assert _defined(status_list) == []
    assert _defined(client.get("/credentials/issuer").get_json()) == []

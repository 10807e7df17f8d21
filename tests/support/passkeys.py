"""A software authenticator for tests that cannot run a browser: it answers the WebAuthn options the server
sends exactly as a browser and a security key would (ES256 key, "none" attestation, a signature counter),
so the server's checks run on real signatures."""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

FLAGS_UP_UV = 0x01 | 0x04
FLAG_AT = 0x40


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()


@dataclass
class SoftKey:
    """One credential on a software authenticator."""

    origin: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    counter: int = 0

    @property
    def id(self) -> str:
        return bytes_to_base64url(self.credential_id)

    def _cose_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps(
            {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        )

    def create(self, options: dict) -> dict:
        """What navigator.credentials.create() gives back for these options."""
        rp_hash = hashlib.sha256(options["rp"]["id"].encode()).digest()
        attested = (
            bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose_key()
        )
        auth_data = rp_hash + bytes([FLAGS_UP_UV | FLAG_AT]) + struct.pack(">I", self.counter) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = _client_data("webauthn.create", options["challenge"], self.origin)
        return self._credential(
            client_data, attestationObject=bytes_to_base64url(attestation), transports=["usb"]
        )

    def get(self, options: dict, *, counter: int | None = None) -> dict:
        """What navigator.credentials.get() gives back: the counter moves on, and the answer is signed."""
        self.counter = self.counter + 1 if counter is None else counter
        rp_hash = hashlib.sha256(options["rpId"].encode()).digest()
        auth_data = rp_hash + bytes([FLAGS_UP_UV]) + struct.pack(">I", self.counter)
        client_data = _client_data("webauthn.get", options["challenge"], self.origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.private_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return self._credential(
            client_data,
            authenticatorData=bytes_to_base64url(auth_data),
            signature=bytes_to_base64url(signature),
        )

    def _credential(self, client_data: bytes, **response) -> dict:
        """A PublicKeyCredential as the browser's script sends it: client data and the ceremony's parts."""
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {"clientDataJSON": bytes_to_base64url(client_data), **response},
        }


def allowed_ids(options: dict) -> list[str]:
    """The credential ids the server lets the browser use (or excludes, when making a new one)."""
    key = "allowCredentials" if "allowCredentials" in options else "excludeCredentials"
    return [d["id"] for d in options.get(key, [])]


__all__ = ["SoftKey", "allowed_ids", "base64url_to_bytes"]

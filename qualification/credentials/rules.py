"""Open Badges 3.0 credentials and the revocation list as plain data (pure: no Flask, no database).

The shapes are 1EdTech's Open Badges 3.0 data model (OpenBadgeCredential, AchievementSubject, Achievement,
IdentityObject, Profile) on the W3C Verifiable Credentials Data Model 2.0; revocation is the W3C Bitstring
Status List. Every property written here is a term of the two contexts in contexts/ (a test expands a
credential with only those and fails on any property the contexts do not define).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from core.web.words import plural

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# The Bitstring Status List's minimum length (16 KiB), and the size of the one list we publish: each
# certificate holds a random slot in it (qualification.certificates.services.STATUS_LIST_SIZE).
STATUS_LIST_BITS = 131_072
STATUS_PURPOSE = "revocation"
# Open Badges 3.0 has no "level" on an Achievement: a level is an alignment to a framework's node.
FHEQ_NAME = "The Framework for Higher Education Qualifications of UK Degree-Awarding Bodies (FHEQ)"
FHEQ_URL = "https://www.qaa.ac.uk/the-quality-code/qualifications-frameworks"
# achievementType is 1EdTech's extensible vocabulary: an award is a "Certificate" (requisite knowledge and
# skills of a profession or academic programme); a module taken alone is a "Course" (a course completion).
ACHIEVEMENT_TYPES = {"award": "Certificate", "cpd": "Course"}


@dataclass(frozen=True)
class Issuer:
    """The university as an Open Badges Profile: `id` is the URL its profile is published at."""

    id: str
    name: str
    url: str

    def profile(self) -> dict:
        return {"id": self.id, "type": ["Profile"], "name": self.name, "url": self.url}


@dataclass(frozen=True)
class Achieved:
    """What the certificate is for, as the board ratified it."""

    kind: str  # "award" or "cpd" (qualification.certificates.models.CertificateKind)
    code: str
    title: str
    qualification_title: str
    level: int
    credits: int
    achievement_id: str  # a stable URL for the award or module (the public catalogue)
    version: int  # the qualification version the candidate studied


@dataclass(frozen=True)
class Holder:
    """The candidate, as the credential names them: an opaque subject id, a salted email hash, the name
    they chose for their certificate."""

    subject_id: str
    email: str
    salt: str
    name: str


@dataclass(frozen=True)
class StatusSlot:
    """Where a verifier reads whether this credential is revoked."""

    list_url: str
    index: int


def identity_hash(identifier: str, salt: str) -> str:
    """An Open Badges IdentityHash: 'sha256$' and the hex SHA-256 of the identifier with the salt appended."""
    return "sha256$" + hashlib.sha256((identifier + salt).encode("utf-8")).hexdigest()


def _derived(secret: str, purpose: str, value: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()


def salt_for(secret: str, number: str) -> str:
    """The salt of a certificate's email hash: the same at every download, unguessable without the secret."""
    return _derived(secret, "waymark.credentials.salt", number)[:16].hex()


def subject_id_for(secret: str, candidate_id: int) -> str:
    """The candidate's credential subject id: a URN that stays the same across their credentials and says
    nothing about them (the JWT's `sub`, which Open Badges requires, is this id)."""
    digest = _derived(secret, "waymark.credentials.subject", str(candidate_id))
    return uuid.UUID(bytes=digest[:16], version=4).urn


def board_datetime(day: date) -> str:
    """The board's date as an XML Schema dateTime in UTC (the start of that day)."""
    return datetime.combine(day, time(0, 0), tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def numeric_date(stamp: str) -> int:
    """A JWT NumericDate from a dateTime written by this module (or any ISO 8601 'Z' time)."""
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


def _description(achieved: Achieved) -> str:
    size = f"{plural(achieved.credits, 'credit')} at FHEQ level {achieved.level}"
    if achieved.kind == "cpd":
        return (
            f"{achieved.title}: a module of {size} from the {achieved.qualification_title}, "
            "taken as stand-alone professional development (CPD)."
        )
    return f"{achieved.title}: an award of {size} in the {achieved.qualification_title}."


def _criteria(achieved: Achieved, issuer: Issuer) -> str:
    size = f"{plural(achieved.credits, 'credit')} at FHEQ level {achieved.level}"
    work = (
        f"Meet every assessment criterion of the module ({size})."
        if achieved.kind == "cpd"
        else f"Achieve the modules the award's rules require ({size})."
    )
    return (
        f"{work} An assessor judges each criterion against evidence in the candidate's portfolio, the "
        f"judgements are internally quality assured, and the exam board of {issuer.name} ratifies the result."
    )


def achievement(achieved: Achieved, issuer: Issuer) -> dict:
    """The Achievement: what was earned, its credits and its level (an alignment to the FHEQ)."""
    return {
        "id": achieved.achievement_id,
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES[achieved.kind],
        "name": achieved.title,
        "description": _description(achieved),
        "criteria": {"id": achieved.achievement_id, "narrative": _criteria(achieved, issuer)},
        "creditsAvailable": float(achieved.credits),
        "humanCode": achieved.code,
        "version": str(achieved.version),
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": f"FHEQ level {achieved.level}",
                "targetCode": str(achieved.level),
                "targetFramework": FHEQ_NAME,
                "targetUrl": FHEQ_URL,
            }
        ],
    }


def _identifiers(holder: Holder) -> list[dict]:
    # The email is hashed (a verifier who is told it can check it); the name is what the paper certificate
    # prints, in the clear, so a wallet can show whose award it is.
    return [
        {
            "type": "IdentityObject",
            "identityHash": identity_hash(holder.email.strip().lower(), holder.salt),
            "identityType": "emailAddress",
            "hashed": True,
            "salt": holder.salt,
        },
        {"type": "IdentityObject", "identityHash": holder.name, "identityType": "name", "hashed": False},
    ]


def open_badge_credential(
    *,
    credential_id: str,
    issuer: Issuer,
    achieved: Achieved,
    holder: Holder,
    issued_on: date,
    status: StatusSlot,
) -> dict:
    """The OpenBadgeCredential of a ratified certificate (unsigned: `jwt_claims` and a key make it
    verifiable)."""
    valid_from = board_datetime(issued_on)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer.profile(),
        "validFrom": valid_from,
        "awardedDate": valid_from,
        "name": achieved.title,
        "description": f"Ratified by the exam board of {issuer.name} on {issued_on.strftime('%-d %B %Y')}.",
        "credentialSubject": {
            "id": holder.subject_id,
            "type": ["AchievementSubject"],
            "identifier": _identifiers(holder),
            "achievement": achievement(achieved, issuer),
            "creditsEarned": float(achieved.credits),
        },
        "credentialStatus": {
            "id": f"{status.list_url}#{status.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": STATUS_PURPOSE,
            "statusListIndex": str(status.index),
            "statusListCredential": status.list_url,
        },
    }


def _issuer_id(credential: dict) -> str:
    issuer = credential["issuer"]
    return issuer if isinstance(issuer, str) else issuer["id"]


def jwt_claims(credential: dict) -> dict:
    """The JWT payload of Open Badges 3.0's JSON Web Token proof format: the credential itself, with `iss`
    (issuer.id), `jti` (id), `nbf` (validFrom), `sub` (credentialSubject.id) and, when it has a validUntil,
    `exp`. No `vc` wrapper: that was the VC 1.1 encoding."""
    claims = {
        **credential,
        "iss": _issuer_id(credential),
        "jti": credential["id"],
        "nbf": numeric_date(credential["validFrom"]),
        "sub": credential["credentialSubject"]["id"],
    }
    if "validUntil" in credential:
        claims["exp"] = numeric_date(credential["validUntil"])
    return claims


def status_bits(revoked: Iterable[int], size: int = STATUS_LIST_BITS) -> bytes:
    """The uncompressed bitstring: bit i is 1 when slot i is revoked; slot 0 is the left-most (most
    significant) bit of the first byte."""
    bits = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} is outside the list of {size}")
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encoded_list(bits: bytes) -> str:
    """`encodedList`: the GZIP-compressed bitstring, base64url without padding, with the multibase prefix 'u'.
    mtime=0 keeps the same list the same bytes."""
    compressed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def status_list_credential(
    *, list_url: str, issuer_id: str, revoked: Iterable[int], valid_from: datetime, ttl_seconds: int
) -> dict:
    """The BitstringStatusListCredential a credential's `statusListCredential` points at."""
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": valid_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encoded_list(status_bits(revoked)),
            # Milliseconds before a verifier should fetch the list again; the HTTP max-age says the same.
            "ttl": ttl_seconds * 1000,
        },
    }

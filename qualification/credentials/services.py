"""The university's signing keys (files outside the database) and the signed credentials they make.

Keys live as JWK files in WAYMARK_CREDENTIAL_KEY_DIR (by default instance/credential-keys/), one file per key,
named by its RFC 7638 thumbprint, readable by the app's user only; `current` names the key that signs. A
rotated key stays in the folder: its public half is still published, so what it signed still verifies.
Database backups do not hold these files (docs/operations.md).
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from joserfc import jwt
from joserfc.jwk import ECKey, JWKRegistry, RSAKey

from core.audit.services import record
from core.db.timeutil import utcnow
from core.web.urls import absolute_url
from qualification.certificates.models import Certificate, CertificateKind
from qualification.credentials import rules
from qualification.credentials.queries import revoked_slots, status_list_changed_at

log = logging.getLogger(__name__)

# ES256 (P-256) by default, as issue 13 asks: small keys and signatures, in every JOSE library. RS256 stays
# an option: Open Badges 3.0 requires its verifiers to accept it, so a university whose employers use an
# older verifier can issue with it. EdDSA is left out: RFC 9864 deprecates the name.
ALGORITHMS = ("ES256", "RS256")
DEFAULT_ALGORITHM = "ES256"
RSA_BITS = 3072
CURRENT = "current"
SUFFIX = ".jwk"
KID = re.compile(r"^[A-Za-z0-9_-]{43}$")  # a base64url SHA-256 thumbprint
STATUS_LIST_URL_NUMBER = 1
STATUS_TTL_SECONDS = 60


class NoSigningKey(Exception):
    """There is no current signing key (`flask credentials keygen` has not been run)."""


class KeyStoreError(Exception):
    """A key command that cannot go ahead, said in words for the operator."""


@dataclass(frozen=True)
class StoredKey:
    kid: str  # the thumbprint; the published kid is its URL (key_url)
    algorithm: str
    created: datetime
    current: bool
    jwk: dict  # the private JWK as stored

    def public(self) -> dict:
        """The public JWK as published: no private members, its kid the URL it is published at."""
        key = JWKRegistry.import_key(self.jwk)
        return {
            **key.as_dict(private=False),
            "kid": key_url(self.kid),
            "alg": self.algorithm,
            "use": "sig",
        }


def key_dir() -> Path:
    return Path(current_app.config["WAYMARK_CREDENTIAL_KEY_DIR"])


def key_url(kid: str) -> str:
    """Where the public key with this thumbprint is published: the JOSE header's `kid`."""
    return absolute_url("qualification.credentials.public_key", kid=kid)


def _read(path: Path, current_kid: str | None) -> StoredKey:
    jwk = json.loads(path.read_text())
    kid = path.name.removesuffix(SUFFIX)
    created = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return StoredKey(kid=kid, algorithm=jwk["alg"], created=created, current=kid == current_kid, jwk=jwk)


def _current_kid(directory: Path) -> str | None:
    try:
        kid = (directory / CURRENT).read_text().strip()
    except FileNotFoundError:
        return None
    return kid if KID.match(kid) else None


def stored_keys(directory: Path | None = None) -> list[StoredKey]:
    """Every key in the folder, newest first (an absent folder has none)."""
    directory = directory or key_dir()
    if not directory.is_dir():
        return []
    current = _current_kid(directory)
    keys = [_read(path, current) for path in directory.glob(f"*{SUFFIX}") if KID.match(path.stem)]
    return sorted(keys, key=lambda k: (k.created, k.current), reverse=True)


def public_keys() -> list[dict]:
    """The public half of every key, current first: the JWKS verifiers fetch."""
    try:
        keys = stored_keys()
    except (OSError, ValueError, KeyError):
        log.exception("credential signing keys cannot be read from %s", key_dir())
        return []
    return [k.public() for k in sorted(keys, key=lambda k: not k.current)]


def current_key() -> StoredKey | None:
    """The key that signs now, or None when there is none (or it cannot be read: logged)."""
    directory = key_dir()
    kid = _current_kid(directory)
    if kid is None:
        return None
    try:
        return _read(directory / f"{kid}{SUFFIX}", kid)
    except (OSError, ValueError, KeyError):
        log.exception("the current credential signing key %s cannot be read from %s", kid, directory)
        return None


def credentials_ready() -> bool:
    """Whether credentials can be signed now (the transcript offers the downloads only then)."""
    return current_key() is not None


def _write_private(path: Path, text: str) -> None:
    # O_EXCL: never overwrite a key; 0600 from the moment the file exists.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def _point_current_at(directory: Path, kid: str) -> None:
    temporary = directory / f".{CURRENT}.{os.getpid()}"
    temporary.write_text(kid + "\n")
    os.replace(temporary, directory / CURRENT)


def _generate(algorithm: str):
    if algorithm == "RS256":
        return RSAKey.generate_key(RSA_BITS, private=True)
    if algorithm == "ES256":
        return ECKey.generate_key("P-256", private=True)
    raise KeyStoreError(f"Choose one of {', '.join(ALGORITHMS)}.")


def _create_key(algorithm: str, replacing: str | None) -> StoredKey:
    directory = key_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = _generate(algorithm)
    kid = key.thumbprint()
    jwk = {**key.as_dict(private=True), "kid": kid, "alg": algorithm, "use": "sig"}
    record(
        "credentials.key_created",
        object_type="SigningKey",
        object_id=kid,
        details={"algorithm": algorithm, "replaces": replacing},
    )
    _write_private(directory / f"{kid}{SUFFIX}", json.dumps(jwk, indent=2) + "\n")
    _point_current_at(directory, kid)
    return _read(directory / f"{kid}{SUFFIX}", kid)


def generate_first_key(algorithm: str = DEFAULT_ALGORITHM) -> StoredKey:
    """The first signing key (refused when the folder already has keys: rotate replaces one)."""
    if stored_keys():
        raise KeyStoreError(
            f"{key_dir()} already holds signing keys. "
            "Use `flask credentials rotate` to make a new current key."
        )
    return _create_key(algorithm, replacing=None)


def rotate_key(algorithm: str = DEFAULT_ALGORITHM) -> StoredKey:
    """A new current signing key; the old ones stay published so what they signed still verifies."""
    old = current_key()
    if old is None and not stored_keys():
        raise KeyStoreError("There is no signing key to rotate yet. Run `flask credentials keygen` first.")
    return _create_key(algorithm, replacing=old.kid if old else None)


def sign(claims: dict) -> str:
    """A compact JWS of these claims with the current key: header alg, kid (the key's URL) and typ "JWT",
    the only headers Open Badges 3.0 allows."""
    key = current_key()
    if key is None:
        raise NoSigningKey
    header = {"alg": key.algorithm, "kid": key_url(key.kid), "typ": "JWT"}
    return jwt.encode(header, claims, JWKRegistry.import_key(key.jwk), algorithms=[key.algorithm])


# The credentials -------------------------------------------------------------------------------------------


def issuer() -> rules.Issuer:
    """The university as issuer: its profile's URL here, its name and home page from the settings."""
    config = current_app.config
    return rules.Issuer(
        id=absolute_url("qualification.credentials.issuer_profile"),
        name=config["WAYMARK_ISSUER_NAME"],
        url=config["WAYMARK_ISSUER_URL"] or config["WAYMARK_BASE_URL"],
    )


def status_list_url() -> str:
    return absolute_url("qualification.credentials.status_list", number=STATUS_LIST_URL_NUMBER)


def credential_id(certificate: Certificate) -> str:
    return f"{current_app.config['WAYMARK_BASE_URL'].rstrip('/')}/credentials/{certificate.number}"


def _achieved(certificate: Certificate) -> rules.Achieved:
    version = certificate.cohort.qualification_version
    code = version.qualification.code
    if certificate.kind == CertificateKind.AWARD:
        url = absolute_url("qualification.catalogue.show_award", code=code, award_code=certificate.code)
    else:
        url = absolute_url("qualification.catalogue.index", _anchor=f"{code}-{certificate.code}")
    return rules.Achieved(
        kind=str(certificate.kind),
        code=certificate.code,
        title=certificate.title,
        qualification_title=certificate.qualification_title,
        level=certificate.level,
        credits=certificate.credits,
        achievement_id=url,
        version=version.number,
    )


def credential_of(certificate: Certificate) -> dict:
    """The OpenBadgeCredential of a certificate, as its candidate downloads it (unsigned)."""
    secret = current_app.config["SECRET_KEY"]
    holder = rules.Holder(
        subject_id=rules.subject_id_for(secret, certificate.candidate_id),
        email=certificate.candidate.email,
        salt=rules.salt_for(secret, certificate.number),
        name=certificate.name_on_certificate,
    )
    return rules.open_badge_credential(
        credential_id=credential_id(certificate),
        issuer=issuer(),
        achieved=_achieved(certificate),
        holder=holder,
        issued_on=certificate.issued_on,
        status=rules.StatusSlot(list_url=status_list_url(), index=certificate.status_index),
    )


def signed_credential(certificate: Certificate) -> str:
    """The credential secured as a VC-JWT (raises NoSigningKey before keygen)."""
    return sign(rules.jwt_claims(credential_of(certificate)))


def revocation_list() -> dict:
    """The revocation list as it stands: read from the certificates table on every request."""
    # validFrom is the last change, not now: a verifier whose clock runs a little behind ours must not see
    # a list that is "not yet valid".
    return rules.status_list_credential(
        list_url=status_list_url(),
        issuer_id=issuer().id,
        revoked=revoked_slots(),
        valid_from=status_list_changed_at() or utcnow(),
        ttl_seconds=STATUS_TTL_SECONDS,
    )


def signed_revocation_list() -> str:
    return sign(rules.jwt_claims(revocation_list()))

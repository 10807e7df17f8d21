"""Digital credentials as a verifier and a candidate meet them: keys made with the real CLI, credentials found
on the transcript, signatures checked with PyJWT (not the library that signs), status lists decoded by hand.
"""

from __future__ import annotations

import base64
import gzip
import re
from datetime import timedelta
from types import SimpleNamespace

import jwt
from sqlalchemy import select

from core.db.timeutil import uk_today
from core.extensions import db
from qualification.certificates.models import Certificate
from qualification.certificates.services import revoke
from tests.support.certificates import meet_award, ratify_directly
from tests.support.people import LEADER, person
from tests.support.transcript import load_demo_world

LINK = re.compile(r'href="(/credentials/download/\d+\.(?:jwt|json))"')


def ratified_world(app) -> SimpleNamespace:
    """The demo, with Jo's award ratified by a board held last week (a credential is valid from the board's
    date, so a board in the future would make one that no verifier accepts yet)."""
    load_demo_world(app)
    meet_award(app)
    number = ratify_directly(app, held_on=uk_today() - timedelta(days=7))
    with app.app_context():
        certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
        return SimpleNamespace(
            number=number,
            id=certificate.id,
            status_index=certificate.status_index,
            issued_on=certificate.issued_on,
        )


def keygen(app, *args: str) -> str:
    """Run `flask credentials keygen` (or another credentials command); its output, which must succeed."""
    result = app.test_cli_runner().invoke(args=["credentials", *(args or ("keygen",))])
    assert result.exit_code == 0, result.output
    return result.output


def download_links(html: str) -> list[str]:
    """The credential download links on a transcript page, in page order."""
    return LINK.findall(html)


def verify(client, token: str, **options) -> dict:
    """The payload of a VC-JWT, its signature checked against the published key set (fetched through the test
    client, as PyJWKClient cannot reach it) by the header's kid."""
    header = jwt.get_unverified_header(token)
    keys = client.get("/credentials/jwks.json").get_json()["keys"]
    published = next(k for k in keys if k["kid"] == header["kid"])
    return jwt.decode(token, key=jwt.PyJWK(published), algorithms=[header["alg"]], **options)


def bits(encoded_list: str) -> bytes:
    """The uncompressed status bitstring, decoded by hand: multibase 'u', base64url without padding, GZIP."""
    assert encoded_list.startswith("u")
    body = encoded_list[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit(bitstring: bytes, index: int) -> int:
    """Bit `index` of the list: index 0 is the left-most bit of the first byte."""
    return (bitstring[index // 8] >> (7 - index % 8)) & 1


def revoke_directly(app, number: str, reason: str = "Appeal upheld: malpractice found in M02.") -> None:
    """The course leader revokes a certificate through the service (the board's pages are another area's)."""
    with app.app_context():
        certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
        revoke(certificate, actor=person(LEADER), reason=reason)
        db.session.commit()

"""Digital credentials (`qualification.credentials`): the candidate's downloads from their transcript, and
what verifiers fetch (the issuer's profile, the public keys, the revocation list, the JSON-LD contexts).

Verifiers run in browsers on other sites, so the public documents carry `Access-Control-Allow-Origin: *` and
may be cached a little; the downloads are personal and are not.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from core.files.downloads import content_disposition
from core.web.access import PUBLIC, SIGNED_IN, rule
from qualification.certificates.rules import normalise_number
from qualification.credentials import rules
from qualification.credentials.permissions import has_credential
from qualification.credentials.queries import downloadable_or_404
from qualification.credentials.services import (
    KID,
    STATUS_LIST_URL_NUMBER,
    STATUS_TTL_SECONDS,
    NoSigningKey,
    credential_of,
    credentials_ready,
    issuer,
    public_keys,
    revocation_list,
    signed_credential,
    signed_revocation_list,
)

bp = Blueprint("credentials", __name__, url_prefix="/credentials")
bp.add_app_template_global(credentials_ready, "credentials_ready")
bp.add_app_template_global(has_credential, "has_credential")

CONTEXT_DIR = Path(__file__).with_name("contexts")
# Our file name -> the URL the context is known by (for the Link header a JSON-LD processor may read).
CONTEXTS = {
    "credentials-v2.jsonld": rules.VC_CONTEXT,
    "ob-v3p0-context-3.0.3.json": rules.OB_CONTEXT,
}
JSON_LD = "application/ld+json"
# Accept values that ask for the status list as JSON rather than as the signed JWT.
JSON_TYPES = ("application/vc", "application/vc+ld+json", JSON_LD, "application/json")
JWT_TYPES = ("application/vc+jwt", "application/jwt", "text/plain")


def _public(body: str, content_type: str, max_age: int) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _json(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _not_ready(certificate=None):
    return render_template("qualification/credentials/not_ready.html", certificate=certificate), 503


def _download(body: str, content_type: str, certificate, extension: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = content_disposition(
        f"{certificate.title} {certificate.number}.{extension}"
    )
    return response


@bp.route("/download/<int:certificate_id>.jwt")
@rule(SIGNED_IN)
def download_jwt(certificate_id: int):
    certificate = downloadable_or_404(certificate_id, current_user)
    try:
        token = signed_credential(certificate)
    except NoSigningKey:
        return _not_ready(certificate)
    # Open Badges 3.0 serves a VC-JWT as text/plain; the file is the compact JWS alone.
    return _download(token + "\n", "text/plain; charset=utf-8", certificate, "jwt")


@bp.route("/download/<int:certificate_id>.json")
@rule(SIGNED_IN)
def download_json(certificate_id: int):
    certificate = downloadable_or_404(certificate_id, current_user)
    # The readable copy of the signed credential: offered only once there is a key to sign it with.
    if not credentials_ready():
        return _not_ready(certificate)
    return _download(_json(credential_of(certificate)), f"{JSON_LD}; charset=utf-8", certificate, "json")


@bp.route("/issuer")
@rule(PUBLIC)
def issuer_profile():
    profile = {"@context": [rules.VC_CONTEXT, rules.OB_CONTEXT], **issuer().profile()}
    return _public(_json(profile), f"{JSON_LD}; charset=utf-8", 3600)


@bp.route("/jwks.json")
@rule(PUBLIC)
def key_set():
    return _public(_json({"keys": public_keys()}), "application/jwk-set+json", 300)


@bp.route("/keys/<kid>")
@rule(PUBLIC)
def public_key(kid: str):
    # A header's kid is this URL: it answers with that one public key, rotated or current.
    if not KID.match(kid):
        abort(404)
    wanted = next((k for k in public_keys() if k["kid"].rsplit("/", 1)[-1] == kid), None)
    if wanted is None:
        abort(404)
    return _public(_json(wanted), "application/jwk+json", 3600)


def _list_as_json() -> Response:
    return _public(_json(revocation_list()), f"{JSON_LD}; charset=utf-8", STATUS_TTL_SECONDS)


@bp.route("/status/<int:number>")
@rule(PUBLIC)
def status_list(number: int):
    if number != STATUS_LIST_URL_NUMBER:
        abort(404)
    wanted = request.accept_mimetypes.best_match([*JWT_TYPES, *JSON_TYPES], default=JWT_TYPES[0])
    if wanted in JSON_TYPES:
        response = _list_as_json()
    else:
        try:
            token = signed_revocation_list()
        except NoSigningKey:
            # No key, so no credential yet names this list: there is nothing to verify against.
            abort(404)
        response = _public(token, "application/vc+jwt", STATUS_TTL_SECONDS)
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/status/<int:number>.json")
@rule(PUBLIC)
def status_list_json(number: int):
    if number != STATUS_LIST_URL_NUMBER:
        abort(404)
    return _list_as_json()


@bp.route("/contexts/<name>")
@rule(PUBLIC)
def context(name: str):
    if name not in CONTEXTS:
        abort(404)
    # A context never changes under its URL, so a day's caching is safe.
    return _public((CONTEXT_DIR / name).read_text(encoding="utf-8"), f"{JSON_LD}; charset=utf-8", 86400)


@bp.route("/<number>")
@rule(PUBLIC)
def credential(number: str):
    """A credential's `id` opens the public check of its certificate (valid, revoked or unknown)."""
    found = normalise_number(number)
    if found is None:
        abort(404)
    return redirect(url_for("qualification.certificates.show_verification", number=found))

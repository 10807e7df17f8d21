"""The signing keys, as the operator runs them: `flask credentials keygen | rotate | keys`. Keys are JWK files
outside the database; a rotated key stays published, so what it signed still verifies."""

from __future__ import annotations

import json
import stat

import jwt
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.extensions import db
from tests.support.credentials import keygen, verify
from tests.support.html import signed_in
from tests.support.people import JO


def _run(app, *args: str):
    return app.test_cli_runner().invoke(args=["credentials", *args])


def _jos_token(app, world) -> str:
    return signed_in(app, JO).get(f"/credentials/download/{world.id}.jwt").get_data(as_text=True).strip()


def test_keygen_writes_a_private_jwk_only_its_owner_can_read(app, key_dir):
    output = keygen(app)
    (key_file,) = key_dir.glob("*.jwk")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    jwk = json.loads(key_file.read_text())
    assert jwk["kty"] == "EC"
    assert "d" in jwk
    assert jwk["alg"] == "ES256"
    assert (key_dir / "current").read_text().strip() == key_file.stem == jwk["kid"]
    assert f"Created signing key {jwk['kid']} (ES256)" in output
    assert "not in database backups" in output
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "credentials.key_created"))
        assert event.object_id == jwk["kid"]


def test_keygen_refuses_a_second_key(app, key_dir):
    keygen(app)
    result = _run(app, "keygen")
    assert result.exit_code == 1
    assert "already holds signing keys" in result.output
    assert "flask credentials rotate" in result.output
    assert len(list(key_dir.glob("*.jwk"))) == 1


def test_rotate_before_keygen_says_what_to_run(app, key_dir):
    result = _run(app, "rotate")
    assert result.exit_code == 1
    assert "Run `flask credentials keygen` first" in result.output
    assert not key_dir.exists() or not list(key_dir.glob("*.jwk"))


def test_keys_before_keygen_says_there_are_none(app, key_dir):
    assert f"No signing keys in {key_dir}" in keygen(app, "keys")


def test_after_rotation_old_credentials_still_verify_and_new_ones_use_the_new_key(app, world, key_dir):
    keygen(app)
    old_token = _jos_token(app, world)
    old_kid = jwt.get_unverified_header(old_token)["kid"]

    assert "New current signing key" in keygen(app, "rotate")

    client = app.test_client()
    keys = client.get("/credentials/jwks.json").get_json()["keys"]
    assert len(keys) == 2
    assert keys[1]["kid"] == old_kid  # current first, the old one still published
    assert verify(client, old_token)["jti"].endswith(world.number)

    new_token = _jos_token(app, world)
    new_kid = jwt.get_unverified_header(new_token)["kid"]
    assert new_kid != old_kid
    assert new_kid == keys[0]["kid"]
    assert verify(client, new_token)["jti"].endswith(world.number)
    # The status list is signed with the new key too.
    assert (
        jwt.get_unverified_header(client.get("/credentials/status/1").get_data(as_text=True))["kid"]
        == new_kid
    )

    listing = keygen(app, "keys").splitlines()
    assert listing[0].startswith(new_kid.rsplit("/", 1)[-1])
    assert listing[0].endswith("current")
    assert listing[1].startswith(old_kid.rsplit("/", 1)[-1])
    assert not listing[1].endswith("current")


def test_an_rs256_key_signs_credentials_that_verify_too(app, world):
    keygen(app, "keygen", "--algorithm", "RS256")
    token = _jos_token(app, world)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert verify(app.test_client(), token)["jti"].endswith(world.number)


def test_an_unknown_algorithm_is_refused_by_the_command(app, key_dir):
    result = _run(app, "keygen", "--algorithm", "HS256")
    assert result.exit_code == 2
    assert "RS256" in result.output
    assert not key_dir.exists()

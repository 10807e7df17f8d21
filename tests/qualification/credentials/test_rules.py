"""The pure rules: identity hashes as Open Badges defines them, the status bitstring's bit order and encoding,
the JWT claims of the proof format, and the values derived from the app's secret."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from qualification.certificates.services import STATUS_LIST_SIZE
from qualification.credentials import rules
from tests.support.credentials import bit, bits

ISSUER = rules.Issuer(
    id="https://uni.example/credentials/issuer", name="Northmoor University", url="https://uni.example"
)
HOLDER = rules.Holder(
    subject_id="urn:uuid:00000000-0000-4000-8000-000000000000",
    email="Jo@School.example ",
    salt="s",
    name="Jo Patel",
)
SLOT = rules.StatusSlot(list_url="https://uni.example/credentials/status/1", index=5)


def _achieved(kind: str = "award", credits: int = 60) -> rules.Achieved:
    return rules.Achieved(
        kind=kind,
        code="CERT" if kind == "award" else "M04",
        title="Professional Certificate in Careers Coordination",
        qualification_title="Careers Coordinator Qualification",
        level=6,
        credits=credits,
        achievement_id="https://uni.example/catalogue/CCQ/CERT",
        version=2,
    )


def _credential(**changes) -> dict:
    values = {
        "credential_id": "https://uni.example/credentials/WM-1",
        "issuer": ISSUER,
        "achieved": _achieved(),
        "holder": HOLDER,
        "issued_on": date(2027, 7, 1),
        "status": SLOT,
    } | changes
    return rules.open_badge_credential(**values)


def test_identity_hash_matches_the_open_badges_example():
    # The IdentityHash example of the Open Badges 3.0 data model: 'a@example.com' salted with 'Kosher'.
    assert rules.identity_hash("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )


def test_the_email_is_hashed_as_people_type_it_lower_case_and_trimmed():
    (email, _name) = _credential()["credentialSubject"]["identifier"]
    assert email["identityHash"] == rules.identity_hash("jo@school.example", "s")


def test_status_bits_put_index_zero_at_the_left_most_bit():
    bitstring = rules.status_bits([0, 9, 131_071])
    assert len(bitstring) == 16_384
    assert bitstring[0] == 0b1000_0000
    assert bitstring[1] == 0b0100_0000
    assert bitstring[-1] == 0b0000_0001
    assert [bit(bitstring, i) for i in (0, 1, 8, 9, 131_070, 131_071)] == [1, 0, 0, 1, 0, 1]


@pytest.mark.parametrize("index", [-1, 131_072])
def test_a_slot_outside_the_list_is_refused(index):
    with pytest.raises(ValueError, match="outside the list"):
        rules.status_bits([index])


def test_the_list_has_the_slots_certificates_are_given():
    assert rules.STATUS_LIST_BITS == STATUS_LIST_SIZE


def test_the_encoded_list_is_multibase_base64url_of_gzip_without_padding():
    encoded = rules.encoded_list(rules.status_bits([3]))
    assert encoded.startswith("u")
    assert not {"=", "+", "/"} & set(encoded)
    assert bits(encoded) == rules.status_bits([3])
    # The same list is the same bytes (no timestamp in the GZIP header).
    assert rules.encoded_list(rules.status_bits([3])) == encoded


def test_our_decoder_reads_the_specifications_example_list():
    # The Bitstring Status List specification's example: an empty list of 131,072 entries.
    example = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
    assert bits(example) == rules.status_bits([])


def test_the_jwt_claims_mirror_the_credential():
    credential = _credential()
    claims = rules.jwt_claims(credential)
    assert claims["iss"] == ISSUER.id
    assert claims["jti"] == "https://uni.example/credentials/WM-1"
    assert claims["sub"] == HOLDER.subject_id
    assert claims["nbf"] == 1_814_400_000  # 1 July 2027 00:00:00 UTC
    assert "exp" not in claims
    assert {k: v for k, v in claims.items() if k not in {"iss", "jti", "sub", "nbf"}} == credential
    until = {**credential, "validUntil": "2030-01-01T00:00:00Z"}
    assert rules.jwt_claims(until)["exp"] == 1_893_456_000


def test_the_status_list_issuer_may_be_a_plain_url():
    listing = rules.status_list_credential(
        list_url=SLOT.list_url,
        issuer_id=ISSUER.id,
        revoked=[5],
        valid_from=datetime(2027, 7, 1, 12, 0, tzinfo=UTC),
        ttl_seconds=60,
    )
    claims = rules.jwt_claims(listing)
    assert claims["iss"] == ISSUER.id
    assert claims["sub"] == f"{SLOT.list_url}#list"
    assert listing["validFrom"] == "2027-07-01T12:00:00Z"


def test_an_award_is_a_certificate_and_a_cpd_module_a_course():
    assert _credential()["credentialSubject"]["achievement"]["achievementType"] == "Certificate"
    cpd = _credential(achieved=_achieved("cpd", credits=15))["credentialSubject"]["achievement"]
    assert cpd["achievementType"] == "Course"
    assert cpd["description"].startswith(
        "Professional Certificate in Careers Coordination: a module of 15 credits"
    )
    assert cpd["criteria"]["narrative"].startswith("Meet every assessment criterion of the module")


def test_one_credit_is_said_in_the_singular():
    achievement = _credential(achieved=_achieved(credits=1))["credentialSubject"]["achievement"]
    assert "1 credit at FHEQ level 6" in achievement["description"]


def test_salt_and_subject_id_are_stable_and_depend_on_the_secret():
    salt = rules.salt_for("secret", "WM-1")
    assert salt == rules.salt_for("secret", "WM-1")
    assert len(salt) == 32
    assert salt not in {rules.salt_for("secret", "WM-2"), rules.salt_for("another", "WM-1")}
    subject = rules.subject_id_for("secret", 7)
    assert subject.startswith("urn:uuid:")
    assert subject == rules.subject_id_for("secret", 7)
    assert subject not in {rules.subject_id_for("secret", 8), rules.subject_id_for("another", 7)}


def test_the_board_date_is_the_start_of_that_day_in_utc():
    assert rules.board_datetime(date(2027, 7, 1)) == "2027-07-01T00:00:00Z"
    assert rules.numeric_date("2027-07-01T00:00:00Z") == 1_814_400_000

"""The pure rules: codes around the clock, reuse, recovery codes as typed, sealing secrets."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from core.mfa.rules import (
    SecretUnreadable,
    check_app_code,
    grouped,
    is_required,
    is_secret,
    looks_like_app_code,
    new_recovery_codes,
    new_secret,
    normalise_recovery_code,
    provisioning_uri,
    seal,
    unseal,
)
from tests.support.mfa import START

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
STEP = pyotp.TOTP(SECRET).timecode(START)


def _code(steps: int) -> str:
    return pyotp.TOTP(SECRET).at(START + timedelta(seconds=30 * steps))


@pytest.mark.parametrize(
    ("steps", "last_step", "accepted", "reused"),
    [
        (0, None, True, False),
        (-1, None, True, False),  # the phone's clock a little behind
        (1, None, True, False),  # or a little ahead
        (-2, None, False, False),  # too old
        (2, None, False, False),
        (0, STEP - 1, True, False),
        (0, STEP, False, True),  # this step was spent
        (-1, STEP, False, True),  # and an older one cannot follow it
        (1, STEP, True, False),
    ],
)
def test_app_codes_around_now(steps, last_step, accepted, reused):
    check = check_app_code(SECRET, _code(steps), START, last_step)
    assert check.accepted is accepted
    assert check.reused is reused
    if accepted:
        assert check.step == STEP + steps


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_what_is_not_six_digits_is_no_app_code(typed):
    assert not looks_like_app_code(typed)
    assert check_app_code(SECRET, typed, START, None).step is None


def test_an_app_code_may_be_typed_with_a_space():
    code = _code(0)
    assert check_app_code(SECRET, f"{code[:3]} {code[3:]}", START, None).accepted


@pytest.mark.parametrize(
    ("held", "required", "expected"),
    [
        (["course_leader"], ["admin", "course_leader"], True),
        (["assessor", "iqa"], ["iqa"], True),
        (["candidate"], ["admin", "course_leader", "iqa", "examiner"], False),
        (["admin"], [], False),
    ],
)
def test_who_must_use_it(held, required, expected):
    assert is_required(held, required) is expected


def test_recovery_codes_are_distinct_and_forgiving_to_type():
    codes = new_recovery_codes()
    assert len(codes) == 10 == len(set(codes))
    assert all(len(c) == 11 and c[5] == "-" for c in codes)
    assert not any(ch in "01ilo" for c in codes for ch in c.replace("-", ""))
    assert normalise_recovery_code(" ABCDE FGHJK ") == normalise_recovery_code("abcde-fghjk") == "abcdefghjk"


def test_a_sealed_secret_opens_only_with_its_key_or_an_older_one_kept():
    secret = new_secret()
    assert is_secret(secret)
    sealed = seal(secret, ["old key"])
    assert secret not in sealed
    assert unseal(sealed, ["old key"]) == secret
    # Rotating: the new key first, the old one kept until everyone's secret is re-sealed.
    assert unseal(sealed, ["new key", "old key"]) == secret
    with pytest.raises(SecretUnreadable):
        unseal(sealed, ["new key"])


def test_the_app_reads_the_account_and_the_issuer_from_the_qr_code():
    uri = provisioning_uri(SECRET, "leader@uni.example")
    assert uri.startswith("otpauth://totp/Waymark:leader%40uni.example?")
    assert f"secret={SECRET}" in uri
    assert "issuer=Waymark" in uri
    assert grouped(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"

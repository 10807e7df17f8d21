"""Throttling sign-ins (issue 15): wrong passwords slow down the address that types them, for that account,
with growing waits; they never lock the owner out from another address; a completed password reset lifts
the wait; and one address trying many accounts is still stopped."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.accounts.models import LoginAttempt, LoginSession
from core.accounts.rules import login_delay
from core.db.timeutil import utcnow
from core.extensions import db
from tests.support.html import form_post, login, page_text
from tests.support.mail import emailed_links
from tests.support.people import PASSWORD

WRONG = "wrong password entirely"
FAILED = "The email address or password is not right"
HOME = "Hello, Casey Candidate"
NEW_PASSWORD = "violet harbour tractor cinnamon"
_RESET_LINK = re.compile(r"http://waymark\.test(/reset-password/[A-Za-z0-9_-]+)")


def _from(app, address: str):
    """A browser at this client address (no proxy in tests: REMOTE_ADDR is the address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _fail(client, email: str, times: int) -> None:
    for _ in range(times):
        response = login(client, email, WRONG)
        assert response.status_code == 200
        assert FAILED in page_text(response)


def _time_passes(app, minutes: float) -> None:
    """Move every counted attempt into the past, as if this much time had passed."""
    with app.app_context():
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.attempted_at -= timedelta(minutes=minutes)
        db.session.commit()


def _sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(LoginSession.id)))


def test_candidate_can_sign_in_from_another_address_after_someone_elses_wrong_passwords(app, candidate):
    attacker = _from(app, "203.0.113.9")
    _fail(attacker, candidate.email, 5)
    refused = login(attacker, candidate.email, WRONG)
    assert refused.status_code == 429

    owner = _from(app, "198.51.100.7")
    response = login(owner, candidate.email, PASSWORD)
    assert response.status_code == 200
    assert HOME in page_text(response)
    assert _sessions(app) == 1


def test_wrong_passwords_from_one_address_make_it_wait_longer_each_time(app, candidate):
    browser = _from(app, "198.51.100.7")
    _fail(browser, candidate.email, 5)
    # Even the right password waits at that address: the wait is what stops guessing.
    response = login(browser, candidate.email, PASSWORD)
    assert response.status_code == 429
    text = page_text(response)
    assert "Too many unsuccessful attempts from here. For your security, wait 1 minute and try again" in text
    assert "or reset your password" in text
    assert response.headers["Retry-After"] == "60"
    assert _sessions(app) == 0

    _time_passes(app, 1.1)
    _fail(browser, candidate.email, 1)
    response = login(browser, candidate.email, PASSWORD)
    assert response.status_code == 429
    assert "wait 2 minutes" in page_text(response)
    assert response.headers["Retry-After"] == "120"

    _time_passes(app, 2.1)
    _fail(browser, candidate.email, 1)
    assert "wait 4 minutes" in page_text(login(browser, candidate.email, PASSWORD))

    # The wait grows no longer than 15 minutes.
    for _ in range(4):
        _time_passes(app, 16)
        _fail(browser, candidate.email, 1)
    response = login(browser, candidate.email, PASSWORD)
    assert "wait 15 minutes" in page_text(response)
    assert response.headers["Retry-After"] == "900"

    _time_passes(app, 15.1)
    assert HOME in page_text(login(browser, candidate.email, PASSWORD))


def test_waiting_says_the_same_whether_or_not_the_account_exists(app, candidate):
    answers = []
    for email in (candidate.email, "nobody@school.example"):
        browser = _from(app, "198.51.100.7")
        _fail(browser, email, 5)
        response = login(browser, email, PASSWORD)
        answers.append((response.status_code, response.headers["Retry-After"], page_text(response)))
    assert answers[0] == answers[1]


def test_a_completed_password_reset_lifts_the_wait(app, candidate):
    browser = _from(app, "198.51.100.7")
    _fail(browser, candidate.email, 5)
    assert login(browser, candidate.email, PASSWORD).status_code == 429

    form_post(browser, "/forgot-password", {"email": candidate.email})
    link = emailed_links(app, candidate.email, _RESET_LINK)[-1]
    done = form_post(browser, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow=True)
    assert "Your password has been changed" in page_text(done)

    response = login(browser, candidate.email, NEW_PASSWORD)
    assert response.status_code == 200
    assert HOME in page_text(response)


def test_one_address_trying_many_accounts_is_still_stopped(app, candidate):
    app.config["WAYMARK_LOGIN_MAX_FAILURES_ADDRESS"] = 6
    stuffer = _from(app, "203.0.113.9")
    for n in range(6):
        _fail(stuffer, f"guess{n}@school.example", 1)
    # A right password from that address waits too, so the address learns nothing from it.
    response = login(stuffer, candidate.email, PASSWORD)
    assert response.status_code == 429
    assert "wait 15 minutes" in page_text(response)
    # The owner, elsewhere, is not held up by that address.
    assert HOME in page_text(login(_from(app, "198.51.100.7"), candidate.email, PASSWORD))


def test_many_addresses_guessing_one_account_get_one_guess_each_but_the_owner_gets_in(app, candidate):
    app.config["WAYMARK_LOGIN_ACCOUNT_CEILING"] = 6
    for n in range(3):
        _fail(_from(app, f"203.0.113.{n + 1}"), candidate.email, 2)
    # The account has met its ceiling: an address that has already failed for it waits from now on ...
    assert login(_from(app, "203.0.113.1"), candidate.email, WRONG).status_code == 429
    # ... while an address with no failures for it still gets its check: the owner is never locked out.
    assert HOME in page_text(login(_from(app, "198.51.100.7"), candidate.email, PASSWORD))


@pytest.mark.parametrize("address", ["198.51.100.7", "203.0.113.9"])
def test_signing_in_clears_only_the_failures_of_that_address(app, candidate, address):
    owner = _from(app, "198.51.100.7")
    _fail(owner, candidate.email, 2)
    _fail(_from(app, "203.0.113.9"), candidate.email, 5)
    assert HOME in page_text(login(owner, candidate.email, PASSWORD))
    with app.app_context():
        left = db.session.scalars(select(LoginAttempt.ip_address)).all()
    # The attacker's address still waits after the owner signs in elsewhere.
    assert left == ["203.0.113.9"] * 5
    assert (login(_from(app, address), candidate.email, WRONG).status_code == 429) == (
        address != "198.51.100.7"
    )


def test_throttle_counts_only_recent_failures_from_an_address(app, candidate):
    browser = _from(app, "198.51.100.7")
    _fail(browser, candidate.email, 5)
    with app.app_context():
        db.session.execute(update(LoginAttempt).values(attempted_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
    _fail(browser, candidate.email, 4)
    assert HOME in page_text(login(browser, candidate.email, PASSWORD))


def test_login_is_throttled_per_address(client, app):
    app.config["WAYMARK_LOGIN_MAX_FAILURES_ADDRESS"] = 4
    for n in range(4):
        login(client, f"guess{n}@school.example", "wrong password entirely")
    response = login(client, "another@school.example", "wrong password entirely")
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("failures", "free", "minutes"),
    [
        (0, 5, 0),
        (4, 5, 0),
        (5, 5, 1),
        (6, 5, 2),
        (7, 5, 4),
        (8, 5, 8),
        (9, 5, 15),
        (500, 5, 15),
        (0, 0, 0),
        (1, 0, 2),
    ],
)
def test_login_delay_grows_to_the_longest_wait(failures, free, minutes):
    assert login_delay(failures, free=free, longest=timedelta(minutes=15)) == timedelta(minutes=minutes)

"""Staff whose role needs a second factor: sent to set it up after their password, and kept there until done.
The requirement is production's default (no override); most tests switch it off (TEST_CONFIG)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from core.accounts.models import Role, User
from core.accounts.services.invitations import invite
from core.app import create_app, load_config
from core.extensions import db
from core.mfa.models import TotpSecret
from core.mfa.rules import DEFAULT_REQUIRED_ROLES
from tests.conftest import TEST_CONFIG
from tests.support.html import form_post, login, logout, page_text
from tests.support.mail import emailed_links
from tests.support.mfa import enter_code, set_up_app
from tests.support.people import DEMO_PASSWORD, make_user

STAFF_WHO_MUST = [Role.ADMIN, Role.COURSE_LEADER, Role.IQA, Role.EXAMINER]


def test_production_requires_it_of_admins_course_leaders_iqas_and_examiners(tmp_path, monkeypatch):
    monkeypatch.delenv("WAYMARK_MFA_REQUIRED_ROLES", raising=False)
    assert set(load_config(tmp_path)["WAYMARK_MFA_REQUIRED_ROLES"]) == {r.value for r in STAFF_WHO_MUST}


@pytest.mark.parametrize(
    ("setting", "required"),
    [("", ()), ("none", ()), ("admin", ("admin",)), (" admin , IQA ", ("admin", "iqa"))],
)
def test_the_setting_names_the_roles(tmp_path, monkeypatch, setting, required):
    monkeypatch.setenv("WAYMARK_MFA_REQUIRED_ROLES", setting)
    assert load_config(tmp_path)["WAYMARK_MFA_REQUIRED_ROLES"] == required


def test_a_misspelt_role_stops_the_app_rather_than_requiring_nobody(tmp_path, monkeypatch):
    monkeypatch.setenv("WAYMARK_MFA_REQUIRED_ROLES", "admin,course-leader")
    with pytest.raises(ValueError, match="course-leader"):
        load_config(tmp_path)


@pytest.fixture
def production_app(database_url, tmp_path, monkeypatch):
    """The app as production builds it: no override of the requirement (the test config's is left out)."""
    monkeypatch.delenv("WAYMARK_MFA_REQUIRED_ROLES", raising=False)
    config = {k: v for k, v in TEST_CONFIG.items() if k != "WAYMARK_MFA_REQUIRED_ROLES"}
    built = create_app(
        {**config, "SQLALCHEMY_DATABASE_URI": database_url, "WAYMARK_DATA_DIR": str(tmp_path / "data")}
    )
    yield built
    with built.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("role", STAFF_WHO_MUST)
def test_staff_whose_role_needs_it_are_sent_to_set_it_up_by_default(production_app, role):
    person = make_user(production_app, f"{role.value}@uni.example", roles=(role,))
    client = production_app.test_client()
    response = login(client, person.email, follow=False)
    assert response.headers["Location"] == "/account/mfa/setup"
    assert "Your role in Waymark needs it" in page_text(client.get("/account/mfa/setup"))
    # Not signed in: every other page asks for the sign-in again.
    assert client.get("/account").headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [Role.CANDIDATE, Role.ASSESSOR])
def test_others_sign_in_with_their_password_by_default(production_app, role):
    person = make_user(production_app, f"{role.value}@uni.example", roles=(role,))
    client = production_app.test_client()
    assert login(client, person.email, follow=False).headers["Location"] == "/"


def test_course_leader_sets_it_up_after_the_password_and_is_then_signed_in(
    client, course_leader, mfa_required, clock, app
):
    response = login(client, course_leader.email, follow=False)
    assert response.headers["Location"] == "/account/mfa/setup"
    done = set_up_app(client, clock)
    assert len(done.codes) == 10
    continue_link = '<a class="button button--primary" href="/">'
    assert continue_link in done.response.get_data(as_text=True)
    assert "Hello, Lee Leader" in page_text(client.get("/"))
    assert client.get("/cohorts/").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(TotpSecret.user_id)) == course_leader.id
    # Next time: the code.
    logout(client)
    clock.tick()
    assert login(client, course_leader.email, follow=False).headers["Location"] == "/login/code"
    assert enter_code(client, clock.code(done.secret)).headers["Location"] == "/"


def test_a_wrong_code_at_setup_leaves_them_signed_out(client, course_leader, mfa_required, clock):
    login(client, course_leader.email, follow=False)
    response = form_post(client, "/account/mfa/setup", {"code": "12345x"})
    assert response.status_code == 422
    assert "That code is not right" in page_text(response)
    assert client.get("/account").headers["Location"].startswith("/login")


def test_signed_in_staff_without_it_reach_no_other_page_until_it_is_set_up(client, course_leader, app, clock):
    # Signed in before the requirement was switched on (or a role granted while signed in).
    login(client, course_leader.email)
    app.config["WAYMARK_MFA_REQUIRED_ROLES"] = DEFAULT_REQUIRED_ROLES
    for url in ("/", "/cohorts/", "/account"):
        assert client.get(url).headers["Location"] == "/account/mfa/setup"
    assert "needs multi-factor sign-in" in page_text(client.get("/account/mfa/setup"))
    # A POST elsewhere is not carried out either.
    response = form_post(client, "/account/mfa/setup", {"theme": "dark"}, action="/theme")
    assert response.headers["Location"] == "/account/mfa/setup"
    set_up_app(client, clock)
    assert client.get("/cohorts/").status_code == 200
    # Signing out is never blocked.
    assert logout(client).headers["Location"] == "/login"


def test_an_invited_iqa_who_joins_sets_it_up_before_anything_else(admin, app, mfa_required, clock):
    with app.app_context():
        invite(db.session.get(User, admin.id), email="new-iqa@uni.example", name="Ira Iqa", role=Role.IQA)
        db.session.commit()
    (path,) = emailed_links(app, "new-iqa@uni.example", re.compile(r"http://waymark\.test(/invitations/\S+)"))
    joiner = app.test_client()
    data = {
        "name": "Ira Iqa",
        "password": "kettle orbit lantern meadow",
        "confirm": "kettle orbit lantern meadow",
    }
    form_post(joiner, path, data)
    assert joiner.get("/assessors/iqa").headers["Location"] == "/account/mfa/setup"
    set_up_app(joiner, clock)
    assert joiner.get("/assessors/iqa").status_code == 200


def test_the_demo_says_whether_its_staff_logins_need_a_second_factor(runner, client, app):
    # As ./run.sh serves it: off, and said so, so the README's demo logins work with the password alone.
    first = runner.invoke(args=["demo", "load"])
    assert "Multi-factor sign-in is NOT required here" in first.output
    assert login(client, "admin@northmoor.example", DEMO_PASSWORD, follow=False).headers["Location"] == "/"
    app.config["WAYMARK_MFA_REQUIRED_ROLES"] = DEFAULT_REQUIRED_ROLES
    second = runner.invoke(args=["demo", "load"])
    assert "Multi-factor sign-in is required for: administrator, course leader" in second.output


def test_run_sh_leaves_it_off_for_the_demo_unless_asked():
    run_sh = (Path(__file__).resolve().parents[3] / "run.sh").read_text()
    assert 'export WAYMARK_MFA_REQUIRED_ROLES="${WAYMARK_MFA_REQUIRED_ROLES-}"' in run_sh

"""Account administration: listing and searching, disabling, changing roles, and who may do it."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role, User
from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.extensions import db
from tests.support.html import csrf_from, form_post, login
from tests.support.people import make_user

FAILED = "The email address or password is not right"
STALE = "Someone else changed this account"
_LISTED_EMAIL = re.compile(r"<td>([^<\s]+@[^<\s]+)</td>")
_VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')


def _listed(client, query: str = "") -> list[str]:
    response = client.get("/admin/accounts" + query)
    assert response.status_code == 200
    return _LISTED_EMAIL.findall(response.get_data(as_text=True))


def _roles(app, user_id) -> list[str]:
    with app.app_context():
        return [r.value for r in db.session.get(User, user_id).roles]


def _audit(app, action) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        db.session.expunge_all()
        return list(events)


def _open_account(client, user_id) -> tuple[str, str, str]:
    """GET an account's page; return its HTML, CSRF token and the roles form's version."""
    page = client.get(f"/admin/accounts/{user_id}").get_data(as_text=True)
    return page, csrf_from(page), _VERSION.search(page).group(1)


def _save_roles(client, user_id, roles, *, version=None, token=None, follow=False):
    if version is None or token is None:
        _, token, version = _open_account(client, user_id)
    data = {"roles": list(roles), "version": version, "csrf_token": token}
    return client.post(f"/admin/accounts/{user_id}", data=data, follow_redirects=follow)


def _checked(page: str) -> set[str]:
    return set(re.findall(r'name="roles" value="(\w+)" checked', page))


def _signs_in(app, email) -> bool:
    page = login(app.test_client(), email).get_data(as_text=True)
    assert ("Hello," in page) != (FAILED in page)
    return "Hello," in page


@pytest.fixture
def people(app, admin, candidate, course_leader):
    make_user(app, "morgan.lee@college.example", name="Morgan Lee", roles=(Role.ASSESSOR, Role.IQA))
    return admin, candidate, course_leader


# Listing and searching ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "",
            [
                "admin@uni.example",
                "candidate@school.example",
                "leader@uni.example",
                "morgan.lee@college.example",
            ],
        ),
        ("?q=CASEY", ["candidate@school.example"]),
        ("?q=lee", ["leader@uni.example", "morgan.lee@college.example"]),
        ("?q=UNI.Example", ["admin@uni.example", "leader@uni.example"]),
        ("?q=college", ["morgan.lee@college.example"]),
        ("?role=iqa", ["morgan.lee@college.example"]),
        ("?role=admin", ["admin@uni.example"]),
        ("?q=lee&role=course_leader", ["leader@uni.example"]),
        ("?q=_", []),  # LIKE wildcards are matched literally
        ("?status=active", ["admin@uni.example", "leader@uni.example", "morgan.lee@college.example"]),
        ("?status=disabled", ["candidate@school.example"]),
    ],
)
def test_admin_can_search_and_filter_accounts(client, app, people, query, expected):
    admin, candidate, _ = people
    login(client, admin.email)
    form_post(client, f"/admin/accounts/{candidate.id}", {}, action=f"/admin/accounts/{candidate.id}/disable")
    # The candidate shows as disabled in the list; the others as active.
    assert _listed(client, query) == expected


def test_admin_sees_an_empty_state_when_nothing_matches(client, people):
    login(client, people[0].email)
    page = client.get("/admin/accounts?q=zzz-nobody").get_data(as_text=True)
    assert "No accounts match that search." in page


def test_admin_can_page_through_many_accounts(client, app, admin):
    for i in range(55):
        make_user(app, f"person{i:02}@bulk.example", name=f"Bulk Person {i:02}")
    login(client, admin.email)

    first = client.get("/admin/accounts").get_data(as_text=True)
    emails = _LISTED_EMAIL.findall(first)
    assert emails == ["admin@uni.example"] + [f"person{i:02}@bulk.example" for i in range(49)]
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert next_link

    second = client.get(html.unescape(next_link.group(1))).get_data(as_text=True)
    assert _LISTED_EMAIL.findall(second) == [f"person{i:02}@bulk.example" for i in range(49, 55)]
    assert 'rel="next"' not in second


# Disabling ---------------------------------------------------------------------------------------------


def test_admin_can_disable_an_account(client, app, admin, candidate):
    elsewhere = app.test_client()
    login(elsewhere, candidate.email)
    assert "Hello, Casey Candidate" in elsewhere.get("/").get_data(as_text=True)
    login(client, admin.email)

    response = form_post(
        client,
        f"/admin/accounts/{candidate.id}",
        {},
        action=f"/admin/accounts/{candidate.id}/disable",
        follow=True,
    )

    page = response.get_data(as_text=True)
    assert response.request.path == f"/admin/accounts/{candidate.id}"
    assert "account is disabled and they have been signed out everywhere." in page
    assert "Disabled" in page
    # Their open browser is refused at the very next request.
    home = elsewhere.get("/").get_data(as_text=True)
    assert "Hello" not in home
    assert "Joining a cohort?" in home
    assert elsewhere.get("/account").headers["Location"].startswith("/login")
    assert not _signs_in(app, candidate.email)
    (event,) = _audit(app, "user_disabled")
    assert (event.actor_id, event.object_id) == (admin.id, str(candidate.id))
    assert details_of(event) == {"sessions_ended": 1}


def test_admin_can_enable_a_disabled_account(client, app, admin, candidate):
    login(client, admin.email)
    page_url = f"/admin/accounts/{candidate.id}"
    form_post(client, page_url, {}, action=f"{page_url}/disable")

    response = form_post(client, page_url, {}, action=f"{page_url}/enable", follow=True)

    assert "account is enabled again." in response.get_data(as_text=True)
    assert _signs_in(app, candidate.email)
    assert len(_audit(app, "user_enabled")) == 1


def test_admin_cannot_disable_themself(client, app, admin):
    login(client, admin.email)
    page_url = f"/admin/accounts/{admin.id}"
    page = client.get(page_url).get_data(as_text=True)
    assert "You cannot disable your own account." in page
    assert f"/admin/accounts/{admin.id}/disable" not in page

    response = form_post(client, page_url, {}, action=f"{page_url}/disable")  # forged

    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(User, admin.id).disabled_at is None
    assert _audit(app, "user_disabled") == []
    assert "Hello, Ada Admin" in client.get("/").get_data(as_text=True)


# Roles -------------------------------------------------------------------------------------------------


def test_admin_can_change_an_accounts_roles(client, app, admin, candidate):
    login(client, admin.email)

    response = _save_roles(client, candidate.id, ["candidate", "assessor"], follow=True)

    page = response.get_data(as_text=True)
    assert "Roles of Casey Candidate saved." in page
    assert _checked(page) == {"candidate", "assessor"}
    assert _roles(app, candidate.id) == ["candidate", "assessor"]
    (event,) = _audit(app, "roles_changed")
    assert (event.actor_id, event.actor_role, event.object_id) == (admin.id, "admin", str(candidate.id))
    assert details_of(event) == {"before": ["candidate"], "after": ["assessor", "candidate"]}


def test_admin_cannot_overwrite_a_change_made_since_the_page_was_opened(client, app, admin, candidate):
    other = make_user(app, "second.admin@uni.example", name="Sol Second", roles=(Role.ADMIN,))
    second = app.test_client()
    login(client, admin.email)
    login(second, other.email)
    _, token_1, version_1 = _open_account(client, candidate.id)
    _, token_2, version_2 = _open_account(second, candidate.id)

    first = _save_roles(client, candidate.id, ["candidate", "assessor"], version=version_1, token=token_1)
    late = _save_roles(second, candidate.id, ["candidate", "iqa"], version=version_2, token=token_2)

    assert first.status_code == 302
    page = late.get_data(as_text=True)
    assert late.status_code == 409
    assert STALE in page
    assert _checked(page) == {"candidate", "iqa"}  # their choice is kept to re-apply
    assert _roles(app, candidate.id) == ["candidate", "assessor"]
    assert len(_audit(app, "roles_changed")) == 1


@pytest.mark.parametrize(
    ("whose", "roles", "message"),
    [
        ("own", ["candidate"], "You cannot remove your own administrator role."),
        ("own", [], "Give the account at least one role"),
        ("own", ["admin", "wizard"], "Choose roles from the list."),
        ("other", [], "Give the account at least one role"),
        ("other", ["wizard"], "Choose roles from the list."),
    ],
)
def test_admin_cannot_save_forbidden_roles(client, app, admin, candidate, whose, roles, message):
    # Their own account keeps its admin role; another account must keep at least one known role.
    account, kept = (admin, ["admin"]) if whose == "own" else (candidate, ["candidate"])
    login(client, admin.email)

    response = _save_roles(client, account.id, roles)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _roles(app, account.id) == kept
    assert _audit(app, "roles_changed") == []


# Who may ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["candidate", "course_leader"])
def test_non_admin_cannot_manage_accounts(client, app, request, admin, actor):
    person = request.getfixturevalue(actor)
    login(client, person.email)
    token = csrf_from(client.get("/account").get_data(as_text=True))

    assert client.get("/admin/accounts").status_code == 403
    assert client.get(f"/admin/accounts/{admin.id}").status_code == 403
    assert client.post(f"/admin/accounts/{admin.id}/disable", data={"csrf_token": token}).status_code == 403
    roles = {"roles": ["candidate"], "version": "1", "csrf_token": token}
    assert client.post(f"/admin/accounts/{person.id}", data=roles).status_code == 403
    with app.app_context():
        assert db.session.get(User, admin.id).disabled_at is None
        changes = select(func.count(AuditEvent.id)).where(
            AuditEvent.action.in_(["user_disabled", "roles_changed"])
        )
        assert db.session.scalar(changes) == 0
    assert _roles(app, person.id) == [actor]

"""Inviting people: the emailed link, accepting it once, expiry, replacement, and who may invite whom."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.accounts.models import Invitation, User
from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.db.timeutil import utcnow
from core.extensions import db
from core.mail.models import OutboxMessage
from tests.support.html import csrf_from, form_post, login
from tests.support.mail import emailed_links

NEW_EMAIL = "nia.new@school.example"
NEW_PASSWORD = "kettle orbit lantern meadow"
_INVITE_LINK = re.compile(r"http://waymark\.test(/invitations/[A-Za-z0-9_-]+)")


def _invite(client, email=NEW_EMAIL, name="Nia New", role="candidate", *, follow=True):
    return form_post(client, "/people/invite", {"name": name, "email": email, "role": role}, follow=follow)


def _links(app, email=NEW_EMAIL) -> list[str]:
    """The invitation link paths emailed to this address, oldest first."""
    return emailed_links(app, email, _INVITE_LINK)


def _accept(client, path, *, name="Nia New", password=NEW_PASSWORD, confirm=None, follow=True):
    data = {"name": name, "password": password, "confirm": password if confirm is None else confirm}
    return form_post(client, path, data, follow=follow)


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _joined(app, email=NEW_EMAIL) -> bool:
    """Whether the invited account has chosen a password (it exists from the moment of invitation)."""
    with app.app_context():
        return db.session.scalars(select(User).where(User.email == email)).one().has_joined


def _audit(app, action) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        db.session.expunge_all()
        return list(events)


def test_admin_can_invite_a_candidate(client, app, admin):
    login(client, admin.email)
    page = _invite(client).get_data(as_text=True)

    assert "Invitation sent to nia.new@school.example as candidate. The link works for 7 days." in page
    assert "Nia New" in page  # listed as waiting to be accepted
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
        assert (invitation.email, invitation.name, invitation.role) == (NEW_EMAIL, "Nia New", "candidate")
        assert invitation.invited_by_id == admin.id
        assert invitation.used_at is None
        assert invitation.revoked_at is None
        lifetime = invitation.expires_at - invitation.created_at
        invitation_id = invitation.id
    assert lifetime == timedelta(days=7)
    assert len(_links(app)) == 1
    (event,) = _audit(app, "invitation_sent")
    assert event.actor_id == admin.id
    assert (event.object_type, event.object_id) == ("Invitation", str(invitation_id))
    assert details_of(event) == {"email": NEW_EMAIL, "role": "candidate"}


def test_invitee_can_accept_the_invitation_and_is_signed_in(client, app, admin):
    login(client, admin.email)
    _invite(client)
    (path,) = _links(app)
    invitee = app.test_client()

    page = invitee.get(path).get_data(as_text=True)
    assert "Join Waymark" in page
    assert NEW_EMAIL in page
    response = _accept(invitee, path, name="Nia Newton")

    page = response.get_data(as_text=True)
    assert response.request.path == "/"
    assert "Welcome to Waymark, Nia Newton. Your account is ready." in page
    assert "Hello, Nia Newton" in page
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == NEW_EMAIL)).one()
        assert user.name == "Nia Newton"
        assert [r.value for r in user.roles] == ["candidate"]
        assert db.session.scalars(select(Invitation.used_at)).one() is not None
    assert len(_audit(app, "invitation_accepted")) == 1


def test_invitee_can_sign_in_later_with_the_chosen_password(client, app, admin):
    login(client, admin.email)
    _invite(client)
    (path,) = _links(app)
    _accept(app.test_client(), path)

    page = login(app.test_client(), NEW_EMAIL, NEW_PASSWORD).get_data(as_text=True)
    assert "Hello, Nia New" in page


def test_invitee_cannot_use_the_same_link_twice(client, app, admin):
    login(client, admin.email)
    _invite(client)
    (path,) = _links(app)
    _accept(app.test_client(), path)

    again = app.test_client()
    response = again.get(path)
    assert response.status_code == 410
    assert "This invitation has already been used" in response.get_data(as_text=True)
    # Posting the form anyway (with a valid CSRF token from the page) creates nothing either.
    response = _accept(again, path, name="Someone Else", follow=False)
    assert response.status_code == 410
    assert _count(app, User, User.email == NEW_EMAIL) == 1


def test_invitee_cannot_use_an_expired_link(client, app, admin):
    login(client, admin.email)
    _invite(client)
    (path,) = _links(app)
    with app.app_context():
        db.session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()

    invitee = app.test_client()
    response = invitee.get(path)
    assert response.status_code == 410
    assert "This invitation has expired" in response.get_data(as_text=True)
    # Posting the form anyway (with a valid CSRF token from the page) creates nothing.
    assert _accept(invitee, path, follow=False).status_code == 410
    assert not _joined(app)
    with app.app_context():
        assert db.session.scalars(select(Invitation.used_at)).one() is None


def test_invitee_cannot_use_a_link_replaced_by_a_newer_invitation(client, app, admin):
    login(client, admin.email)
    _invite(client)
    _invite(client, role="assessor")
    first, second = _links(app)

    invitee = app.test_client()
    response = invitee.get(first)
    assert response.status_code == 410
    assert "This invitation was replaced by a newer one" in response.get_data(as_text=True)
    assert "You have been invited as <strong>Assessor</strong>" in invitee.get(second).get_data(as_text=True)
    assert _count(app, Invitation, Invitation.revoked_at.is_not(None)) == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password1234", "That password is on a list of commonly used passwords"),
        ("short pass", "Use at least 12 characters"),
        ("nia.new-rocks-2026", "Do not use your name or email address in your password"),
    ],
)
def test_invitee_cannot_choose_a_weak_password(client, app, admin, password, message):
    login(client, admin.email)
    _invite(client)
    (path,) = _links(app)
    invitee = app.test_client()

    response = _accept(invitee, path, password=password)

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert not _joined(app)
    # The link still works: the invitee can try again with a better password.
    assert invitee.get(path).status_code == 200
    assert "Welcome to Waymark" in _accept(invitee, path).get_data(as_text=True)


def test_invitee_cannot_accept_with_a_mismatched_confirmation(client, app, admin):
    login(client, admin.email)
    _invite(client)
    (path,) = _links(app)

    response = _accept(app.test_client(), path, confirm=NEW_PASSWORD + " typo")

    assert response.status_code == 200
    assert "The two passwords differ." in response.get_data(as_text=True)
    assert not _joined(app)


def test_course_leader_can_invite_a_candidate(client, app, course_leader):
    login(client, course_leader.email)
    page = _invite(client).get_data(as_text=True)

    assert "Invitation sent to nia.new@school.example as candidate." in page
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
        assert (invitation.role, invitation.invited_by_id) == ("candidate", course_leader.id)
    (event,) = _audit(app, "invitation_sent")
    assert event.actor_role == "course_leader"


def test_course_leader_cannot_invite_an_admin(client, app, course_leader):
    login(client, course_leader.email)
    page = client.get("/people/invite").get_data(as_text=True)
    assert 'value="candidate"' in page
    assert 'value="admin"' not in page

    response = _invite(client, role="admin", follow=False)  # forged: admin is not among the choices

    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert _count(app, Invitation) == 0
    assert _links(app) == []


def test_candidate_cannot_open_the_invite_page(client, candidate):
    login(client, candidate.email)
    assert client.get("/people/invite").status_code == 403


def test_candidate_cannot_post_an_invitation(client, app, candidate):
    login(client, candidate.email)
    token = csrf_from(client.get("/account").get_data(as_text=True))
    data = {"name": "Nia New", "email": NEW_EMAIL, "role": "candidate", "csrf_token": token}
    assert client.post("/people/invite", data=data).status_code == 403
    assert _count(app, Invitation) == 0


def test_admin_can_invite_an_existing_account_to_a_new_role(client, app, admin, candidate):
    login(client, admin.email)
    page = _invite(client, email="Candidate@School.example", name="Casey C", role="assessor").get_data(
        as_text=True
    )

    assert "Casey Candidate already had an account: they now have the assessor role too." in page
    assert _count(app, Invitation) == 0
    with app.app_context():
        assert [r.value for r in db.session.get(User, candidate.id).roles] == ["candidate", "assessor"]
    (event,) = _audit(app, "roles_changed")
    assert event.object_id == str(candidate.id)
    assert details_of(event) == {"before": ["candidate"], "after": ["assessor", "candidate"]}
    # They are told by email, and can use the new role at their next page.
    assert _count(app, OutboxMessage, OutboxMessage.to_address == candidate.email) == 1
    home = login(app.test_client(), candidate.email).get_data(as_text=True)
    assert "Assessment" in home


def test_admin_cannot_invite_an_account_to_a_role_it_already_has(client, app, admin, candidate):
    login(client, admin.email)
    response = _invite(client, email=candidate.email, name="Casey Candidate", role="candidate", follow=False)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="email-error">.*?Casey Candidate already has the candidate role\.', page, re.S)
    with app.app_context():
        assert [r.value for r in db.session.get(User, candidate.id).roles] == ["candidate"]
    assert _audit(app, "roles_changed") == []
    assert _count(app, OutboxMessage) == 0
    assert _count(app, Invitation) == 0


def test_invited_account_cannot_sign_in_before_joining_and_shows_as_invited(client, app, admin):
    login(client, admin.email)
    _invite(client)
    assert "Invited" in client.get("/admin/accounts?q=nia").get_data(as_text=True)
    stranger = app.test_client()
    # No password has been chosen, so no password (not even an empty one) opens the account.
    for guess in ("", NEW_PASSWORD):
        page = login(stranger, NEW_EMAIL, guess).get_data(as_text=True)
        assert "Hello" not in page


def test_inviting_someone_who_has_not_joined_sends_a_fresh_link(client, app, admin):
    login(client, admin.email)
    _invite(client)
    response = _invite(client)
    assert "Invitation sent to nia.new@school.example" in response.get_data(as_text=True)
    first, second = _links(app)
    assert app.test_client().get(first).status_code == 410
    assert "Welcome to Waymark" in _accept(app.test_client(), second).get_data(as_text=True)
    assert _count(app, User, User.email == NEW_EMAIL) == 1

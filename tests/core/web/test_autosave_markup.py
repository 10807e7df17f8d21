"""Issue 11 (5): the one autosave script (static/js/app.js, section (d)) finds its forms by their markup.

A form with a draft on the server says so (data-autosave="server" and the name of its version input); a form
without one keeps a local copy (data-autosave="local"). Local copies are keyed by the signed-in person, read
from <body data-user-id>, and removed by the sign-out form (data-autosave-forget). Without JavaScript none of
this matters: the pages send the same forms as before. The behaviour itself is tested in a real browser
(tests/e2e/test_autosave.py, test_assessment.py, test_evening.py)."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from tests.support.demo import activity_id, demo_fixture, load_demo_data
from tests.support.html import signed_in
from tests.support.people import JO

FORM = re.compile(r"<form\b[^>]*>")
REFLECTION = "Reflect on impartiality and a pupil who found it hard to open up"


demo = demo_fixture(load_demo_data)


def _autosave_forms(html: str) -> dict[str, dict[str, str]]:
    """action -> the form's data-autosave attributes, for each form that has any."""
    found = {}
    for tag in FORM.findall(html):
        attributes = dict(re.findall(r'(data-autosave[\w-]*)(?:="([^"]*)")?', tag))
        if attributes:
            action = re.search(r'action="([^"]*)"', tag)
            found[action.group(1) if action else ""] = attributes
    return found


def _body(html: str) -> str:
    return re.search(r"<body\b[^>]*>", html).group(0)


def test_the_page_names_the_signed_in_person_for_the_kept_copies_and_nobody_when_signed_out(demo):
    client = signed_in(demo, JO)
    with demo.app_context():
        jo_id = db.session.scalar(select(User.id).where(User.email == JO))
    home = client.get("/").get_data(as_text=True)
    assert f'data-user-id="{jo_id}"' in _body(home)
    assert _autosave_forms(home)["/logout"] == {"data-autosave-forget": ""}

    login_page = demo.test_client().get("/login").get_data(as_text=True)
    assert "data-user-id" not in _body(login_page)


def test_long_texts_are_marked_for_the_one_autosave(demo):
    client = signed_in(demo, JO)

    # A reflection has a draft on the server, versioned by its revision.
    task = activity_id(demo, "M01", REFLECTION)
    reflection = _autosave_forms(client.get(f"/study/CCQ/M01/{task}").get_data(as_text=True))
    (draft,) = (a for action, a in reflection.items() if action.endswith("/draft"))
    assert draft["data-autosave"] == "server"
    assert draft["data-autosave-version"] == "revision"

    # A new evidence item and a new forum thread have none: kept in the browser until sent.
    new_item = _autosave_forms(client.get("/portfolio/new?kind=account").get_data(as_text=True))
    assert [a["data-autosave"] for a in new_item.values() if "data-autosave" in a] == ["local"]
    forums = client.get("/forums/cohort/1").get_data(as_text=True)
    forum_url = re.search(r'href="(/forums/cohort/1/[^"/]+)"', forums).group(1)
    forum = _autosave_forms(client.get(forum_url).get_data(as_text=True))
    assert forum[f"{forum_url}/threads"]["data-autosave"] == "local"

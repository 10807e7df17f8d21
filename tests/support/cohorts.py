"""Managing cohorts through their pages as the course leader: create, invite, upload, add staff and
sessions."""

from __future__ import annotations

import html
import io
import re

from sqlalchemy import func, select

from core.accounts.models import User
from core.extensions import db
from qualification.cohorts.models import CohortMember
from qualification.demo import DEMO_SPEC
from tests.support.html import csrf_from
from tests.support.mail import emailed_links


def publish_demo(runner) -> None:
    result = runner.invoke(args=["qualification", "import", str(DEMO_SPEC), "--publish"])
    assert result.exit_code == 0, result.output


def token(page: str, prefix: str | None = None) -> str:
    """The CSRF token of a (possibly prefixed) form on a page."""
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]+)"', page)
    assert match, f"no {name} on the page"
    return match.group(1)


def options(page: str, name: str) -> dict[str, str]:
    """The options of a <select>: visible label -> value."""
    select_html = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert select_html, f"no <select name={name}> on the page"
    found = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', select_html.group(1))
    return {html.unescape(label): html.unescape(value) for value, label in found}


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def create_cohort(client, *, name="Certificate 2027, Northmoor", offer_code="award:CERT", **extra) -> int:
    """Create a cohort through the form (the client is signed in as a manager); return its id."""
    page = client.get("/cohorts/new").get_data(as_text=True)
    value = next(v for v in options(page, "offer").values() if v.endswith(":" + offer_code))
    data = {"name": name, "offer": value, "start_date": "2026-09-18", **extra}
    response = client.post("/cohorts/new", data={**data, "csrf_token": csrf_from(page)})
    assert response.status_code == 302, text_of(response)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def post_on_cohort(client, cohort_id: int, action: str, data: dict, *, prefix=None, follow=True, **kw):
    """POST one of the cohort page's forms with the token the page gave it."""
    page = client.get(f"/cohorts/{cohort_id}").get_data(as_text=True)
    field = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(
        f"/cohorts/{cohort_id}/{action}",
        data={**data, field: token(page, prefix)},
        follow_redirects=follow,
        **kw,
    )


def invite(client, cohort_id: int, name: str, email: str, school: str = "", **kw):
    data = {"one-name": name, "one-email": email, "one-school": school}
    return post_on_cohort(client, cohort_id, "candidates", data, prefix="one", **kw)


def upload_csv(client, cohort_id: int, content: bytes | None, filename: str = "candidates.csv"):
    data = {} if content is None else {"csv-csv_file": (io.BytesIO(content), filename)}
    return post_on_cohort(
        client, cohort_id, "candidates/csv", data, prefix="csv", content_type="multipart/form-data"
    )


def add_staff(client, cohort_id: int, email: str, role: str = "assessor", **kw):
    data = {"staff-email": email, "staff-role": role}
    return post_on_cohort(client, cohort_id, "staff", data, prefix="staff", **kw)


def members(app, cohort_id: int, role: str = "candidate") -> dict[str, str | None]:
    """email -> school of the cohort's members in a role."""
    with app.app_context():
        rows = db.session.execute(
            select(User.email, CohortMember.school)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort_id, CohortMember.role == role)
        )
        return dict(rows.all())


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


TWILIGHT = {
    "kind": "twilight",
    "title": "Planning the careers calendar",
    "starts_at": "2026-10-07T16:30",
    "ends_at": "2026-10-07T18:00",
    "place": "Hollins Park Academy, library",
    "link": "",
    "capacity": "30",
    "module_codes": "M01 m02",
    "notes": "",
}


def add_session(client, cohort_id: int, data: dict, **kw):
    url = f"/cohorts/{cohort_id}/sessions/new"
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(page)}, **kw)


_INVITE_LINK = re.compile(r"http://waymark\.test(/invitations/[A-Za-z0-9_-]+)")
JOINING_PASSWORD = "a long passphrase, 7 words"


def accept_invitation(app, email: str, name: str):
    """The invited person follows the newest emailed link and chooses a password; returns their signed-in
    client."""
    path = emailed_links(app, email, _INVITE_LINK)[-1]
    candidate = app.test_client()
    page = candidate.get(path).get_data(as_text=True)
    data = {
        "name": name,
        "password": JOINING_PASSWORD,
        "confirm": JOINING_PASSWORD,
        "csrf_token": csrf_from(page),
    }
    joined = candidate.post(path, data=data, follow_redirects=True)
    assert f"Welcome to Waymark, {name}" in text_of(joined), text_of(joined)
    return candidate


def join_cohort(app, leader, cohort_id: int, name: str, email: str):
    """The course leader invites a candidate on the cohort page, who accepts the emailed invitation; returns
    (the page the leader saw after inviting, the candidate's signed-in client)."""
    invited = text_of(invite(leader, cohort_id, name, email, "Vale School"))
    return invited, accept_invitation(app, email, name)

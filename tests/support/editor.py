"""The qualification editor through its pages: the demo spec, its forms, exports and audit rows."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from core.audit.models import AuditEvent
from core.extensions import db
from modules.catalogue.models import Module
from qualification.demo import DEMO_SPEC

DEMO = json.loads(DEMO_SPEC.read_text())


V1 = "/qualifications/CCQ/v1"
V2 = "/qualifications/CCQ/v2"
M01 = f"{V2}/modules/M01"
M01_V1 = f"{V1}/modules/M01"


class _Forms(HTMLParser):
    """Every form of a page: its action, the values a browser would send, and its visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: list | None = None
        self._button: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action"), "fields": [], "text": "", "attrs": a, "buttons": []}
            self.forms.append(self._form)
        elif self._form is not None and tag == "button":
            self._button = [a.get("name"), a.get("value", ""), ""]
            self._form["buttons"].append(self._button)
        elif self._form is not None and tag == "input" and "name" in a:
            kind = a.get("type", "text")
            if kind not in ("submit", "button") and (kind != "checkbox" or "checked" in a):
                self._form["fields"].append((a["name"], a.get("value") or ""))
        elif self._form is not None and tag == "textarea":
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        if self._form is not None:
            self._form["text"] += data
        if self._button is not None:
            self._button[2] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            name, value = self._textarea
            # Browsers drop the one line break that follows <textarea>.
            self._form["fields"].append((name, value.removeprefix("\r\n").removeprefix("\n")))
            self._textarea = None
        elif tag == "button":
            self._button = None
        elif tag == "form":
            self._form = None


def page_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _shows(shown: str, text: str) -> bool:
    # Whole words only: "Move down M01.1" must not match the button of M01.1.1.
    return re.search(re.escape(text) + r"(?!\S)", " ".join(shown.split())) is not None


def find_form(html: str, *, field: str | None = None, text: str | None = None) -> dict:
    """The one form holding a field of this name, or showing this text (e.g. 'Move up M01.2')."""
    found = [
        f
        for f in page_forms(html)
        if (field is None or any(name == field for name, _ in f["fields"]))
        and (text is None or _shows(f["text"], text))
    ]
    assert len(found) == 1, (field, text, len(found))
    return found[0]


def submit(client, html: str, *, field=None, text=None, data=None, follow=False):
    """Fill in one form of the page (a list for checkboxes), press its button `text`, and send it."""
    form = find_form(html, field=field, text=text)
    values = MultiDict(form["fields"])
    for name, value in (data or {}).items():
        values.setlist(name, value if isinstance(value, list) else [value])
    pressed = [b for b in form["buttons"] if text and _shows(b[2], text) and b[0]]
    if pressed:
        values.add(pressed[0][0], pressed[0][1])
    return client.post(form["action"], data=values, follow_redirects=follow)


def send_criterion(client, html: str, form: str, text: str, methods: list[str], *, follow: bool = True):
    """Fill in and send a criterion form on the page (`form`: "add-criterion-<outcome>" or
    "criterion-<ref>"): its text and assessment methods."""
    data = {f"{form}-text": text, f"{form}-methods": methods}
    return submit(client, html, field=f"{form}-text", data=data, follow=follow)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def export(client, url: str) -> dict:
    return json.loads(client.get(f"{url}/export.json").get_data())


def revisions(app, code: str = "M01") -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(select(Module.revision).where(Module.code == code).order_by(Module.id))
        )


def events(app, action: str) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
        return [{**json.loads(e.details_json), "actor": e.actor_label} for e in rows]


def import_demo(runner) -> None:
    """Import the demo qualification and publish it as v1."""
    result = runner.invoke(args=["qualification", "import", str(DEMO_SPEC), "--publish"])
    assert result.exit_code == 0, result.output


def start_draft(client) -> None:
    """As the signed-in course leader, start v2 as a draft from the published M01 page."""
    response = submit(client, page(client, M01_V1), text="Start a new draft to change this")
    assert response.headers["Location"] == M01

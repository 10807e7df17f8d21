"""Pages and forms as a browser uses them: signing in through the login form, reading what a person sees,
and pressing a form's button with what the form holds.

Tests act as a person would: open a page, find a form by the label of its button, send what the form holds
(hidden fields, the CSRF token, ticked boxes, the textarea's text) with the fields the person changed.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

from tests.support.people import DEMO_PASSWORD, PASSWORD

# Signing in ------------------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1)


def form_post(client, page_url: str, data: dict, *, action: str | None = None, follow: bool = False):
    """Open a page, take its form's CSRF token, and POST the form as a browser would."""
    page = client.get(page_url)
    token = csrf_from(page.get_data(as_text=True))
    return client.post(action or page_url, data={**data, "csrf_token": token}, follow_redirects=follow)


def login(client, email: str, password: str = PASSWORD, *, remember: bool = False, follow: bool = True):
    """Sign in through the login form."""
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return form_post(client, "/login", data, follow=follow)


def logout(client):
    """Sign out with the POST the sign-out button sends."""
    token = csrf_from(client.get("/account").get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token})


def signed_in_fixture(email: str):
    """A test module's fixture: the test client signed in as this person through the login form, once the
    module's `demo` fixture has put the demo in."""

    @pytest.fixture
    def person(request, client):
        request.getfixturevalue("demo")
        login(client, email, DEMO_PASSWORD)
        return client

    return person


def signed_in(app, email: str, password: str = DEMO_PASSWORD):
    """A new client signed in through the login form (as a demo person unless a password is given)."""
    client = app.test_client()
    assert "Hello" in login(client, email, password).get_data(as_text=True)
    return client


# Reading pages ----------------------------------------------------------------------------------------


def page_text(response) -> str:
    """What a person reads in the page's main area: tags removed, entities decoded, spaces collapsed."""
    body = response.get_data(as_text=True)
    main = re.search(r"<main\b.*?</main>", body, re.S)
    text = re.sub(r"<[^>]+>", " ", main.group(0) if main else body)
    return re.sub(r"\s+", " ", html_lib.unescape(text)).strip()


def textarea_text(response, name: str = "text") -> str:
    """The text in a textarea, as the editor shows it."""
    match = re.search(
        rf'<textarea\b[^>]*\bname="{name}"[^>]*>(.*?)</textarea>', response.get_data(as_text=True), re.S
    )
    assert match, f"no textarea {name!r} on the page"
    return html_lib.unescape(match.group(1)).removeprefix("\r\n").removeprefix("\n")


def recovery_boxes(response) -> list[str]:
    """The visible text of each box of text kept from another tab (up to and including its Dismiss form)."""
    body = response.get_data(as_text=True)
    boxes = re.findall(r'<div class="card recovery">(.*?)</form>', body, re.S)
    return [re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", b))).strip() for b in boxes]


@dataclass
class PageForm:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # what the browser sends by default
    buttons: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (label, name, value)

    def filled(self, changes: dict | None = None) -> dict[str, list[str]]:
        """What the form holds, with the person's changes (a list ticks several boxes)."""
        sent: dict[str, list[str]] = {}
        for name, value in self.fields:
            sent.setdefault(name, []).append(value)
        for key, value in (changes or {}).items():
            sent[key] = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        return sent

    def data(self, button: str, changes: dict | None = None) -> dict:
        """The form's data as a browser sends it when this button is pressed, with the person's changes."""
        sent = self.filled(changes)
        _, name, value = next(b for b in self.buttons if b[0] == button)
        if name:
            sent[name] = [value or ""]
        return sent


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._textarea: str | None = None
        self._button: tuple[str | None, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = PageForm(a.get("action") or "", (a.get("method") or "get").lower())
        elif self._form is None:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((a["name"], a.get("value") or "on"))
            elif kind == "submit":
                self._form.buttons.append((a.get("value") or "", a.get("name"), a.get("value")))
            elif a.get("name"):
                self._form.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            self._button, self._text = (a.get("name"), a.get("value")), []

    def handle_data(self, data):
        if self._textarea is not None or self._button is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "textarea" and self._form is not None and self._textarea is not None:
            self._form.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "button" and self._form is not None and self._button is not None:
            label = re.sub(r"\s+", " ", "".join(self._text)).strip()
            self._form.buttons.append((label, *self._button))
            self._button = None


def forms_of(response) -> list[PageForm]:
    """Every form on a page."""
    reader = _FormReader()
    reader.feed(response.get_data(as_text=True))
    return reader.forms


def has_button(response, button: str) -> bool:
    """Whether any form on the page has a submit button with this label."""
    return any(b[0] == button for f in forms_of(response) for b in f.buttons)


def form_with(response, button: str, index: int = 0) -> PageForm:
    """The form on the page whose submit button has this label (the index-th such form)."""
    found = [f for f in forms_of(response) if any(b[0] == button for b in f.buttons)]
    assert len(found) > index, f"no form with a {button!r} button on the page"
    return found[index]


def press(client, response, button: str, changes: dict | None = None, *, follow=True, index=0, headers=None):
    """Press a button of a form on an opened page, as a browser would (token and hidden fields included)."""
    form = form_with(response, button, index)
    assert form.method == "post"
    return client.post(
        form.action, data=form.data(button, changes), follow_redirects=follow, headers=headers or {}
    )


AUTOSAVE = {"X-Requested-With": "fetch", "Accept": "application/json"}


def autosave(client, response, button: str, changes: dict | None = None, *, index=0):
    """Post the form with this button in the background, as the autosave script does a moment after typing
    stops: what the form holds with the person's changes, no button, asking for JSON."""
    form = form_with(response, button, index)
    return client.post(form.action, data=form.filled(changes), headers=AUTOSAVE)


# Forms found by where they post ------------------------------------------------------------------------


class _FormsByAction(HTMLParser):
    """The forms of a page as a browser would send them: inputs, ticked boxes, textareas, chosen options."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, MultiDict] = {}
        self._open: MultiDict | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        name = found.get("name")
        if tag == "form":
            self._open = self.forms.setdefault(found.get("action") or "", MultiDict())
        elif self._open is None or (not name and tag != "option"):
            return
        elif tag == "input":
            kind = found.get("type", "text")
            if kind not in ("submit", "button") and (kind != "checkbox" or "checked" in found):
                self._open.add(name, found.get("value") or "")
        elif tag == "textarea":
            self._textarea = name
            self._open.add(name, "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and ("selected" in found or self._select not in self._open):
            self._open.setlist(self._select, [found.get("value") or ""])

    def handle_data(self, data):
        if self._textarea and self._open is not None:
            self._open.setlist(self._textarea, [self._open.get(self._textarea, "") + data])

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def forms_by_action(html: str) -> dict[str, MultiDict]:
    """The forms of a page by where they post, each holding what a browser would send."""
    parser = _FormsByAction()
    parser.feed(html)
    return parser.forms


def form_of(client, page: str, action: str) -> MultiDict:
    """What the form posting to `action` on `page` holds, with its CSRF token."""
    forms = forms_by_action(client.get(page).get_data(as_text=True))
    assert action in forms, f"no form posting to {action} on {page}"
    return forms[action]


def send_form(client, page: str, action: str, changes: dict, *, follow: bool = False):
    """Open the page, fill in its form for `action` (lists tick checkboxes), and send it."""
    data = form_of(client, page, action).copy()
    for name, value in changes.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return client.post(action, data=data, follow_redirects=follow)

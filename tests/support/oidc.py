"""A real OpenID provider for the single sign-on tests, and a person's walk through it.

`running_provider` starts tests/oidc/provider.mjs (the certified `oidc-provider` package on Node.js) on a free
port, signing with a key the test made, so a test can also sign a token exactly as the provider would and
change one thing in it. Without Node.js the tests are skipped, unless WAYMARK_REQUIRE_OIDC=1 (as in CI).

A person's walk: press "Sign in with ..." on Waymark's sign-in page (the Flask test client), follow the
redirect to the provider with a browser of their own (`ProviderBrowser`, cookies kept like a browser), sign
in on its form, and come back to Waymark with the address the provider sends them to.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from core.sso.rules import Provider
from tests.support.html import _FormReader
from tests.support.processes import free_port, running

ROOT = Path(__file__).resolve().parents[2]
OIDC_DIR = ROOT / "tests" / "oidc"
_ACCOUNTS = json.loads((OIDC_DIR / "accounts.json").read_text())
PROVIDER_PASSWORD = _ACCOUNTS["password"]
ACCOUNTS = {a["username"]: a for a in _ACCOUNTS["accounts"]}
START_TIMEOUT = 30
WAYMARK = "http://waymark.test"  # WAYMARK_BASE_URL of the test app (tests/conftest.py)

# The deployment's two providers in the tests, both at the one real provider with their own client ids:
# the university's (links known people only) and the schools' (trusted to make new candidates' accounts).
UNI = "uni", "Northmoor University", "waymark-uni", "uni-client-secret"
SCHOOLS = "schools", "Schools Microsoft", "waymark-schools", "schools-client-secret"


def _missing(reason: str) -> None:
    if os.environ.get("WAYMARK_REQUIRE_OIDC") == "1":
        pytest.fail(f"{reason}; WAYMARK_REQUIRE_OIDC=1 requires the single sign-on tests.", pytrace=False)
    pytest.skip(f"{reason}: single sign-on tests against the real provider skipped")


def ensure_installed() -> str:
    """The node executable, with tests/oidc's packages installed from the lock file (`npm ci`) if missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        _missing("Node.js and npm are not installed")
    # One installer at a time: parallel test workers share tests/oidc/node_modules.
    with (OIDC_DIR / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (OIDC_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
            result = subprocess.run(  # noqa: S603
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=OIDC_DIR,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if result.returncode != 0:
                _missing(f"`npm ci` in tests/oidc failed:\n{result.stdout}\n{result.stderr}")
    return node


def waymark_client(base_url: str, name: str, client_id: str, secret: str) -> dict:
    """The provider's registration of one Waymark deployment's client (as an operator registers it)."""
    return {
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uris": [f"{base_url}/login/sso/{name}/callback"],
        "post_logout_redirect_uris": [f"{base_url}/login/sso/{name}/signed-out"],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    }


@dataclass
class RunningProvider:
    issuer: str
    key: RSAKey  # the provider's own signing key

    def provider(self, spec=UNI, **settings) -> Provider:
        """Waymark's setting for one of the test providers (UNI or SCHOOLS) at this issuer."""
        name, label, client_id, secret = spec
        return Provider(
            name=name, label=label, issuer=self.issuer, client_id=client_id, client_secret=secret, **settings
        )

    def sign(self, claims: dict, key: RSAKey | None = None) -> str:
        """An ID token with these claims signed as the provider signs (or with another key)."""
        key = key or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


@contextlib.contextmanager
def running_provider(
    tmp_dir: Path, clients: list[dict], port: int | None = None
) -> Iterator[RunningProvider]:
    """The real provider on 127.0.0.1, until the block ends."""
    node = ensure_installed()
    port = port or free_port()
    issuer = f"http://127.0.0.1:{port}"
    key = RSAKey.generate_key(2048, parameters={"kid": "provider-1", "use": "sig", "alg": "RS256"})
    jwks = tmp_dir / "provider-jwks.json"
    jwks.write_text(json.dumps({"keys": [key.as_dict(private=True)]}))
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENTS": json.dumps(clients),
        "OIDC_JWKS_FILE": str(jwks),
        "NODE_ENV": "test",
    }
    log_path = tmp_dir / "provider.log"
    with (
        log_path.open("w") as log,
        running([node, "provider.mjs"], log=log, cwd=OIDC_DIR, env=env) as process,
    ):
        _wait_for_discovery(issuer, process, log_path)
        yield RunningProvider(issuer, key)


def _wait_for_discovery(issuer: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The OpenID provider stopped:\n{log_path.read_text()}", pytrace=False)
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok:
                return
        time.sleep(0.2)
    pytest.fail(f"The OpenID provider did not start:\n{log_path.read_text()}", pytrace=False)


# A person's walk ---------------------------------------------------------------------------------------


def _forms(response: requests.Response):
    reader = _FormReader()
    reader.feed(response.text)
    return reader.forms


class ProviderBrowser:
    """The person's browser while at the provider: its cookies, its pages, and the address it is sent back
    to Waymark with (`back`), which the test then opens with the Flask test client."""

    def __init__(self, issuer: str):
        self.issuer = issuer
        self.http = requests.Session()
        self.page: requests.Response | None = None
        self.back: str | None = None

    def open(self, url: str) -> ProviderBrowser:
        """Open an address at the provider and follow its redirects until a page, or until it sends the
        browser back to Waymark."""
        response = self.http.get(url, allow_redirects=False, timeout=10)
        return self._follow(response)

    def _follow(self, response: requests.Response) -> ProviderBrowser:
        self.back = None
        while response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if not target.startswith(self.issuer):
                self.back = target
                return self
            response = self.http.get(target, allow_redirects=False, timeout=10)
        self.page = response
        return self

    def press(self, button: str, changes: dict | None = None) -> ProviderBrowser:
        """Press a button of a form on the provider's page, as a browser would."""
        assert self.page is not None, "no page open at the provider"
        form = next((f for f in _forms(self.page) if any(b[0] == button for b in f.buttons)), None)
        assert form is not None, f"no {button!r} button at the provider:\n{self.page.text}"
        action = urljoin(self.page.url, form.action or self.page.url)
        response = self.http.post(action, data=form.data(button, changes), allow_redirects=False, timeout=10)
        return self._follow(response)

    def sign_in(self, username: str, password: str = PROVIDER_PASSWORD) -> ProviderBrowser:
        return self.press("Sign in", {"username": username, "password": password})

    @property
    def text(self) -> str:
        return self.page.text if self.page is not None else ""


def waymark_path(url: str) -> str:
    """The path and query of an address at the test app (WAYMARK_BASE_URL), for the Flask test client."""
    assert url.startswith(WAYMARK), f"sent to {url}, not back to Waymark"
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def press_sign_in_with(client, label: str, login_page: str = "/login") -> str:
    """Press "Sign in with <label>" on Waymark's sign-in page; the address it sends the browser to."""
    from tests.support.html import press

    page = client.get(login_page)
    response = press(client, page, f"Sign in with {label}", follow=False)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def sign_in_with_provider(client, issuer: str, username: str, *, spec=UNI, login_page: str = "/login"):
    """The whole walk, as the person: Waymark's button, the provider's form, back to Waymark (redirects
    followed). Returns (Waymark's last response, the callback address used, the browser at the provider)."""
    browser = ProviderBrowser(issuer).open(press_sign_in_with(client, spec[1], login_page))
    browser.sign_in(username)
    assert browser.back, f"the provider did not send the person back:\n{browser.text}"
    callback = waymark_path(browser.back)
    return client.get(callback, follow_redirects=True), callback, browser

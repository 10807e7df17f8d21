"""Single sign-on rules, pure: the providers a deployment configures, and what a provider's claims say.

No Flask, no database: the settings are read from a mapping (the environment) and claims are plain dicts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

PREFIX = "WAYMARK_OIDC_"
# The name is part of the sign-in and callback addresses and of every stored link, so it is kept plain.
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
DEFAULT_SCOPE = "openid email profile"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


class ProviderSettingsError(ValueError):
    """A provider is configured wrongly: the app refuses to start rather than sign people in wrongly."""


@dataclass(frozen=True)
class Provider:
    """One OpenID provider a deployment trusts, as configured by its operator."""

    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str | None = None
    # Whether someone Waymark does not know may get an account (a candidate's) on first sign-in.
    trusted_for_new_accounts: bool = False
    # Whether this provider's addresses are verified by its administrators even without `email_verified`
    # (Microsoft Entra ID sends no such claim): only for a single-tenant directory the institution runs.
    emails_verified: bool = False
    scope: str = DEFAULT_SCOPE

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def _flag(env: Mapping[str, str], key: str) -> bool:
    value = (env.get(key) or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ProviderSettingsError(f"{key} must be 1 or 0, not {value!r}.")


def _provider(env: Mapping[str, str], name: str) -> Provider:
    if not NAME.match(name):
        raise ProviderSettingsError(
            f"Provider name {name!r}: use lower-case letters, digits, - or _ (it appears in addresses)."
        )
    key = PREFIX + name.upper().replace("-", "_") + "_"
    issuer = (env.get(key + "ISSUER") or "").strip().rstrip("/")
    client_id = (env.get(key + "CLIENT_ID") or "").strip()
    missing = [k for k, v in (("ISSUER", issuer), ("CLIENT_ID", client_id)) if not v]
    if missing:
        raise ProviderSettingsError(f"Provider {name!r} needs {', '.join(key + m for m in missing)}.")
    if not issuer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ProviderSettingsError(f"{key}ISSUER must be an https:// address.")
    scope = (env.get(key + "SCOPE") or DEFAULT_SCOPE).strip()
    if "openid" not in scope.split():
        raise ProviderSettingsError(f"{key}SCOPE must include openid.")
    return Provider(
        name=name,
        label=(env.get(key + "LABEL") or "").strip() or name.replace("-", " ").replace("_", " ").title(),
        issuer=issuer,
        client_id=client_id,
        client_secret=(env.get(key + "CLIENT_SECRET") or "").strip() or None,
        trusted_for_new_accounts=_flag(env, key + "TRUSTED_FOR_NEW_ACCOUNTS"),
        emails_verified=_flag(env, key + "EMAILS_VERIFIED"),
        scope=scope,
    )


def providers_from_env(env: Mapping[str, str]) -> tuple[Provider, ...]:
    """The providers WAYMARK_OIDC_PROVIDERS names (comma-separated), each from its own settings."""
    names = [n.strip().lower() for n in (env.get(PREFIX + "PROVIDERS") or "").split(",") if n.strip()]
    if len(set(names)) != len(names):
        raise ProviderSettingsError(f"{PREFIX}PROVIDERS names a provider twice.")
    return tuple(_provider(env, name) for name in names)


# What the provider says about the person ---------------------------------------------------------------


def verified_email(claims: Mapping, provider: Provider) -> str | None:
    """The person's address, lower-cased, if the provider vouches for it; otherwise None.

    Only a verified address may find or make an account: anyone can type an address into a provider that
    does not check it, and would otherwise sign in as its owner.
    """
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email:
        return None
    flag = claims.get("email_verified")
    # Some providers send the flag as the string "true".
    verified = flag is True or (isinstance(flag, str) and flag.lower() == "true")
    if verified or (flag is None and provider.emails_verified):
        return email
    return None


def display_name(claims: Mapping, email: str) -> str:
    """The name to give a new account: the provider's name, else given and family names, else the address."""
    name = " ".join(str(claims.get("name") or "").split())
    if not name:
        parts = (str(claims.get(k) or "").strip() for k in ("given_name", "family_name"))
        name = " ".join(p for p in parts if p)
    return (name or email.split("@")[0])[:200]

"""Who may issue and revoke API tokens, and the route rule of the JSON API. Pure predicates."""

from __future__ import annotations

from core.accounts.models import Role
from core.web.access import RouteRule


def can_manage_api_tokens(user) -> bool:
    """Issue, list and revoke API tokens (administrators: a token reaches what its account reaches)."""
    return user.is_authenticated and user.has_role(Role.ADMIN)


def has_scope(scopes, needed) -> bool:
    """Whether a token's scopes include the one an API operation needs."""
    return needed in scopes


# The API's routes pass the session gate: they ignore cookies and answer for the account of the bearer token,
# which the API itself checks (401 without one) before any view runs.
API_TOKEN = RouteRule("API token", anonymous=True)

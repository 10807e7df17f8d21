"""Single sign-on tests: one real OpenID provider per test run, and an app configured with its two
providers (the university's and the schools')."""

from __future__ import annotations

import pytest

from core.app import create_app
from core.extensions import db
from tests.conftest import TEST_CONFIG
from tests.support.oidc import SCHOOLS, UNI, WAYMARK, running_provider, waymark_client


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """tests/oidc/provider.mjs, running, with Waymark's two clients registered."""
    clients = [waymark_client(WAYMARK, *spec[:1], *spec[2:]) for spec in (UNI, SCHOOLS)]
    with running_provider(tmp_path_factory.mktemp("oidc"), clients) as provider:
        yield provider


@pytest.fixture
def sso_config(oidc_provider) -> dict:
    """The settings the test app adds (a module overrides this to configure something else)."""
    return {
        "WAYMARK_OIDC_PROVIDERS": (
            oidc_provider.provider(UNI),
            oidc_provider.provider(SCHOOLS, trusted_for_new_accounts=True),
        )
    }


@pytest.fixture
def app(database_url, tmp_path, sso_config):
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WAYMARK_DATA_DIR": str(tmp_path / "data"),
            **sso_config,
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()

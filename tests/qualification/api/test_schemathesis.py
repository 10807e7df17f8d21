"""Schemathesis against the live API: the app serves on a free local port with the demo loaded, and every
operation of /api/v1/openapi.json is called with data that fits the document and data that does not.
0 server errors and 0 answers outside the document (status, content type, body), for a course leader's token
with both scopes.

Two runs: one with the demo's real cohort, candidate and qualification in the paths (so the answers carry
data), one with whatever ids and codes the document allows (mostly nothing there: 404 as documented)."""

from __future__ import annotations

import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from core.app import create_app
from core.web.api import api_document
from tests.conftest import TEST_CONFIG
from tests.support.apitokens import bearer, service_token
from tests.support.certificates import meet_award, ratify_directly
from tests.support.demo import demo_ids, load_demo_data
from tests.support.people import JO, LEADER

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Enough to find what breaks, within a minute or two for the ten operations and both kinds of data.
EXAMPLES = 25


def _serve(app):
    """The app on a free local port; its base address and a token acting as the course leader, with both
    scopes and no practical rate limit."""
    app.config["WAYMARK_API_PER_MINUTE"] = 1_000_000
    token = service_token(app, LEADER, scopes=("read", "enrol"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", token
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def live_api(app):
    """The whole demo with a ratified award, so progress, results and certificates have rows."""
    load_demo_data(app)
    meet_award(app)
    ratify_directly(app)
    yield from _serve(app)


@pytest.fixture
def live_api_bare(app):
    """The demo's people, qualification and cohort: enough for addresses that mostly find nothing."""
    load_demo_data(app, content=False)
    yield from _serve(app)


def _document() -> dict:
    """The document as the app writes it (it depends on the code only, not on any row)."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context():
        return api_document()


# Loaded when the tests are collected, so each operation is a test of its own (schemathesis's lazy,
# fixture-made schemas do not run under this pytest).
SCHEMA = schemathesis.openapi.from_dict(
    _document(),
    config=SchemathesisConfig.from_dict(
        {
            "generation": {"mode": "all", "max-examples": EXAMPLES, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
        }
    ),
)


# The live server and its rows serve every generated call of one operation (what a call adds, such as an
# enrolment, is part of what the next call may meet).
ONE_SERVER_PER_OPERATION = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


@SCHEMA.parametrize()
@ONE_SERVER_PER_OPERATION
def test_the_api_keeps_to_its_document_on_real_records(case, live_api, app):
    """The demo's own cohort, candidate and qualification in the paths, so the answers carry data."""
    base, token = live_api
    cohort_id, ids = demo_ids(app)
    real = {"cohort_id": cohort_id, "candidate_id": ids[JO], "code": "CCQ", "number": 1}
    for name in case.path_parameters or {}:
        case.path_parameters[name] = real[name]
    case.call_and_validate(base_url=base, headers=bearer(token), checks=CHECKS)


@SCHEMA.parametrize()
@ONE_SERVER_PER_OPERATION
def test_the_api_keeps_to_its_document_on_any_address(case, live_api_bare):
    """Whatever ids and codes the document allows (mostly nothing there: 404, as documented)."""
    base, token = live_api_bare
    case.call_and_validate(base_url=base, headers=bearer(token), checks=CHECKS)

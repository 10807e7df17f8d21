"""The OpenAPI document of the JSON API, written from the code by flask-smorest and apispec.

The areas declare their API blueprints as capabilities (`qualification.api`), registered under their area like
any other; `install_api` finds them on the app once every area is registered and documents their routes.
flask-smorest's own error handler and spec routes are left out: core/errors.py answers every API error as
problem details, and the API serves its document and its page itself.
"""

from __future__ import annotations

import http

from flask import Flask, current_app
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from flask_smorest.utils import prepare_response

from core.web.problems import PROBLEM_JSON, ProblemSchema

TITLE = "Waymark API"
VERSION = "1"
SECURITY_SCHEME = "bearerToken"
DESCRIPTION = (
    "Waymark's qualifications, cohorts, enrolments, progress, released results and ratified awards, for "
    "a records system. Every request sends an API token an administrator issued "
    "(`Authorization: Bearer wmk_...`); it acts as one account and sees what that account sees on the web. "
    "Lists are paged by cursor (`?after=&limit=`; follow `next`, or the `Link` header). Errors are problem "
    "details (RFC 9457, `application/problem+json`). Each token may make a limited number of requests a "
    "minute; past it the answer is 429 with `Retry-After`."
)


# Headers some answers carry, as the document describes them.
LINK_HEADER = {
    "Link": {
        "description": 'The next page\'s address, as `<address>; rel="next"` (absent on the last page).',
        "schema": {"type": "string"},
    }
}
ERROR_HEADERS = {
    http.HTTPStatus.UNAUTHORIZED: {
        "WWW-Authenticate": {"description": "How to authenticate (RFC 6750).", "schema": {"type": "string"}}
    },
    http.HTTPStatus.TOO_MANY_REQUESTS: {
        "Retry-After": {
            "description": "Seconds to wait before this token's next request is counted afresh.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


class WaymarkApi(Api):
    """flask-smorest's Api, with errors documented as problem details and no handler of its own."""

    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"
    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Flask):
        super().__init__(
            app,
            spec_kwargs={
                "title": TITLE,
                "version": VERSION,
                "openapi_version": "3.1.0",
                "info": {"description": DESCRIPTION},
            },
        )

    def _register_error_handlers(self) -> None:
        # core/errors.py answers every error under /api/ (unknown addresses and lock timeouts too).
        return None

    def _register_etag_headers(self) -> None:
        return None  # no ETags: every answer is read fresh (Cache-Control: no-store)

    def _register_pagination_header(self) -> None:
        return None  # pages are keyset pages with a `next` link, not flask-smorest's numbered pages

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            if status < 400:
                continue
            response = {"description": status.phrase, "schema": self.ERROR_SCHEMA}
            if status in ERROR_HEADERS:
                response["headers"] = ERROR_HEADERS[status]
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error, as problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def install_api(app: Flask) -> WaymarkApi:
    """Document every API blueprint the areas registered (flask-smorest's Blueprint), under its full name."""
    api = WaymarkApi(app)
    api.spec.components.security_scheme(
        SECURITY_SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token an administrator issued (wmk_...), in `Authorization: Bearer`.",
        },
    )
    for name, blueprint in list(app.blueprints.items()):
        if isinstance(blueprint, ApiBlueprint):
            app.extensions["flask-smorest"]["blp_name_to_api"][name] = api
            blueprint.register_views_in_doc(api, app, api.spec, name=name, parameters=None)
    app.extensions["waymark_api"] = api
    return api


def api_document() -> dict:
    """The OpenAPI document of this app's API."""
    return current_app.extensions["waymark_api"].spec.to_dict()


# The document read back for the API's page ------------------------------------------------------------------

METHODS = ("get", "post", "put", "patch", "delete")


def _resolved(document: dict, item: dict) -> dict:
    """An object of the document, following a `$ref` into its components."""
    ref = item.get("$ref", "")
    if not ref.startswith("#/components/"):
        return item
    _, _, kind, name = ref.split("/", 3)
    return document["components"][kind][name]


def _schema_name(schema: dict | None) -> str | None:
    """The component a schema refers to, directly or as the one choice besides null."""
    schema = schema or {}
    for choice in schema.get("anyOf", ()):
        if "$ref" in choice:
            return _schema_name(choice) + " or null"
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else None


def operations_of(document: dict) -> list[dict]:
    """Every operation of the document in its order, flattened for a page: method, path, words, the scope
    it needs, its parameters, the schema of its body and of each answer."""
    found = []
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            responses = []
            for code, answer in sorted(operation.get("responses", {}).items()):
                answer = _resolved(document, answer)
                content = next(iter(answer.get("content", {}).items()), (None, {}))
                responses.append(
                    {
                        "code": code,
                        "description": answer.get("description", ""),
                        "media_type": content[0],
                        "schema": _schema_name(content[1].get("schema")),
                    }
                )
            security = operation.get("security") or [{}]
            found.append(
                {
                    "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "").strip("-"),
                    "method": method.upper(),
                    "path": path,
                    "tag": (operation.get("tags") or ["Other"])[0],
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "scopes": [
                        s for requirement in security for scopes in requirement.values() for s in scopes
                    ],
                    "parameters": [*shared, *operation.get("parameters", [])],
                    "body": _schema_name(body.get("schema")),
                    "responses": responses,
                }
            )
    return found


def schemas_of(document: dict) -> list[dict]:
    """Each schema of the document with its fields: name, type, whether always present, description."""
    found = []
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", []))
        fields = []
        for field, spec in schema.get("properties", {}).items():
            kind = spec.get("type") or _schema_name(spec) or "object"
            if isinstance(kind, list):
                kind = " or ".join(kind)
            if kind == "array":
                items = spec.get("items", {})
                kind = f"array of {_schema_name(items) or items.get('type', 'items')}"
            if spec.get("enum"):
                kind += ": " + ", ".join(str(v) for v in spec["enum"] if v is not None)
            fields.append(
                {
                    "name": field,
                    "type": kind,
                    "required": field in required,
                    "description": spec.get("description", ""),
                }
            )
        found.append({"name": name, "description": schema.get("description", ""), "fields": fields})
    return found

"""Errors of the JSON API as problem details (RFC 9457): `application/problem+json` with type, title, status
and detail, never a stack trace and never an HTML page.

core/errors.py answers every error of a request under API_PREFIX through `problem`, so an unknown address,
a refused permission, a lock timeout and a validation error all read the same way to a records system.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Response, g, json, request
from marshmallow import Schema, fields

API_PREFIX = "/api/"
PROBLEM_JSON = "application/problem+json"
# "about:blank": the title is the HTTP status phrase; the problem needs no page of its own (RFC 9457 4.2.1).
BLANK = "about:blank"


def is_api_request() -> bool:
    """Whether this request is for the JSON API (its errors are problem details, not pages)."""
    return request.path.startswith(API_PREFIX)


def problem(
    status: int,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    errors: dict | None = None,
) -> Response:
    """A problem-details response: the status phrase as the title, `detail` in words, and the field
    `errors` of a request that failed validation."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict = {"type": BLANK, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    if g.get("request_id"):
        # The reference the logs carry, as on the error pages, so support can find the request.
        body["instance"] = f"urn:waymark:request:{g.request_id}"
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ProblemSchema(Schema):
    """An error, as problem details (RFC 9457): the API's documents describe every error with it."""

    class Meta:
        name = "Problem"

    type = fields.String(
        required=True,
        metadata={"description": "The kind of problem; about:blank when the status says it all."},
    )
    title = fields.String(required=True, metadata={"description": "The HTTP status in words."})
    status = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    detail = fields.String(metadata={"description": "What went wrong, in words someone can act on."})
    instance = fields.String(metadata={"description": "This request's reference, as Waymark's logs hold it."})
    errors = fields.Dict(
        metadata={"description": "For input that is not valid: where (json, query) -> field -> messages."}
    )

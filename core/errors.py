"""Service exceptions, and the error pages users see instead of stack traces."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, default_exceptions

from core.db.database import is_lock_error
from core.extensions import db
from core.web.problems import is_api_request, problem

log = logging.getLogger("waymark.errors")


class ServiceError(Exception):
    """Base of the errors services raise; views turn them into messages."""


class PermissionDenied(ServiceError):
    """The actor may see the object but not do this to it (403)."""


class InvalidTransition(ServiceError):
    """The object's state does not allow this change (409)."""


class EditConflict(InvalidTransition):
    """Someone else saved the object since this form was opened (409; the form keeps what was typed)."""


class ValidationFailed(ServiceError):
    """The input breaks a rule; `errors` maps form field names to messages ('' for the whole form)."""

    def __init__(self, errors: dict[str, str] | str):
        if isinstance(errors, str):
            errors = {"": errors}
        self.errors = errors
        super().__init__("; ".join(errors.values()))


def require(allowed: bool, message: str = "You do not have permission to do that.") -> None:
    """Raise PermissionDenied unless a permission predicate allowed the action."""
    if not allowed:
        raise PermissionDenied(message)


MESSAGES = {
    400: ("Something in that request was not right", "Please go back, reload the page and try again."),
    403: (
        "You do not have access to this",
        "Your account cannot see or do this. If you think it should, ask "
        "your course leader or administrator.",
    ),
    404: ("Page not found", "There is nothing at this address. It may have moved, or the link may be wrong."),
    405: ("That action is not allowed here", "This page cannot be used that way."),
    409: (
        "Someone else changed this first",
        "Your change was not saved because the record changed since you "
        "opened it. Reload to see the latest version, then make your change again.",
    ),
    413: ("That was too large", "The file or form was larger than we accept. Try a smaller file."),
    429: ("Too many attempts", "Please wait a few minutes before trying again."),
    500: (
        "Something went wrong on our side",
        "Nothing you did caused this, and the error has been logged. Please try again in a moment.",
    ),
    503: (
        "Waymark is busy",
        "The service is briefly overloaded. Nothing was saved; please try again in a moment.",
    ),
}


def render_error(status: int, detail: str | None = None, retry_after: int | None = None, errors=None):
    """An error page with a plain message and the request id, and nothing internal; under /api/ the same
    as problem details (RFC 9457) for the program that asked."""
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    if is_api_request():
        return problem(status, detail, headers=headers, errors=errors)
    title, message = MESSAGES.get(status, MESSAGES[500])
    body = render_template(
        "errors/error.html",
        status=status,
        title=title,
        message=detail or message,
        request_id=g.get("request_id"),
    )
    return body, status, headers


def register_error_handlers(app: Flask) -> None:
    """Route every error to a page that leaks nothing."""

    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        db.session.rollback()
        return render_error(
            400,
            "This form had expired or did not come from Waymark, so nothing was changed. "
            "Go back, reload the page and send it again.",
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        db.session.rollback()
        if exc.code is None or exc.code < 400:
            return exc
        detail = exc.description if getattr(exc, "waymark_message", False) else None
        retry = 60 if exc.code == 429 else None
        # The API's request parser (webargs) says which fields were wrong and why.
        errors = (getattr(exc, "data", None) or {}).get("messages")
        if isinstance(errors, dict) and errors:
            return render_error(
                exc.code, detail or "Some of what was sent is not valid: see errors.", errors=errors
            )
        return render_error(exc.code, detail, retry)

    @app.errorhandler(PermissionDenied)
    def _denied(exc: PermissionDenied):
        db.session.rollback()
        return render_error(403, str(exc))

    @app.errorhandler(InvalidTransition)
    def _transition(exc: InvalidTransition):
        db.session.rollback()
        return render_error(409, str(exc))

    @app.errorhandler(StaleDataError)
    def _stale(_exc):
        db.session.rollback()
        return render_error(409)

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError):
        db.session.rollback()
        if is_lock_error(exc):
            log.warning("database busy on %s %s", request.method, request.path)
            return render_error(503, retry_after=5)
        log.exception("database error")
        return render_error(500)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        log.exception("unhandled error in request %s", g.get("request_id"))
        return render_error(500)


def http_error(status: int, message: str) -> HTTPException:
    """An HTTPException whose description is safe to show the user."""
    exc = default_exceptions[status](message)
    exc.waymark_message = True
    return exc

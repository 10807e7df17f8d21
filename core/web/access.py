"""Route rules: every route declares who may reach it, and one hook enforces the declaration.

The declaration is the coarse gate (anonymous, signed in, or one of some roles). Finer rules about a
particular object live in each area's permissions.py and are checked by its services. A test walks
app.url_map and fails on any route without a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from flask import Blueprint, Flask, abort, redirect, request, url_for
from flask_login import current_user

from core.accounts.models import Role
from core.db.statemachine import expose_statuses

F = TypeVar("F", bound=Callable)


@dataclass(frozen=True)
class RouteRule:
    name: str
    anonymous: bool = False  # reachable without signing in
    roles: frozenset[Role] | None = None  # None: any signed-in person (when not anonymous)

    def allows(self, user) -> bool:
        """Whether this person (or the anonymous user) passes the gate."""
        if self.anonymous:
            return True
        if not user.is_authenticated:
            return False
        return self.roles is None or user.has_role(*self.roles)


PUBLIC = RouteRule("public", anonymous=True)
SIGNED_IN = RouteRule("signed in")


def roles(*names: Role) -> RouteRule:
    """A rule admitting people who hold any of these roles."""
    return RouteRule("roles: " + ", ".join(sorted(names)), roles=frozenset(names))


ADMIN = roles(Role.ADMIN)
STAFF_INVITERS = roles(Role.ADMIN, Role.COURSE_LEADER)


def rule(route_rule: RouteRule) -> Callable[[F], F]:
    """Declare the route rule of a view function."""

    def decorate(view: F) -> F:
        view.route_rule = route_rule  # type: ignore[attr-defined]
        return view

    return decorate


# Endpoints registered by Flask itself rather than by our views.
BUILTIN_RULES: dict[str, RouteRule] = {"static": PUBLIC}


def rule_for(app: Flask, endpoint: str) -> RouteRule | None:
    """The declared rule of an endpoint, or None when it declares none."""
    if endpoint in BUILTIN_RULES:
        return BUILTIN_RULES[endpoint]
    view = app.view_functions.get(endpoint)
    return getattr(view, "route_rule", None)


def install_route_gate(app: Flask) -> None:
    """Enforce each route's declared rule before its view runs, and before anything reads the request's
    body (the app installs it ahead of the CSRF check): who may not post here never has it parsed."""

    @app.before_request
    def _gate():
        if request.endpoint is None:
            return None  # 404/405: let the error handlers answer
        declared = rule_for(app, request.endpoint)
        if declared is None:
            # Fail closed: a route someone forgot to declare is reachable by nobody.
            app.logger.error("route %s has no access rule", request.endpoint)
            abort(403)
        if declared.allows(current_user):
            return None
        if not current_user.is_authenticated:
            return redirect(url_for("core.accounts.login", next=request.full_path.rstrip("?")))
        abort(403)
        return None


def area_blueprint(
    area: str,
    *capabilities: Blueprint,
    statuses: tuple[type[StrEnum], ...] = (),
    predicates: tuple[Callable, ...] = (),
) -> Blueprint:
    """An area's parent blueprint (no URL prefix) over its capabilities': endpoints `area.capability.view`.

    Each capability declares its own blueprint in its views.py; the area lists them once in its
    blueprints.py, so nothing is registered by the side effect of an import. The area's status enums and
    its state-aware predicates (`can_reopen_now`) become Jinja globals here, once: templates ask them
    rather than compare status strings or repeat a rule.
    """
    parent = Blueprint(area, f"{area}.blueprints")
    for capability in capabilities:
        parent.register_blueprint(capability)
    expose_statuses(parent, *statuses)
    for predicate in predicates:
        parent.add_app_template_global(predicate, predicate.__name__)
    return parent

"""The JSON API, version 1 (`api` blueprint, under /api/v1): qualifications, cohorts and their sessions,
enrolments (read, and enrolling a candidate), a candidate's progress and released results, ratified awards.

Every operation answers for the account of the request's bearer token (core/apitokens), never a cookie, so
CSRF does not arise and the blueprint is exempt; the web pages' loaders and predicates decide what that
account sees. Errors are problem details (core/errors.py); the document is written from these routes.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from http import HTTPStatus

from flask import Blueprint as FlaskBlueprint
from flask import current_app, g, jsonify, render_template, request, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from core.apitokens.models import Scope
from core.apitokens.permissions import API_TOKEN, has_scope
from core.apitokens.services import TokenRefused, use_token
from core.errors import ValidationFailed
from core.extensions import csrf, db
from core.web.access import PUBLIC, rule
from core.web.api import LINK_HEADER, SECURITY_SCHEME, api_document, operations_of, schemas_of
from core.web.problems import problem
from qualification.api.queries import (
    MAX_ID,
    BadCursor,
    Page,
    candidate_or_404,
    certificates_page,
    cohort_of,
    cohorts_page,
    enrolment_of,
    enrolments_page,
    progress_of,
    qualification_or_404,
    qualifications_page,
    results_of,
    sessions_page,
    version_of,
)
from qualification.api.schemas import (
    CertificatePage,
    Cohort,
    CohortPage,
    EnrolmentPage,
    EnrolRequest,
    PageArgs,
    Progress,
    Qualification,
    QualificationPage,
    Results,
    SessionPage,
    Version,
)
from qualification.api.schemas import Enrolment as EnrolmentSchema
from qualification.api.services import enrol_candidate
from qualification.cohorts.queries import cohort_or_404
from qualification.people.queries import joined_times

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# No cookie ever authenticates an API request (the bearer token does), so there is no CSRF to check.
csrf.exempt(bp)

ID = f"int(max={MAX_ID})"
COHORT = f"/cohorts/<{ID}:cohort_id>"
CANDIDATE = f"{COHORT}/candidates/<{ID}:candidate_id>"
# Every operation may meet these: no usable token, a token without the scope, too many requests.
TOKEN_PROBLEMS = (401, 403, 429)


def needs(scope: Scope) -> Callable:
    """Declare the scope an operation needs (checked before it runs) and put it in the document."""

    def decorate(view):
        view.api_scope = scope
        view._apidoc = deepcopy(getattr(view, "_apidoc", {}))
        manual = view._apidoc.setdefault("manual_doc", {})
        manual["security"] = [{SECURITY_SCHEME: [scope.value]}]
        return view

    return decorate


def problems(*codes: int) -> Callable:
    """Document the problems an operation may answer with, besides those of every token."""

    def decorate(view):
        for code in sorted({*codes, *TOKEN_PROBLEMS}, reverse=True):
            view = bp.alt_response(code, response=HTTPStatus(code).name)(view)
        return view

    return decorate


def read(path: str, schema, *codes: int, tag: str, paged: bool = False) -> Callable:
    """A read operation: its route, a token with the read scope, its answer and the problems it may give.

    A paged one takes `after` and `limit` in the query and answers a page with the next one's Link.
    """

    def decorate(view):
        if paged:
            view = problems(400, 422, *codes)(view)
            view = bp.response(200, schema, headers=LINK_HEADER)(view)
            view = bp.arguments(PageArgs, location="query")(view)
        else:
            view = problems(*codes)(view)
            view = bp.response(200, schema)(view)
        view = needs(Scope.READ)(view)
        view = rule(API_TOKEN)(view)
        return bp.route(path, tags=[tag])(view)

    return decorate


def _undocumented(path: str) -> Callable:
    """A route of the blueprint left out of the document (the document itself, its page)."""

    def decorate(view):
        FlaskBlueprint.add_url_rule(bp, path, view_func=view)
        return view

    return decorate


@bp.before_request
def _authenticate():
    """Let the request in as the token's account, counted towards its rate limit, if its scope allows."""
    view = current_app.view_functions.get(request.endpoint)
    needed = getattr(view, "api_scope", None)
    if needed is None:
        return None  # the document and its page are public
    try:
        use = use_token(
            request.headers.get("Authorization"), per_minute=current_app.config["WAYMARK_API_PER_MINUTE"]
        )
    except TokenRefused as refused:
        db.session.rollback()
        return problem(refused.status, refused.detail, headers=refused.headers)
    # The count and the last-used time hold whatever the request does next.
    db.session.commit()
    g._login_user = use.user
    if not has_scope(use.scopes, needed):
        return problem(403, f"This token may not do this: it needs the “{needed.value}” scope.")
    return None


def _paged(page_of: Callable[..., Page], *args, query: dict):
    """A page as the body ({items, next}) with the next page's address in a Link header too."""
    try:
        page = page_of(*args, query.get("after"), query["limit"])
    except BadCursor:
        return problem(
            400, "The cursor in `after` is not one this API gave: start again from the first page."
        )
    if page.after is None:
        return {"items": page.items, "next": None}
    link = url_for(
        request.endpoint, **request.view_args, after=page.after, limit=query["limit"], _external=True
    )
    return {"items": page.items, "next": link}, {"Link": f'<{link}>; rel="next"'}


# Qualifications ---------------------------------------------------------------------------------------------


@read("/qualifications", QualificationPage, tag="Qualifications", paged=True)
def list_qualifications(query):
    """Qualifications and their versions

    Drafts only for a token acting as someone who edits qualifications, as on the web.
    """
    return _paged(qualifications_page, current_user, query=query)


@read("/qualifications/<code>", Qualification, 404, tag="Qualifications")
def show_qualification(code: str):
    """One qualification and its versions"""
    return qualification_or_404(code, current_user)


@read(f"/qualifications/<code>/versions/<{ID}:number>", Version, 404, tag="Qualifications")
def show_version(code: str, number: int):
    """One version: its modules and awards"""
    return version_of(code, number, current_user)


# Cohorts ----------------------------------------------------------------------------------------------------


@read("/cohorts", CohortPage, tag="Cohorts", paged=True)
def list_cohorts(query):
    """Cohorts

    The cohorts the token's account runs, teaches, assesses or studies in (every cohort for a course leader
    or a service account).
    """
    return _paged(cohorts_page, current_user, query=query)


@read(COHORT, Cohort, 404, tag="Cohorts")
def show_cohort(cohort_id: int):
    """One cohort"""
    return cohort_of(cohort_or_404(cohort_id))


@read(f"{COHORT}/sessions", SessionPage, 404, tag="Cohorts", paged=True)
def list_sessions(query, cohort_id: int):
    """A cohort's sessions, by start time (cancelled ones say so)"""
    return _paged(sessions_page, cohort_or_404(cohort_id), query=query)


# Enrolments -------------------------------------------------------------------------------------------------


@read(f"{COHORT}/enrolments", EnrolmentPage, 404, tag="Enrolments", paged=True)
def list_enrolments(query, cohort_id: int):
    """A cohort's candidates

    For those who manage the cohort (course leaders, administrators, service accounts): others get 403.
    """
    return _paged(enrolments_page, cohort_or_404(cohort_id, manage=True), query=query)


@bp.route(f"{COHORT}/enrolments", methods=["POST"], tags=["Enrolments"])
@rule(API_TOKEN)
@needs(Scope.ENROL)
@bp.arguments(EnrolRequest)
@bp.response(
    201, EnrolmentSchema, description="Enrolled: an invitation is on its way, or the account was added."
)
@bp.alt_response(
    200, schema=EnrolmentSchema, description="Already in the cohort: nothing changed.", success=True
)
@problems(400, 404, 409, 422)
def enrol(body, cohort_id: int):
    """Enrol a candidate into a cohort

    As the cohort page's "Invite a candidate" does: a new address gets an invitation; an existing account is
    added (and allocated an assessor by the cohort's rule). Sending the same person again changes nothing and
    answers 200 with their enrolment (no fresh invitation replaces the one they were sent).
    """
    cohort = cohort_or_404(cohort_id, manage=True)
    try:
        member, added = enrol_candidate(
            current_user, cohort, name=body["name"], email=body["email"], school=body["school"]
        )
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        fields = {name or "_schema": [message] for name, message in exc.errors.items()}
        return problem(422, str(exc), errors={"json": fields})
    return enrolment_of(member, joined_times([member.user])[member.user_id]), 201 if added else 200


# One candidate ----------------------------------------------------------------------------------------------


@read(f"{CANDIDATE}/progress", Progress, 404, tag="Candidates")
def show_progress(cohort_id: int, candidate_id: int):
    """A candidate's progress

    Per module studied in the cohort: activities done, whether work is handed in, whether a released result
    says achieved. For whoever may read the candidate's transcript (the candidate, their assessor, the
    cohort's tutors and IQAs, course leaders).
    """
    return progress_of(*candidate_or_404(cohort_id, candidate_id, current_user))


@read(f"{CANDIDATE}/results", Results, 404, tag="Candidates")
def show_results(cohort_id: int, candidate_id: int):
    """A candidate's released results and awards

    Their transcript as data: module results released to them (nothing still being judged, sampled or
    waiting for release), how each was achieved, whether the award is met, and the certificates the exam
    board issued (valid or revoked).
    """
    return results_of(*candidate_or_404(cohort_id, candidate_id, current_user))


@read(f"{COHORT}/certificates", CertificatePage, 404, tag="Awards", paged=True)
def list_certificates(query, cohort_id: int):
    """A cohort's ratified awards

    The certificates its exam boards issued, valid and revoked, for those who manage the cohort.
    """
    return _paged(certificates_page, cohort_or_404(cohort_id, manage=True), query=query)


# The document and its page ----------------------------------------------------------------------------------


@_undocumented("/openapi.json")
@rule(PUBLIC)
def openapi_json():
    return jsonify(api_document())


@_undocumented("/")
@rule(PUBLIC)
def docs():
    document = api_document()
    return render_template(
        "qualification/api/docs.html",
        document=document,
        operations=operations_of(document),
        schemas=schemas_of(document),
        scopes=list(Scope),
        per_minute=current_app.config["WAYMARK_API_PER_MINUTE"],
    )

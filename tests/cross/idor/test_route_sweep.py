"""B2: object ids swapped between users and cohorts (IDOR) — 0 leaks.

Every route that takes an object id or token (read from app.url_map) is filled with the *victim's* object of
the matching kind and tried, GET and POST (with the actor's valid CSRF token and plausible form data), by a
signed-in actor who has no business with it. Private objects must give 404 (architecture.md: "404 when the
user may not know the object exists"), or 403 when the route's declared role rule refuses the actor outright,
before any object is looked up. Never a 5xx, never the victim's strings in the body, and no row of the
victim's world (theirs, or their cohort's) may change. A new route with an id must be added to ARGUMENT_KINDS
(tests/cross/idor/kinds.py, its area's table), or test_every_route_with_an_id_is_in_the_table fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from itsdangerous import URLSafeSerializer

from core.accounts.models import User
from core.apitokens.permissions import API_TOKEN
from core.extensions import db
from core.web.access import rule_for
from qualification.booking.services.feed import FEED_SALT
from qualification.demo import DEMO_COHORT
from tests.cross.idor.kinds import ARGUMENT_KINDS, PRIVATE
from tests.cross.idor.rows import victim_ids, victim_rows
from tests.cross.idor.world import (
    A_EMAIL,
    A_MARK,
    ASSESSOR_1,
    ASSESSOR_2,
    B_EMAIL,
    MARKER,
    Objects,
    World,
    build_world,
)
from tests.support.apitokens import service_token
from tests.support.html import csrf_from, login
from tests.support.people import DEMO_PASSWORD, EXAMINER, SAM


def test_every_route_with_an_id_is_in_the_table(app):
    unknown = []
    for url_rule in app.url_map.iter_rules():
        if url_rule.endpoint == "static" or not url_rule.arguments:
            continue
        declared = ARGUMENT_KINDS.get(url_rule.endpoint)
        if declared is None or set(declared) != set(url_rule.arguments):
            unknown.append(f"{url_rule.endpoint} {url_rule.rule}")
    assert unknown == [], "add these routes (and the kind of each argument) to ARGUMENT_KINDS"
    assert not set(ARGUMENT_KINDS) - set(app.view_functions), "ARGUMENT_KINDS names routes that are gone"


# Filling the routes with the victim's objects ------------------------------------------------------------


def values_of(app, victim: Objects, content: dict) -> dict[str, object]:
    with app.app_context():
        forged_feed = URLSafeSerializer("not-the-secret-key", salt=FEED_SALT).dumps(victim.user_id)
    return {
        "user": victim.user_id,
        "cohort": victim.cohort_id,
        "session": victim.session_id,
        "deadline": victim.deadline_id,
        "extension": victim.extension_id,
        "certificate": victim.certificate_id,
        "claim": victim.claim_id,
        "item": victim.item_id,
        "file_version": victim.file_version_id,
        "file_sha256": victim.file_sha256,
        "submission": victim.submission_id,
        "thread": victim.thread_id,
        "post": victim.post_id,
        "recovery": victim.recovery_id,
        "observation": victim.observation_id,
        "signoff": victim.signoff_id,
        "witness_request": victim.witness_request_id,
        "witness_token": "zz-not-a-witness-token",
        "forum_key": "general",
        # Site pages are the site's, not anyone's: public to read, administrators' to edit.
        "site_page": "privacy",
        "help_page": "candidates",
        "apl_module": "M02",
        "feed_token": forged_feed,
        "calendar_token": "zz-not-a-published-calendar",
        "invitation_token": "zz-not-an-invitation",
        "reset_token": "zz-not-a-reset",
        "sso_provider": "zz-not-a-provider",
        "api_token": 1,
        "family": content["family"],
        "module": content["module"],
        "qualification": content["qualification"],
        "number": content["number"],
        "award": content["award"],
        "reflection": content["reflection"],
        "quiz": content["quiz"],
        "lesson": content["lesson"],
        "activity_file": content["activity_file"],
        "question": content["question"],
        "section": content["section"],
        "outcome": content["outcome"],
        "criterion": content["criterion"],
        "group": content["group"],
        "assessment": victim.assessment_id,
        "examiner_access": victim.examiner_access_id,
        "certificate_number": victim.certificate_number,
        "signing_key": "zz-not-a-signing-key",
        "status_list": 1,
        "context_file": "credentials-v2.jsonld",
        "passkey": victim.passkey_id,
    }


def form_data(victim: Objects, content: dict, token: str) -> dict:
    """Plausible values for every form the routes take (WTForms ignores the fields a form does not have)."""
    post, day = victim.post_id, "2026-01-15"
    return {
        "csrf_token": token,
        "title": "Probe title",
        "name": "Probe name",
        "body": "Probe body",
        "body_md": "Probe body",
        "context_md": "Probe context",
        "text": "Probe text",
        "note": "Probe note",
        "reason": "Probe reason",
        f"report-{post}-reason": "Probe reason",
        f"hide-{post}-reason": "Probe reason",
        "statement": "Probe statement",
        "activity_date": day,
        "studied_on": day,
        "minutes": "30",
        "version": "1",
        "revision": "1",
        "criterion": f"{content['family']}/M01.1.3",
        "tags": [],
        "anonymised": "y",
        "scope": "criteria",
        "criteria": ["M02.1.1"],
        "awarding_body": "Probe body",
        "certificate_title": "Probe certificate",
        "experience": "Probe experience",
        "evidence": [str(victim.item_id)],
        "action": "submit",
        "modules": ["M04"],
        "attended": [str(victim.user_id)],
        "candidate": str(victim.user_id),
        "assessor": str(victim.user_id),
        "one-name": "Probe name",
        "one-email": "probe@example.test",
        "staff-email": "probe@example.test",
        "staff-role": "tutor",
        "kind": "twilight",
        "starts_at": "2026-12-01T16:00",
        "ends_at": "2026-12-01T17:00",
        "place": "Probe place",
        "capacity": "5",
        "module_codes": "M01",
        "module_code": "M02",
        "due_on": "2027-06-01",
        "proposed_until": "2027-06-01",
        "until": "2027-06-01",
        "back": "mine",
        "anchor": "probe",
        f"q{content['question']}": ["1"],
    }


@dataclass(frozen=True)
class Actor:
    key: str
    email: str
    victim: str  # "a" or "b"
    strings: tuple[str, ...]  # the victim's strings that must never appear


ACTORS = [
    # Candidate A (cohort 1) against candidate B's objects (cohort 2), and the other way round.
    Actor("candidate_a", A_EMAIL, "b", (MARKER, B_EMAIL)),
    Actor("candidate_b", B_EMAIL, "a", (A_MARK, A_EMAIL, DEMO_COHORT.lower())),
    # Cohort 1's assessor (allocated to A) against cohort 2; cohort 2's assessor against cohort 1.
    Actor("assessor_cohort1", ASSESSOR_1, "b", (MARKER, B_EMAIL)),
    Actor("assessor_cohort2", ASSESSOR_2, "a", (A_MARK, A_EMAIL, DEMO_COHORT.lower())),
    # Cohort 1's IQA, and the examiner given a sample of cohort 1 only, against cohort 2.
    Actor("iqa_cohort1", SAM, "b", (MARKER, B_EMAIL)),
    Actor("examiner_cohort1", EXAMINER, "b", (MARKER, B_EMAIL)),
]


def _routes(app, values):
    adapter = app.url_map.bind("localhost")
    found = []
    for url_rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        kinds = ARGUMENT_KINDS.get(url_rule.endpoint)
        if url_rule.endpoint == "static" or not url_rule.arguments or kinds is None:
            continue
        url = adapter.build(url_rule.endpoint, {arg: values[kind] for arg, kind in kinds.items()})
        methods = [m for m in ("GET", "POST") if m in url_rule.methods]
        private = any(kind in PRIVATE for kind in kinds.values())
        found.append((url_rule.endpoint, url, methods, private))
    return found


def sweep(app, world: World, actor: Actor) -> tuple[list[str], int]:
    """Try every id route as the actor against the victim's objects; return the problems and the count."""
    victim = world.b if actor.victim == "b" else world.a
    values = values_of(app, victim, world.content)
    client = app.test_client()
    assert "Hello" in login(client, actor.email, DEMO_PASSWORD).get_data(as_text=True)
    token = csrf_from(client.get("/account").get_data(as_text=True))
    data = form_data(victim, world.content, token)
    routes = _routes(app, values)
    # The JSON API answers for the account of a bearer token (never the cookie): the actor's own, both scopes.
    bearer = {"Authorization": f"Bearer {service_token(app, actor.email, scopes=('read', 'enrol'))}"}
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == actor.email))
        refused = {endpoint for endpoint, *_ in routes if not rule_for(app, endpoint).allows(user)}
        ids = victim_ids(victim)
        before = victim_rows(victim, ids)
    problems, tried = [], 0
    for endpoint, url, methods, private in routes:
        for method in methods:
            tried += 1
            if rule_for(app, endpoint) is API_TOKEN:
                body = {"name": "Probe Person", "email": "probe@example.test"}
                response = (
                    client.get(url, headers=bearer)
                    if method == "GET"
                    else client.post(url, json=body, headers=bearer)
                )
            else:
                response = client.get(url) if method == "GET" else client.post(url, data=data)
            status, body = response.status_code, response.get_data().decode("utf-8", "replace").lower()
            where = f"{method} {url} ({endpoint}) -> {status}"
            if status >= 500:
                problems.append(f"{where}: server error")
            if private:
                expected = 403 if endpoint in refused else 404
                if status != expected:
                    problems.append(f"{where}: expected {expected}")
            shown = [s for s in actor.strings if s in body]
            if shown:
                problems.append(f"{where}: the victim's data is in the page: {shown}")
            with app.app_context():
                after = victim_rows(victim, ids)
            changed = sorted(t for t in before if before[t] != after[t])
            if changed:
                problems.append(f"{where}: changed the victim's rows in {changed}")
                before = after
    return problems, tried


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a.key)
def test_no_object_of_another_user_or_cohort_is_reachable_by_id(app, actor):
    world = build_world(app)
    problems, tried = sweep(app, world, actor)
    assert tried >= 120
    assert problems == []

"""B2: object ids swapped between users and cohorts (IDOR) — 0 leaks.

Every route that takes an object id or token (read from app.url_map) is filled with the *victim's* object of
the matching kind and tried, GET and POST (with the actor's valid CSRF token and plausible form data), by a
signed-in actor who has no business with it. Private objects must give 404 (architecture.md: "404 when the
user may not know the object exists"), or 403 when the route's declared role rule refuses the actor outright,
before any object is looked up. Never a 5xx, never the victim's strings in the body, and no row of the
victim's world (theirs, or their cohort's) may change. A new route with an id must be added to ARGUMENT_KINDS,
or test_every_route_with_an_id_is_in_the_table fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from itsdangerous import URLSafeSerializer

from core.access import rule_for
from core.accounts.models import User
from core.extensions import db
from qualification.booking import FEED_SALT
from qualification.demo import DEMO_COHORT
from tests.conftest import csrf_from, login
from tests.idor_assessing import EXAMINER, QUALITY_ARGUMENT_KINDS
from tests.test_idor_world import (
    A_EMAIL,
    A_MARK,
    ASSESSOR_1,
    ASSESSOR_2,
    B_EMAIL,
    IQA,
    MARKER,
    PASSWORD,
    Objects,
    World,
    build_world,
    victim_ids,
    victim_rows,
)

# What each id- or token-taking route's arguments refer to. Kinds in PRIVATE belong to one person or cohort.
_MOD = {"family": "family", "code": "module"}
_QUAL = {"code": "qualification", "number": "number"}
_AWARD = {**_QUAL, "award_code": "award"}
_EDIT = {**_QUAL, "module_code": "module"}
ARGUMENT_KINDS: dict[str, dict[str, str]] = {
    "admin.show_account": {"user_id": "user"},
    "admin.disable_account": {"user_id": "user"},
    "admin.enable_account": {"user_id": "user"},
    "authoring.show_outline": _MOD,
    "authoring.preview_module": _MOD,
    "authoring.add_section": _MOD,
    "authoring.edit_activity": {**_MOD, "activity_id": "reflection"},
    "authoring.delete_activity": {**_MOD, "activity_id": "reflection"},
    "authoring.move_activity": {**_MOD, "activity_id": "reflection"},
    "authoring.preview_activity": {**_MOD, "activity_id": "quiz"},
    "authoring.attach_file": {**_MOD, "activity_id": "lesson"},
    "authoring.remove_file": {**_MOD, "activity_id": "lesson", "file_id": "activity_file"},
    "authoring.add_question": {**_MOD, "activity_id": "quiz"},
    "authoring.edit_question": {**_MOD, "activity_id": "quiz", "question_id": "question"},
    "authoring.delete_question": {**_MOD, "activity_id": "quiz", "question_id": "question"},
    "authoring.move_question": {**_MOD, "activity_id": "quiz", "question_id": "question"},
    "authoring.rename_section": {**_MOD, "section_id": "section"},
    "authoring.add_activity": {**_MOD, "section_id": "section"},
    "authoring.delete_section": {**_MOD, "section_id": "section"},
    "authoring.move_section": {**_MOD, "section_id": "section"},
    "catalogue.show_award": {"code": "qualification", "award_code": "award"},
    **{
        f"cohorts.{name}": {"cohort_id": "cohort"}
        for name in (
            "show_cohort",
            "allocate_one",
            "allocate_all",
            "publish_cohort_calendar",
            "unpublish_cohort_calendar",
            "add_candidate",
            "add_candidates_csv",
            "my_sessions",
            "show_pathway",
            "choose_pathway",
            "release_letter",
            "new_session",
            "add_staff_member",
            "show_report",
            "download_report",
            "set_cohort_turnaround",
        )
    },
    "cohorts.candidate_transcript": {"cohort_id": "cohort", "candidate_id": "user"},
    **{
        f"cohorts.{name}": {"cohort_id": "cohort", "session_id": "session"}
        for name in ("record_attendance", "book_session", "cancel_booking")
    },
    "cohorts.public_calendar": {"token": "calendar_token"},
    "cohorts.calendar_feed": {"token": "calendar_token"},
    "cohorts.bookings_feed": {"signed": "feed_token"},
    "files.download_version": {"sha256": "file_sha256", "version_id": "file_version"},
    "forums.list_forums": {"cohort_id": "cohort"},
    "forums.list_reports": {"cohort_id": "cohort"},
    "forums.show_forum": {"cohort_id": "cohort", "forum_key": "forum_key"},
    "forums.start_thread": {"cohort_id": "cohort", "forum_key": "forum_key"},
    **{
        f"forums.{name}": {"post_id": "post"}
        for name in ("edit_post", "hide_post", "report_post", "resolve_reports", "unhide_post")
    },
    **{
        f"forums.{name}": {"thread_id": "thread"}
        for name in (
            "show_thread",
            "lock_thread",
            "pin_thread",
            "reply_to_thread",
            "subscribe_to_thread",
            "unlock_thread",
            "unpin_thread",
            "unsubscribe_from_thread",
        )
    },
    "auth.accept_invitation": {"token": "invitation_token"},
    "auth.reset_password": {"token": "reset_token"},
    "submissions.show_claim": {"claim_id": "claim"},
    "submissions.claim_certificate": {"claim_id": "claim"},
    "submissions.send_claim": {"claim_id": "claim"},
    "submissions.new_claim": {"cohort_id": "cohort", "code": "apl_module"},
    **{
        f"portfolio.{name}": {"item_id": "item"}
        for name in (
            "show_item",
            "confirm_item_anonymised",
            "remove_item",
            "edit_item",
            "map_to_criterion",
            "tag_item",
            "unmap_from_criterion",
        )
    },
    "portfolio.show_gap": _MOD,
    "portfolio.finish_reflection_as_evidence": {**_MOD, "activity_id": "reflection"},
    "submissions.show_submission": {"submission_id": "submission"},
    **QUALITY_ARGUMENT_KINDS,
    "submissions.withdraw": {"submission_id": "submission"},
    "submissions.new_submission": _MOD,
    "versions.compare": {"code": "qualification"},
    **{
        f"qualification.{name}": _QUAL
        for name in ("show_version", "export", "update_version_details", "publish")
    },
    **{
        f"awards.{name}": _AWARD
        for name in (
            "show_award",
            "set_compulsory",
            "delete_award",
            "update_award",
            "add_option_group",
            "set_includes",
            "set_progression",
        )
    },
    "awards.update_option_group": {**_AWARD, "group_id": "group"},
    "awards.delete_option_group": {**_AWARD, "group_id": "group"},
    "awards.new_award": _QUAL,
    "editor.start_draft": _QUAL,
    "editor.new_module": _QUAL,
    **{f"editor.{name}": _EDIT for name in ("edit_module", "save_module", "add_outcome", "remove_module")},
    **{
        f"editor.{name}": {**_EDIT, "criterion_id": "criterion"}
        for name in ("update_criterion", "delete_criterion", "move_criterion")
    },
    **{
        f"editor.{name}": {**_EDIT, "outcome_id": "outcome"}
        for name in ("update_outcome", "add_criterion", "delete_outcome", "move_outcome")
    },
    "study.show_module": _MOD,
    "study.show_activity": {**_MOD, "activity_id": "reflection"},
    "study.mark_done": {**_MOD, "activity_id": "reflection"},
    "study.answer_quiz": {**_MOD, "activity_id": "quiz"},
    "study.save_reflection": {**_MOD, "activity_id": "reflection"},
    "study.remember_position": {**_MOD, "activity_id": "reflection"},
    "study.dismiss": {**_MOD, "activity_id": "reflection", "recovery_id": "recovery"},
    # Shared content of everyone studying the module (both cohorts here); others get 404 (test_content_files).
    "study.activity_file": {"file_id": "activity_file"},
    # Marking and release (the queue itself takes no id).
    **{
        f"assessors.{name}": {"assessment_id": "assessment"}
        for name in ("show_assessment", "save_assessment", "release_one")
    },
    "assessors.start_submission": {"submission_id": "submission"},
    "assessors.show_assessment_for_submission": {"submission_id": "submission"},
    "assessors.start_claim": {"claim_id": "claim"},
    # Workplace assessment: observations, competence sign-offs, witness requests and their public link.
    "assessors.candidate_workplace": {"candidate_id": "user"},
    "assessors.new_observation": {"candidate_id": "user", **_MOD},
    "assessors.sign_off": {"candidate_id": "user"},
    **{
        f"assessors.{name}": {"observation_id": "observation"}
        for name in (
            "show_observation",
            "record_observation",
            "cancel_observation",
            "acknowledge_observation",
        )
    },
    "assessors.withdraw_signoff": {"signoff_id": "signoff"},
    "witness.request_for_item": {"item_id": "item"},
    "witness.request_for_candidate": {"candidate_id": "user"},
    "witness.revoke_request": {"request_id": "witness_request"},
    "witness.respond": {"token": "witness_token"},
}
# One person's or one cohort's: others get 404 (or 403 from the route's role rule, before any lookup).
PRIVATE = {
    "user",
    "cohort",
    "session",
    "claim",
    "item",
    "file_version",
    "submission",
    "thread",
    "post",
    "recovery",
    "feed_token",
    "calendar_token",
    "observation",
    "signoff",
    "witness_request",
    "assessment",
    "examiner_access",
}
# The rest is shared content (the qualification, modules, activities) that both cohorts study, or a
# bearer token that is its own credential: any status but 5xx, and still none of the victim's data.


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
        "apl_module": "M02",
        "feed_token": forged_feed,
        "calendar_token": "zz-not-a-published-calendar",
        "invitation_token": "zz-not-an-invitation",
        "reset_token": "zz-not-a-reset",
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
    Actor("iqa_cohort1", IQA, "b", (MARKER, B_EMAIL)),
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
    assert "Hello" in login(client, actor.email, PASSWORD).get_data(as_text=True)
    token = csrf_from(client.get("/account").get_data(as_text=True))
    data = form_data(victim, world.content, token)
    routes = _routes(app, values)
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == actor.email))
        refused = {endpoint for endpoint, *_ in routes if not rule_for(app, endpoint).allows(user)}
        ids = victim_ids(victim)
        before = victim_rows(victim, ids)
    problems, tried = [], 0
    for endpoint, url, methods, private in routes:
        for method in methods:
            tried += 1
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

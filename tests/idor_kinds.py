"""B2 (IDOR) support: what each id- or token-taking route's arguments refer to, area by area.

tests/test_idor.py fills every route listed here with the victim's object of each kind and sweeps it; a
new route with an id or token must be added to its area's table here, or
test_every_route_with_an_id_is_in_the_table fails. Kinds in PRIVATE belong to one person or cohort. No test
functions live here.
"""

from __future__ import annotations

from tests.idor_assessing import QUALITY_ARGUMENT_KINDS

_MOD = {"family": "family", "code": "module"}
_QUAL = {"code": "qualification", "number": "number"}
_AWARD = {**_QUAL, "award_code": "award"}
_EDIT = {**_QUAL, "module_code": "module"}

# core: accounts, sign-in tokens --------------------------------------------------------------------------
CORE_KINDS: dict[str, dict[str, str]] = {
    "admin.show_account": {"user_id": "user"},
    "admin.disable_account": {"user_id": "user"},
    "admin.enable_account": {"user_id": "user"},
    "auth.accept_invitation": {"token": "invitation_token"},
    "auth.reset_password": {"token": "reset_token"},
}

# modules: authoring and studying ---------------------------------------------------------------------------
MODULES_KINDS: dict[str, dict[str, str]] = {
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
    "study.show_module": _MOD,
    "study.show_activity": {**_MOD, "activity_id": "reflection"},
    "study.mark_done": {**_MOD, "activity_id": "reflection"},
    "study.answer_quiz": {**_MOD, "activity_id": "quiz"},
    "study.save_reflection": {**_MOD, "activity_id": "reflection"},
    "study.remember_position": {**_MOD, "activity_id": "reflection"},
    "study.dismiss": {**_MOD, "activity_id": "reflection", "recovery_id": "recovery"},
    # Shared content of everyone studying the module (both cohorts here); others get 404 (test_content_files).
    "study.activity_file": {"file_id": "activity_file"},
}

# qualification: catalogue, versions and awards, cohorts, forums -------------------------------------------
QUALIFICATION_KINDS: dict[str, dict[str, str]] = {
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
}

# portfolio: evidence, files, submissions, APL claims --------------------------------------------------------
PORTFOLIO_KINDS: dict[str, dict[str, str]] = {
    "files.download_version": {"sha256": "file_sha256", "version_id": "file_version"},
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
    "submissions.withdraw": {"submission_id": "submission"},
    "submissions.new_submission": _MOD,
}

# assessors: marking and release, workplace assessment, witness links, quality assurance ---------------------
ASSESSORS_KINDS: dict[str, dict[str, str]] = {
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
    "witness.download_file": {"token": "witness_token"},
    **QUALITY_ARGUMENT_KINDS,
}

AREAS = (CORE_KINDS, MODULES_KINDS, QUALIFICATION_KINDS, PORTFOLIO_KINDS, ASSESSORS_KINDS)
ARGUMENT_KINDS: dict[str, dict[str, str]] = {name: kinds for area in AREAS for name, kinds in area.items()}

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

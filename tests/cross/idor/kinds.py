"""B2 (IDOR) support: what each id- or token-taking route's arguments refer to, area by area.

tests/cross/idor/test_route_sweep.py fills every route listed here with the victim's object of each
kind and sweeps it; a
new route with an id or token must be added to its area's table here, or
test_every_route_with_an_id_is_in_the_table fails. Kinds in PRIVATE belong to one person or cohort. No test
functions live here.
"""

from __future__ import annotations

from tests.cross.idor.assessing import QUALITY_ARGUMENT_KINDS

_MOD = {"family": "family", "code": "module"}
_QUAL = {"code": "qualification", "number": "number"}
_AWARD = {**_QUAL, "award_code": "award"}
_EDIT = {**_QUAL, "module_code": "module"}

# core: accounts, sign-in tokens --------------------------------------------------------------------------
CORE_KINDS: dict[str, dict[str, str]] = {
    "core.people.show_account": {"user_id": "user"},
    "core.people.disable_account": {"user_id": "user"},
    "core.people.enable_account": {"user_id": "user"},
    "core.privacy.person_data": {"user_id": "user"},
    "core.privacy.erase_person": {"user_id": "user"},
    "core.mfa.reset": {"user_id": "user"},
    "core.passkeys.remove": {"passkey_id": "passkey"},
    "core.accounts.accept_invitation": {"token": "invitation_token"},
    "core.accounts.reset_password": {"token": "reset_token"},
    "core.sitepages.help_page": {"slug": "help_page"},
    "core.sitepages.edit_page": {"slug": "site_page"},
    "core.sitepages.reset": {"slug": "site_page"},
    "core.sso.start": {"name": "sso_provider"},
    "core.sso.callback": {"name": "sso_provider"},
    "core.sso.signed_out": {"name": "sso_provider"},
    "core.apitokens.revoke": {"token_id": "api_token"},
}

# modules: authoring and studying ---------------------------------------------------------------------------
MODULES_KINDS: dict[str, dict[str, str]] = {
    "modules.authoring.show_outline": _MOD,
    "modules.authoring.preview_module": _MOD,
    "modules.authoring.add_section": _MOD,
    "modules.authoring.edit_activity": {**_MOD, "activity_id": "reflection"},
    "modules.authoring.delete_activity": {**_MOD, "activity_id": "reflection"},
    "modules.authoring.move_activity": {**_MOD, "activity_id": "reflection"},
    "modules.authoring.preview_activity": {**_MOD, "activity_id": "quiz"},
    "modules.authoring.attach_file": {**_MOD, "activity_id": "lesson"},
    "modules.authoring.remove_file": {**_MOD, "activity_id": "lesson", "file_id": "activity_file"},
    "modules.authoring.add_question": {**_MOD, "activity_id": "quiz"},
    "modules.authoring.edit_question": {**_MOD, "activity_id": "quiz", "question_id": "question"},
    "modules.authoring.delete_question": {**_MOD, "activity_id": "quiz", "question_id": "question"},
    "modules.authoring.move_question": {**_MOD, "activity_id": "quiz", "question_id": "question"},
    "modules.authoring.rename_section": {**_MOD, "section_id": "section"},
    "modules.authoring.add_activity": {**_MOD, "section_id": "section"},
    "modules.authoring.delete_section": {**_MOD, "section_id": "section"},
    "modules.authoring.move_section": {**_MOD, "section_id": "section"},
    "modules.study.show_module": _MOD,
    "modules.study.show_activity": {**_MOD, "activity_id": "reflection"},
    "modules.study.mark_done": {**_MOD, "activity_id": "reflection"},
    "modules.study.answer_quiz": {**_MOD, "activity_id": "quiz"},
    "modules.study.save_reflection": {**_MOD, "activity_id": "reflection"},
    "modules.study.remember_position": {**_MOD, "activity_id": "reflection"},
    "modules.study.dismiss": {**_MOD, "activity_id": "reflection", "recovery_id": "recovery"},
    # Shared content of everyone studying the module (both cohorts here); others get 404 (test_content_files).
    "modules.study.activity_file": {"file_id": "activity_file"},
}

# qualification: catalogue, versions and awards, cohorts, forums -------------------------------------------
QUALIFICATION_KINDS: dict[str, dict[str, str]] = {
    "qualification.catalogue.show_award": {"code": "qualification", "award_code": "award"},
    **{
        name: {"cohort_id": "cohort"}
        for name in (
            "qualification.cohorts.show_cohort",
            "qualification.cohorts.allocate_one",
            "qualification.cohorts.allocate_all",
            "qualification.cohorts.publish_cohort_calendar",
            "qualification.cohorts.unpublish_cohort_calendar",
            "qualification.cohorts.add_candidate",
            "qualification.cohorts.add_candidates_csv",
            "qualification.booking.my_sessions",
            "qualification.booking.new_feed_address",
            "qualification.pathway.show_pathway",
            "qualification.pathway.choose_pathway",
            "qualification.calendar.release_letter",
            "qualification.cohorts.new_session",
            "qualification.cohorts.add_staff_member",
            "qualification.results.show_report",
            "qualification.results.download_report",
            "qualification.results.download_report_xlsx",
            "qualification.cohorts.set_cohort_turnaround",
            "qualification.cohorts.set_cohort_allocation_rule",
            "qualification.announcements.list_announcements",
            "qualification.announcements.new_announcement",
            "qualification.deadlines.show_deadlines",
            "qualification.deadlines.set_deadline",
            "qualification.calendar.manage_sessions",
            "qualification.calendar.set_supply_cost",
            "qualification.settings.edit_settings",
            "qualification.settings.add_cohort_closure",
            "qualification.settings.remove_cohort_closure",
            "qualification.settings.move_cohort_version",
            "qualification.settings.copy_cohort_page",
            "qualification.people.show_people",
            "qualification.boards.show_board",
            "qualification.boards.hold_board",
            "qualification.boards.past_boards_page",
        )
    },
    **{
        name: {"cohort_id": "cohort", "certificate_id": "certificate"}
        for name in ("qualification.boards.show_certificate", "qualification.boards.revoke_certificate")
    },
    **{
        name: {"cohort_id": "cohort", "user_id": "user"}
        for name in ("qualification.people.resend_invitation", "qualification.people.withdraw_invitation")
    },
    "qualification.results.candidate_transcript": {"cohort_id": "cohort", "candidate_id": "user"},
    # Certificates: the PDFs and the holder's choices are private; the public check takes the printed number.
    "qualification.certificates.download_certificate": {"certificate_id": "certificate"},
    "qualification.certificates.download_transcript": {"certificate_id": "certificate"},
    "qualification.certificates.choose_display": {"certificate_id": "certificate"},
    "qualification.certificates.show_verification": {"number": "certificate_number"},
    "qualification.certificates.check_name": {"number": "certificate_number"},
    **{
        name: {"cohort_id": "cohort", "candidate_id": "user"}
        for name in (
            "qualification.membership.show_membership",
            "qualification.membership.start_break",
            "qualification.membership.end_break",
            "qualification.membership.withdraw",
            "qualification.membership.transfer",
        )
    },
    **{
        name: {"cohort_id": "cohort", "session_id": "session"}
        for name in (
            "qualification.booking.record_attendance",
            "qualification.booking.book_session",
            "qualification.booking.cancel_booking",
            "qualification.booking.join_waiting_list",
            "qualification.booking.leave_waiting_list",
            "qualification.calendar.edit_session",
            "qualification.calendar.cancel_session",
        )
    },
    "qualification.deadlines.remove_deadline": {"cohort_id": "cohort", "deadline_id": "deadline"},
    "qualification.deadlines.ask_extension": {"cohort_id": "cohort", "deadline_id": "deadline"},
    **{
        name: {"cohort_id": "cohort", "extension_id": "extension"}
        for name in (
            "qualification.deadlines.show_extension",
            "qualification.deadlines.grant_extension",
            "qualification.deadlines.refuse_extension",
        )
    },
    "qualification.calendar.public_calendar": {"token": "calendar_token"},
    "qualification.calendar.calendar_feed": {"token": "calendar_token"},
    "qualification.booking.bookings_feed": {"signed": "feed_token"},
    "qualification.forums.list_forums": {"cohort_id": "cohort"},
    "qualification.forums.list_reports": {"cohort_id": "cohort"},
    "qualification.forums.show_forum": {"cohort_id": "cohort", "forum_key": "forum_key"},
    "qualification.forums.start_thread": {"cohort_id": "cohort", "forum_key": "forum_key"},
    **{
        name: {"post_id": "post"}
        for name in (
            "qualification.forums.edit_post",
            "qualification.forums.hide_post",
            "qualification.forums.report_post",
            "qualification.forums.resolve_reports",
            "qualification.forums.unhide_post",
        )
    },
    **{
        name: {"thread_id": "thread"}
        for name in (
            "qualification.forums.show_thread",
            "qualification.forums.lock_thread",
            "qualification.forums.pin_thread",
            "qualification.forums.reply_to_thread",
            "qualification.forums.subscribe_to_thread",
            "qualification.forums.unlock_thread",
            "qualification.forums.unpin_thread",
            "qualification.forums.unsubscribe_from_thread",
        )
    },
    "qualification.compare.compare": {"code": "qualification"},
    "qualification.credentials.download_jwt": {"certificate_id": "certificate"},
    "qualification.credentials.download_json": {"certificate_id": "certificate"},
    "qualification.credentials.public_key": {"kid": "signing_key"},
    "qualification.credentials.credential": {"number": "certificate_number"},
    "qualification.credentials.status_list": {"number": "status_list"},
    "qualification.credentials.status_list_json": {"number": "status_list"},
    "qualification.credentials.context": {"name": "context_file"},
    # The JSON API (swept with the actor's own bearer token: it takes no cookie).
    "qualification.api.show_qualification": {"code": "qualification"},
    "qualification.api.show_version": {"code": "qualification", "number": "number"},
    **{
        name: {"cohort_id": "cohort"}
        for name in (
            "qualification.api.show_cohort",
            "qualification.api.list_sessions",
            "qualification.api.list_enrolments",
            "qualification.api.enrol",
            "qualification.api.list_certificates",
        )
    },
    **{
        name: {"cohort_id": "cohort", "candidate_id": "user"}
        for name in ("qualification.api.show_progress", "qualification.api.show_results")
    },
    **dict.fromkeys(
        (
            "qualification.versions.show_version",
            "qualification.versions.export",
            "qualification.versions.update_version_details",
            "qualification.versions.publish",
        ),
        _QUAL,
    ),
    **dict.fromkeys(
        (
            "qualification.awards.show_award",
            "qualification.awards.set_compulsory",
            "qualification.awards.delete_award",
            "qualification.awards.update_award",
            "qualification.awards.add_option_group",
            "qualification.awards.set_includes",
            "qualification.awards.set_progression",
        ),
        _AWARD,
    ),
    "qualification.awards.update_option_group": {**_AWARD, "group_id": "group"},
    "qualification.awards.delete_option_group": {**_AWARD, "group_id": "group"},
    "qualification.awards.new_award": _QUAL,
    "qualification.editor.start_draft": _QUAL,
    "qualification.editor.new_module": _QUAL,
    **dict.fromkeys(
        (
            "qualification.editor.edit_module",
            "qualification.editor.save_module",
            "qualification.editor.add_outcome",
            "qualification.editor.remove_module",
        ),
        _EDIT,
    ),
    **{
        name: {**_EDIT, "criterion_id": "criterion"}
        for name in (
            "qualification.editor.update_criterion",
            "qualification.editor.delete_criterion",
            "qualification.editor.move_criterion",
        )
    },
    **{
        name: {**_EDIT, "outcome_id": "outcome"}
        for name in (
            "qualification.editor.update_outcome",
            "qualification.editor.add_criterion",
            "qualification.editor.delete_outcome",
            "qualification.editor.move_outcome",
        )
    },
}

# portfolio: evidence, files, submissions, APL claims --------------------------------------------------------
PORTFOLIO_KINDS: dict[str, dict[str, str]] = {
    "portfolio.files.download_version": {"sha256": "file_sha256", "version_id": "file_version"},
    "portfolio.submissions.show_claim": {"claim_id": "claim"},
    "portfolio.submissions.claim_certificate": {"claim_id": "claim"},
    "portfolio.submissions.send_claim": {"claim_id": "claim"},
    "portfolio.submissions.edit_claim": {"claim_id": "claim"},
    "portfolio.submissions.new_claim": {"cohort_id": "cohort", "code": "apl_module"},
    **{
        name: {"item_id": "item"}
        for name in (
            "portfolio.evidence.show_item",
            "portfolio.evidence.confirm_item_anonymised",
            "portfolio.evidence.remove_item",
            "portfolio.evidence.edit_item",
            "portfolio.evidence.map_to_criterion",
            "portfolio.evidence.tag_item",
            "portfolio.evidence.unmap_from_criterion",
        )
    },
    "portfolio.evidence.show_gap": _MOD,
    "portfolio.evidence.finish_reflection_as_evidence": {**_MOD, "activity_id": "reflection"},
    "portfolio.submissions.show_submission": {"submission_id": "submission"},
    "portfolio.submissions.withdraw": {"submission_id": "submission"},
    "portfolio.submissions.new_submission": _MOD,
}

# assessors: marking and release, workplace assessment, witness links, quality assurance ---------------------
ASSESSORS_KINDS: dict[str, dict[str, str]] = {
    # Marking and release (the queue itself takes no id).
    **{
        name: {"assessment_id": "assessment"}
        for name in (
            "assessors.marking.show_assessment",
            "assessors.marking.save_assessment",
            "assessors.marking.release_one",
        )
    },
    "assessors.marking.start_submission": {"submission_id": "submission"},
    "assessors.queue.show_unallocated": {"cohort_id": "cohort"},
    "assessors.staffing.remove_staff_member": {"cohort_id": "cohort", "user_id": "user"},
    "assessors.marking.show_assessment_for_submission": {"submission_id": "submission"},
    "assessors.marking.start_claim": {"claim_id": "claim"},
    # Workplace assessment: observations, competence sign-offs, witness requests and their public link.
    "assessors.workplace.candidate_workplace": {"candidate_id": "user"},
    "assessors.workplace.new_observation": {"candidate_id": "user", **_MOD},
    "assessors.workplace.sign_off": {"candidate_id": "user"},
    **{
        name: {"observation_id": "observation"}
        for name in (
            "assessors.workplace.show_observation",
            "assessors.workplace.record_observation",
            "assessors.workplace.cancel_observation",
            "assessors.workplace.acknowledge_observation",
        )
    },
    "assessors.workplace.withdraw_signoff": {"signoff_id": "signoff"},
    # History pages: the audit trail of a decision, an attempt, a candidate.
    "assessors.history.assessment_history": {"assessment_id": "assessment"},
    "assessors.history.submission_history": {"submission_id": "submission"},
    "assessors.history.candidate_history": {"candidate_id": "user"},
    "assessors.witness.request_for_item": {"item_id": "item"},
    "assessors.witness.request_for_candidate": {"candidate_id": "user"},
    "assessors.witness.revoke_request": {"request_id": "witness_request"},
    "assessors.witness.respond": {"token": "witness_token"},
    "assessors.witness.download_file": {"token": "witness_token"},
    **QUALITY_ARGUMENT_KINDS,
}

AREAS = (CORE_KINDS, MODULES_KINDS, QUALIFICATION_KINDS, PORTFOLIO_KINDS, ASSESSORS_KINDS)
ARGUMENT_KINDS: dict[str, dict[str, str]] = {name: kinds for area in AREAS for name, kinds in area.items()}

# One person's or one cohort's: others get 404 (or 403 from the route's role rule, before any lookup).
PRIVATE = {
    "user",
    "cohort",
    "session",
    "deadline",
    "extension",
    "certificate",
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
    "passkey",
}
# The rest is shared content (the qualification, modules, activities) that both cohorts study, or a
# bearer token that is its own credential: any status but 5xx, and still none of the victim's data.

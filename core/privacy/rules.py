"""Which rows of which tables are about a person, in words, and which columns never leave (pure).

Every table is either in SUBJECT_ACCESS, with how its rows are found for a person, or in NOT_PERSONAL with
the reason it holds nothing about anyone; tests/core/privacy checks that no table is in neither, so a new
table cannot be forgotten. The tables are named by their SQL names: core imports no area, and this one
statement of the policy is what a data-protection officer reviews.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Holding:
    """How the rows of one table that concern a person are found.

    `via`: columns that hold the person's user id, each with an extra SQL condition ("" for none), e.g. a
    judgement is the candidate's only once released. `email`: columns that hold their email address.
    `parent`: (column, parent table): rows whose parent row is in the person's archive. `hide`: columns that
    never leave (secrets, hashes of secrets).
    """

    kind: str
    via: dict[str, str] = field(default_factory=dict)
    email: tuple[str, ...] = ()
    parent: tuple[str, str] | None = None
    hide: frozenset[str] = frozenset()


RELEASED = "released_at IS NOT NULL"
_OWN = {"user_id": ""}

SUBJECT_ACCESS: dict[str, Holding] = {
    # Account and sign-in
    "users": Holding("Your account", via={"id": ""}, hide=frozenset({"password_hash"})),
    "user_roles": Holding("Your roles", via=_OWN),
    "login_sessions": Holding("Your sign-in sessions", via=_OWN, hide=frozenset({"token_hash"})),
    "login_attempts": Holding("Sign-in attempts with your email address", email=("email",)),
    "invitations": Holding(
        "Invitations sent to you or by you",
        via={"invited_by_id": ""},
        email=("email",),
        hide=frozenset({"token_hash"}),
    ),
    "external_identities": Holding("Your single sign-on links", via=_OWN),
    "mfa_totp_secrets": Holding(
        "Your authenticator app (when it was set up and last used)",
        via=_OWN,
        hide=frozenset({"sealed_secret", "last_used_step"}),
    ),
    "mfa_recovery_codes": Holding(
        "Your recovery codes (whether each was used)", via=_OWN, hide=frozenset({"code_hash"})
    ),
    "mfa_passkeys": Holding("Your passkeys", via=_OWN, hide=frozenset({"public_key", "credential_id"})),
    "api_tokens": Holding(
        "API tokens that act as you or that you issued",
        via={"user_id": "", "created_by_id": "", "revoked_by_id": ""},
        hide=frozenset({"token_hash", "form_key"}),
    ),
    "notification_preferences": Holding("Your notification settings", via=_OWN),
    "notifications": Holding("Notifications to you", via=_OWN),
    "outbox_messages": Holding("Emails to you", email=("to_address",), hide=frozenset({"secret"})),
    "form_drafts": Holding("Drafts of your forms", via=_OWN),
    "audit_events": Holding("The audit trail of what you did", via={"actor_id": ""}),
    # Study
    "study_logs": Holding("Your study log", via=_OWN),
    "activity_completions": Holding("Activities you completed", via=_OWN),
    "quiz_attempts": Holding("Your knowledge-check answers", via=_OWN),
    "reflection_drafts": Holding("Your reflective writing", via=_OWN),
    "draft_recoveries": Holding(
        "Reflective writing kept from another tab", parent=("draft_id", "reflection_drafts")
    ),
    "study_positions": Holding("Where you were in each module", via=_OWN),
    "module_enrolments": Holding("Your module enrolments", via={"candidate_id": ""}),
    # Cohorts
    "cohort_members": Holding("Your cohort memberships", via=_OWN),
    "pathway_choices": Holding("Your optional modules", parent=("member_id", "cohort_members")),
    "learning_breaks": Holding(
        "Your breaks in learning",
        via={"recorded_by_id": "", "ended_by_id": ""},
        parent=("member_id", "cohort_members"),
    ),
    "assessor_allocations": Holding(
        "Assessors allocated to you, or candidates to you", via={"candidate_id": "", "assessor_id": ""}
    ),
    "booking_feed_addresses": Holding("When you last asked for a new calendar feed address", via=_OWN),
    "session_bookings": Holding(
        "Your session bookings and attendance", via={"candidate_id": "", "attendance_by_id": ""}
    ),
    "module_deadlines": Holding("Deadlines you set", via={"set_by_id": ""}),
    "deadline_extensions": Holding("Extension requests", via={"candidate_id": "", "decided_by_id": ""}),
    "deadline_reminders": Holding("Deadline reminders sent to you", via={"candidate_id": ""}),
    "announcements": Holding("Announcements you wrote", via={"author_id": ""}),
    "announcement_recipients": Holding("Announcements sent to you", via=_OWN),
    "cohorts": Holding("Cohorts you lead", via={"course_leader_id": ""}, hide=frozenset({"calendar_token"})),
    "forum_threads": Holding("Forum threads you started", via={"author_id": "", "locked_by_id": ""}),
    "forum_posts": Holding("Your forum posts", via={"author_id": "", "hidden_by_id": ""}),
    "forum_subscriptions": Holding("Forum threads you follow", via=_OWN),
    "forum_post_reports": Holding("Forum posts you reported", via={"reporter_id": "", "resolved_by_id": ""}),
    # Portfolio
    "evidence_items": Holding("Your evidence", via={"candidate_id": ""}),
    "evidence_versions": Holding(
        "Versions of your evidence", via={"created_by_id": ""}, parent=("item_id", "evidence_items")
    ),
    "evidence_tags": Holding("Tags on your evidence", parent=("item_id", "evidence_items")),
    "criterion_mappings": Holding("Your evidence mapped to criteria", parent=("item_id", "evidence_items")),
    "submissions": Holding("Your submissions", via={"candidate_id": ""}),
    "submission_entries": Holding("What each submission contained", parent=("submission_id", "submissions")),
    "apl_claims": Holding("Your claims for prior learning (APL)", via={"candidate_id": ""}),
    "apl_evidence": Holding("Evidence of your APL claims", parent=("claim_id", "apl_claims")),
    "witness_requests": Holding(
        "Witness testimonies asked for",
        via={"candidate_id": "", "requested_by_id": ""},
        hide=frozenset({"token_hash"}),
    ),
    # Judging: a candidate's judgements once released to them; an assessor's own, all of them.
    "assessments": Holding(
        "Judgements",
        via={"candidate_id": RELEASED, "assessor_id": "", "completed_by_id": "", "released_by_id": ""},
    ),
    "criterion_judgements": Holding(
        "Judgements criterion by criterion", parent=("assessment_id", "assessments")
    ),
    "iqa_reviews": Holding("Quality reviews you wrote", via={"reviewer_id": ""}),
    "observations": Holding("Workplace observations", via={"candidate_id": "", "assessor_id": ""}),
    "observed_criteria": Holding("Criteria observed", parent=("observation_id", "observations")),
    "competence_signoffs": Holding("Competence sign-offs", via={"candidate_id": "", "assessor_id": ""}),
    "trainee_assessors": Holding("Cohorts where you assess as a trainee", via={"assessor_id": ""}),
    "examiner_access": Holding("External examiner access", via={"examiner_id": "", "granted_by_id": ""}),
    "examiner_sample_candidates": Holding(
        "Samples shared with an external examiner", via={"candidate_id": ""}
    ),
    # Results and awards
    "criterion_results": Holding("Criteria you have met", via={"candidate_id": ""}),
    "module_results": Holding("Your module results", via={"candidate_id": ""}),
    "board_decisions": Holding("Exam board decisions", via={"candidate_id": "", "decided_by_id": ""}),
    "exam_boards": Holding("Exam boards you held", via={"held_by_id": ""}),
    "certificates": Holding("Your certificates", via={"candidate_id": "", "revoked_by_id": ""}),
    # Content someone wrote for the university: their name is on it.
    "qualification_versions": Holding("Qualification versions you created", via={"created_by_id": ""}),
    "site_pages": Holding("Site pages you edited", via={"updated_by_id": ""}),
}

NOT_PERSONAL: dict[str, str] = {
    "audit_checkpoints": "hashes of the audit trail's head, nobody's data",
    "blobs": "stored files by content hash; a person's files are in their archive's files folder",
    "password_resets": "one-time secrets, useless to anyone once used or expired",
    "qualifications": "the qualification's code",
    "modules": "course content",
    "sections": "course content",
    "activities": "course content",
    "activity_files": "course content",
    "questions": "course content",
    "question_options": "course content",
    "learning_outcomes": "course content",
    "assessment_criteria": "course content",
    "criterion_methods": "course content",
    "awards": "the qualification's rules",
    "award_rules": "the qualification's rules",
    "option_groups": "the qualification's rules",
    "option_group_modules": "the qualification's rules",
    "version_modules": "the qualification's rules",
    "cohort_closures": "a cohort's calendar",
    "cohort_sessions": "a cohort's calendar (a person's bookings are theirs)",
    "forums": "a cohort's forums (a person's threads and posts are theirs)",
    "sampling_plans": "a cohort's quality-assurance settings",
}


def holding_of(table: str) -> Holding | None:
    return SUBJECT_ACCESS.get(table)


def unclassified(tables: list[str]) -> list[str]:
    """Tables this policy says nothing about (a new table must be put in one list or the other)."""
    return sorted(t for t in tables if t not in SUBJECT_ACCESS and t not in NOT_PERSONAL)


# Retention -------------------------------------------------------------------------------------------------
# After a candidate leaves (every membership ended, or the cohort's end date passed), each group of their
# records is kept for its period, then deleted or emptied of what is personal; what an award's evidence trail
# needs is kept (docs/privacy.md lists it). Erasure on request applies every group at once.

GROUP_DAYS: dict[str, int] = {
    "sign-in": 90,
    "messages": 365,
    "study": 365,
    "community": 365,
    "portfolio": 3 * 365,
    "judgements": 6 * 365,
    "account": 6 * 365,
}
REMOVED = "[removed]"


@dataclass(frozen=True)
class Retention:
    """What happens to a table's rows about a leaver once their group's period has passed: `delete` them,
    `blank` these columns (text to REMOVED or empty, others to NULL), or `keep` them for `why`."""

    group: str
    delete: bool = False
    blank: tuple[str, ...] = ()
    why: str = ""


def _keep(why: str) -> Retention:
    return Retention("account", why=why)


RETENTION: dict[str, Retention] = {
    "users": Retention("account", blank=("name", "email", "organisation", "password_hash")),
    "user_roles": _keep("which roles an anonymised account held: no personal field"),
    "login_sessions": Retention("sign-in", delete=True),
    "login_attempts": Retention("sign-in", delete=True),
    "invitations": Retention("account", delete=True),
    "external_identities": Retention("account", delete=True),
    "mfa_totp_secrets": Retention("sign-in", delete=True),
    "mfa_recovery_codes": Retention("sign-in", delete=True),
    "mfa_passkeys": Retention("sign-in", delete=True),
    "api_tokens": Retention("account", delete=True),
    "notification_preferences": Retention("messages", delete=True),
    "notifications": Retention("messages", delete=True),
    "outbox_messages": Retention("messages", delete=True),
    "form_drafts": Retention("messages", delete=True),
    "audit_events": _keep("the audit chain: its rows about the person are redacted, never removed"),
    "study_logs": Retention("study", delete=True),
    "activity_completions": Retention("study", delete=True),
    "quiz_attempts": Retention("study", delete=True),
    "reflection_drafts": Retention("study", delete=True),
    "draft_recoveries": Retention("study", delete=True),
    "study_positions": Retention("study", delete=True),
    "module_enrolments": _keep("which modules were studied, for the results: no personal field"),
    "cohort_members": Retention("portfolio", blank=("school", "left_reason")),
    "pathway_choices": _keep("the optional modules the award was met with"),
    "learning_breaks": Retention("portfolio", blank=("reason",)),
    "assessor_allocations": _keep("who assessed whom, for the results' trail"),
    "booking_feed_addresses": _keep(
        "which feed address works (deleting it would make replaced addresses work again): no personal field"
    ),
    "session_bookings": _keep("attendance, for the results' trail: no personal field"),
    "module_deadlines": _keep("a cohort's deadlines"),
    "deadline_extensions": Retention("portfolio", blank=("reason", "decision_note")),
    "deadline_reminders": Retention("messages", delete=True),
    "announcements": _keep("a cohort's announcements, written by its staff"),
    "announcement_recipients": Retention("messages", delete=True),
    "cohorts": _keep("a cohort, led by its staff"),
    "forum_threads": Retention("community", blank=("title",)),
    "forum_posts": Retention("community", blank=("body_md", "hidden_reason")),
    "forum_subscriptions": Retention("community", delete=True),
    "forum_post_reports": Retention("community", blank=("reason",)),
    "evidence_items": _keep("the frame of the evidence a result rests on; its versions are emptied"),
    "evidence_versions": Retention(
        "portfolio", blank=("title", "context_md", "body_md", "url", "file_name", "blob_sha256")
    ),
    "evidence_tags": Retention("portfolio", delete=True),
    "criterion_mappings": Retention("portfolio", blank=("note",)),
    "submissions": Retention("portfolio", blank=("statement_md",)),
    "submission_entries": Retention("portfolio", blank=("note",)),
    "apl_claims": Retention(
        "portfolio",
        blank=(
            "experience_md",
            "own_part_md",
            "certificate_title",
            "awarding_body",
            "certificate_file_name",
            "certificate_sha256",
        ),
    ),
    "apl_evidence": _keep("which evidence a claim rested on: no personal field"),
    "witness_requests": Retention(
        "portfolio",
        blank=(
            "witness_name",
            "witness_email",
            "witness_role",
            "comment_md",
            "response_name",
            "response_role",
        ),
    ),
    "assessments": Retention(
        "judgements",
        blank=(
            "feedback_md",
            "action_md",
            "vacs_valid_note",
            "vacs_authentic_note",
            "vacs_current_note",
            "vacs_sufficient_note",
            "claim_snapshot",
        ),
    ),
    "criterion_judgements": Retention("judgements", blank=("comment", "override_reason")),
    "iqa_reviews": Retention("judgements", blank=("reasons_md",)),
    "observations": Retention(
        "portfolio", blank=("school", "focus_md", "narrative_md", "signed_name", "candidate_comment")
    ),
    "observed_criteria": Retention("judgements", blank=("comment",)),
    "competence_signoffs": Retention("judgements", blank=("note_md", "signed_name")),
    "trainee_assessors": _keep("a cohort's staffing"),
    "examiner_access": _keep("a cohort's external examining"),
    "examiner_sample_candidates": _keep("what an external examiner sampled"),
    "criterion_results": _keep("results: an award must stay verifiable"),
    "module_results": _keep("results: an award must stay verifiable"),
    "board_decisions": Retention("judgements", blank=("reason",)),
    "exam_boards": _keep("a cohort's exam boards"),
    "certificates": _keep(
        "a ratified award: its number, title and the name printed on it must stay verifiable; revoked ones "
        "record why"
    ),
    "qualification_versions": _keep("course content"),
    "site_pages": _keep("the site's pages"),
}


def retention_days(setting: str | None) -> dict[str, int]:
    """The periods in force: the defaults, with any a deployment sets in WAYMARK_RETENTION_DAYS
    ("study=730,portfolio=2190"); a group we do not know or a period that is not a whole number of days
    stops the app at start-up rather than keeping or deleting the wrong thing."""
    days = dict(GROUP_DAYS)
    for part in (setting or "").split(","):
        if not part.strip():
            continue
        group, _, value = part.partition("=")
        group, value = group.strip(), value.strip()
        if group not in days:
            raise ValueError(f"WAYMARK_RETENTION_DAYS: no group {group!r} (groups: {', '.join(GROUP_DAYS)})")
        if not value.isdigit():
            raise ValueError(f"WAYMARK_RETENTION_DAYS: {group} needs a whole number of days, not {value!r}")
        days[group] = int(value)
    return days


def groups_due(left_days_ago: int, days: dict[str, int] | None = None) -> list[str]:
    """The groups whose period has passed for someone who left this many days ago (in GROUP_DAYS order)."""
    periods = days or GROUP_DAYS
    return [group for group, period in periods.items() if left_days_ago >= period]

"""The rules of a marking decision (pure): what a judgement may hold, and what stops it being completed."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from assessors.marking.models import AssessmentKind, Decision
from modules.catalogue.models import AssessmentMethod
from portfolio.mapping.rules import Backing, is_backed, met_by, unbacked_problem

MAX_FEEDBACK_CHARS = 20_000
MAX_COMMENT_CHARS = 4_000
OUTCOMES = ("met", "not_yet_met")


def decision_error(decision: str | None, allowed: Collection[Decision]) -> dict[str, str]:
    """A decision that this kind of assessment cannot take."""
    if decision and decision not in {d.value for d in allowed}:
        return {"decision": "Choose one of the decisions offered."}
    return {}


def judgement_errors(
    refs: Collection[str],
    outcomes: Mapping[str, str | None],
    comments: Mapping[str, str],
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Criterion outcomes, comments and override reasons that cannot be saved against the criteria `refs`."""
    errors: dict[str, str] = {}
    for ref, reason in (overrides or {}).items():
        if len(reason or "") > MAX_COMMENT_CHARS:
            errors[f"override-{ref}"] = f"Keep the reason under {MAX_COMMENT_CHARS:,} characters."
    for ref, outcome in outcomes.items():
        if ref not in refs:
            errors[""] = f"{ref} is not a criterion of this work."
        elif outcome not in (None, "", *OUTCOMES):
            errors[f"outcome-{ref}"] = "Choose met or not yet met."
    for ref, comment in comments.items():
        if len(comment or "") > MAX_COMMENT_CHARS:
            errors[f"comment-{ref}"] = f"Keep the comment under {MAX_COMMENT_CHARS:,} characters."
    return errors


def _decision_problem(decision, met: list[str], not_met: list[str], vacs_pass: bool) -> str | None:
    """Why the criteria and the VACS checks do not support the chosen decision, if they do not."""
    if decision in (Decision.ACHIEVED, Decision.ACCEPTED):
        if not_met:
            return "Every criterion must be met for this decision; not yet met: " + ", ".join(not_met)
        if not vacs_pass:
            return "Confirm the evidence is valid, authentic, current and sufficient first."
    if decision == Decision.PARTLY_ACCEPTED and (not met or not not_met):
        return "Accepting a claim in part means some criteria met and some not."
    if decision == Decision.REJECTED and met:
        return "A claim not accepted has no criteria met; choose 'accepted in part' instead."
    if decision == Decision.REFERRED and not not_met and vacs_pass:
        return "A referral needs a criterion not yet met or a VACS check that fails."
    return None


def _vacs_problems(assessment) -> dict[str, str]:
    problems = {}
    vacs = assessment.vacs
    for name, note in assessment.vacs_notes.items():
        # APL is judged on VACS alone, so every check needs its reason; a submission explains any "no".
        if not note.strip() and (assessment.kind == AssessmentKind.APL or vacs[name] is False):
            problems[f"vacs_{name}_note"] = f"Give your reason for '{name}'."
    if any(v is None for v in vacs.values()):
        problems["vacs"] = "Answer each of the four VACS checks."
    return problems


Methods = Mapping[str, list[AssessmentMethod]]


def _met_without_method(judgements, methods: Methods, backing: Mapping[str, Backing]) -> list:
    """Judgements of "met" that no allowed method backs. A criterion carried forward from the previous
    attempt is backed by how it was met there (recorded in `met_by`), so it is never one of them."""
    return [
        j
        for j in judgements
        if j.outcome == "met"
        and not getattr(j, "carried", False)
        and not is_backed(methods.get(j.criterion_ref, []), backing.get(j.criterion_ref, Backing()))
    ]


def unbacked(judgements, methods: Methods, backing: Mapping[str, Backing]) -> list[str]:
    """Criteria judged met that no allowed method backs and that carry no override reason."""
    return [
        j.criterion_ref
        for j in _met_without_method(judgements, methods, backing)
        if not j.override_reason.strip()
    ]


def overridden(judgements, methods: Methods, backing: Mapping[str, Backing]) -> list[str]:
    """Criteria judged met on the assessor's override: no allowed method backs them, a reason is given."""
    return [
        j.criterion_ref
        for j in _met_without_method(judgements, methods, backing)
        if j.override_reason.strip()
    ]


def how_met(judgement, methods: Methods, backing: Mapping[str, Backing]) -> str:
    """How a judgement's criterion was met, in words (empty unless it is met)."""
    if judgement.outcome != "met":
        return ""
    if getattr(judgement, "carried", False):
        return judgement.met_by  # "Carried forward from attempt 1: <how it was met there>", set on carrying
    ref = judgement.criterion_ref
    shown = met_by(methods.get(ref, []), backing.get(ref, Backing()))
    return shown or f"Assessor's override: {judgement.override_reason.strip()}"[:300]


def method_problems(judgements, methods: Methods, backing: Mapping[str, Backing]) -> dict[str, str]:
    """One plain message per criterion judged met without an allowed method or an override reason, and the
    list of them in one sentence at the top of the form."""
    refs = unbacked(judgements, methods, backing)
    problems = {
        f"override-{ref}": unbacked_problem(ref, methods.get(ref, []))
        + "; record the observation or sign-off first, or give your reason for overriding."
        for ref in refs
    }
    if refs:
        problems["methods"] = (
            "No allowed assessment method backs these criteria judged met: " + ", ".join(refs) + "."
        )
    return problems


def completion_problems(
    assessment, methods: Methods | None = None, backing: Mapping[str, Backing] | None = None
) -> dict[str, str]:
    """What stops the judgement being completed (pure: the rules of a decision). With `methods`, a
    criterion judged met must be backed by one of its allowed methods (`backing`) or carry an override."""
    problems: dict[str, str] = {}
    if methods is not None:
        problems |= method_problems(assessment.judgements, methods, backing or {})
    judgements = assessment.judgements
    unjudged = [j.criterion_ref for j in judgements if j.outcome is None]
    met = [j.criterion_ref for j in judgements if j.outcome == "met"]
    not_met = [j.criterion_ref for j in judgements if j.outcome == "not_yet_met"]
    decision = assessment.decision
    if not decision:
        problems["decision"] = "Choose a decision."
    if unjudged:
        problems[""] = "Judge every criterion first: " + ", ".join(unjudged) + " still open."
    if not assessment.feedback_md.strip():
        problems["feedback_md"] = "Write the overall feedback the candidate will read."
    problem = _decision_problem(decision, met, not_met, all(assessment.vacs.values()))
    if problem:
        problems["decision"] = problem
    if decision in (Decision.REFERRED, Decision.MORE_EVIDENCE) and not assessment.action_md.strip():
        problems["action_md"] = "Say what the candidate needs to do next."
    if decision:
        problems |= _vacs_problems(assessment)
    return problems


def carried_met_by(attempt: int, previous_met_by: str) -> str:
    """How a criterion carried forward was met: the previous attempt's method, named as carried."""
    said = f"Carried forward from attempt {attempt}"
    return (f"{said}: {previous_met_by}" if previous_met_by.strip() else said)[:300]


def carry_plan(previous_met: Collection[str], outcomes: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Which criteria met in the previous attempt can be carried into this one (`outcomes`: this attempt's
    judgements so far): those still open; never one the assessor has already judged here."""
    plan: dict[str, list[str]] = {"carry": [], "already_met": [], "judged_otherwise": [], "not_here": []}
    for ref in previous_met:
        if ref not in outcomes:
            plan["not_here"].append(ref)
        elif outcomes[ref] == "met":
            plan["already_met"].append(ref)
        elif outcomes[ref]:
            plan["judged_otherwise"].append(ref)
        else:
            plan["carry"].append(ref)
    return plan

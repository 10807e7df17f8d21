"""Editing the awards (tiers) of a draft version: details, compulsory modules, option groups and links."""

from __future__ import annotations

from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from core.accounts.models import Role
from core.audit.services import record
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from qualification.permissions import can_edit_qualifications
from qualification.spec.export import document_of
from qualification.spec.reader import CODE
from qualification.versions.models import (
    Award,
    AwardRule,
    OptionGroup,
    OptionGroupModule,
    QualificationVersion,
    VersionStatus,
)
from qualification.versions.services import award_spec, group_spec

PUBLISHED = "Published versions never change; start a new draft to change this award."
STALE = (
    "Someone else changed this award since you opened it. Your change was not saved: "
    "reload the page to see theirs, then make yours again."
)
# The spec format's bounds (qualification-spec/1), so a draft saved here can always be exported.
TITLE_MAX = 200
LEVELS = (3, 8)
CREDITS_MAX = 540


def add_award(actor, version: QualificationVersion, *, code: str, title: str, level, credits) -> Award:
    """Add an award at the end of a draft, with no rules yet."""
    _check_editable(actor, version)
    code = (code or "").strip().upper()
    errors = _details_problems(title, level, credits, 0)
    if not CODE.fullmatch(code):
        errors["code"] = "Use 2 to 20 capital letters, digits or hyphens, for example DIP."
    elif _find(version, code) is not None:
        errors["code"] = f"This version already has an award {code}."
    if errors:
        raise ValidationFailed(errors)
    award = Award(
        position=max((a.position for a in version.awards), default=-1) + 1,
        code=code,
        title=title,
        level=level,
        credits=credits,
        apl_max_credits=0,
    )
    version.awards.append(award)
    db.session.flush()
    after = {"code": code, "title": title, "level": level, "credits": credits, "apl_max_credits": 0}
    _audit("award_added", actor, award, None, after)
    return award


def update_award(
    actor, version, award_code: str, *, expected_version: int, title: str, level, credits, apl_max_credits
) -> bool:
    """Change an award's title, level, credits and APL cap; False when nothing changed."""
    award = _editable_award(actor, version, award_code, expected_version)
    errors = _details_problems(title, level, credits, apl_max_credits)
    if errors:
        raise ValidationFailed(errors)
    wanted = {"title": title, "level": level, "credits": credits, "apl_max_credits": apl_max_credits}
    before = {name: getattr(award, name) for name, value in wanted.items() if getattr(award, name) != value}
    if not before:
        return False
    for name in before:
        setattr(award, name, wanted[name])
    _save(award)
    _audit("award_changed", actor, award, before, {name: wanted[name] for name in before})
    return True


def delete_award(actor, version, award_code: str, *, expected_version: int) -> None:
    """Remove an award that no other award includes or leads to."""
    award = _editable_award(actor, version, award_code, expected_version)
    includers = [a.code for a in version.awards if award_code in a.codes("includes")]
    leaders = [a.code for a in version.awards if award_code in a.codes("progression")]
    reasons = []
    if includers:
        reasons.append(f"{_joined(includers)} {'include' if len(includers) > 1 else 'includes'} it")
    if leaders:
        reasons.append(f"{_joined(leaders)} {'lead' if len(leaders) > 1 else 'leads'} on to it")
    if reasons:
        raise InvalidTransition(
            f"{award_code} cannot be deleted: {' and '.join(reasons)}. Remove it from those awards first."
        )
    before = document_of(award_spec(award))
    _audit("award_deleted", actor, award, before, None)
    version.awards.remove(award)
    _flush()


def set_compulsory(actor, version, award_code: str, codes: list[str], *, expected_version: int) -> bool:
    """Replace the award's compulsory modules (kept in the version's module order)."""
    award = _editable_award(actor, version, award_code, expected_version)
    chosen = _module_codes(version, codes)
    for group in award.option_groups:
        clash = [c for c in chosen if c in group.module_codes]
        if clash:
            raise ValidationFailed(
                {
                    "modules": f"{_joined(clash)} {'are' if len(clash) > 1 else 'is'} in the option group "
                    f"'{group.title}' of this award; a module is compulsory or optional, not both. "
                    "Take it out of the group first."
                }
            )
    return _replace_rules(actor, award, "compulsory", chosen)


def add_option_group(
    actor, version, award_code: str, *, expected_version: int, title: str, min_credits, max_credits, codes
) -> OptionGroup:
    """Add an option group at the end of the award's groups."""
    award = _editable_award(actor, version, award_code, expected_version)
    chosen = _group_problems(version, award, None, title, min_credits, max_credits, codes)
    group = OptionGroup(
        position=max((g.position for g in award.option_groups), default=-1) + 1,
        title=title,
        min_credits=min_credits,
        max_credits=max_credits,
    )
    group.module_rows = [OptionGroupModule(code=code, position=i) for i, code in enumerate(chosen)]
    award.option_groups.append(group)
    _save(award)
    _audit("option_group_added", actor, award, None, _group_values(group))
    return group


def update_option_group(
    actor,
    version,
    award_code: str,
    group_id: int,
    *,
    expected_version: int,
    title,
    min_credits,
    max_credits,
    codes,
) -> bool:
    """Change an option group's title, credit bounds and modules; False when nothing changed."""
    award = _editable_award(actor, version, award_code, expected_version)
    group = _group(award, group_id)
    chosen = _group_problems(version, award, group, title, min_credits, max_credits, codes)
    before = _group_values(group)
    after = {"title": title, "modules": chosen, "min_credits": min_credits, "max_credits": max_credits}
    if before == after:
        return False
    group.title, group.min_credits, group.max_credits = title, min_credits, max_credits
    kept = {row.code: row for row in group.module_rows}
    # Rows for codes that stay are reused: deleting and re-inserting one code in a single flush could
    # break the (group, code) unique constraint, since inserts are issued before deletes.
    group.module_rows = [kept.get(code) or OptionGroupModule(code=code) for code in chosen]
    for position, row in enumerate(group.module_rows):
        row.position = position
    _save(award)
    _audit("option_group_changed", actor, award, before, after)
    return True


def delete_option_group(actor, version, award_code: str, group_id: int, *, expected_version: int) -> None:
    """Remove one option group from the award."""
    award = _editable_award(actor, version, award_code, expected_version)
    group = _group(award, group_id)
    before = _group_values(group)
    award.option_groups.remove(group)
    _save(award)
    _audit("option_group_deleted", actor, award, before, None)


def set_includes(actor, version, award_code: str, codes: list[str], *, expected_version: int) -> bool:
    """Replace the awards this one includes in full; refused when that would make a loop."""
    award = _editable_award(actor, version, award_code, expected_version)
    chosen = _award_codes(version, award, codes, "include")
    graph = {a.code: a.codes("includes") for a in version.awards}
    graph[award.code] = chosen
    for code in chosen:
        path = _path(graph, code, award.code)
        if path:
            loop = [award.code, *path]
            said = ", which includes ".join(loop[1:])
            raise ValidationFailed(
                {
                    "awards": f"{award.code} cannot include {code}: that would make a loop, "
                    f"{award.code} includes {said}. An award cannot be met in full before itself."
                }
            )
    return _replace_rules(actor, award, "includes", chosen)


def set_progression(actor, version, award_code: str, codes: list[str], *, expected_version: int) -> bool:
    """Replace the awards this one leads on to."""
    award = _editable_award(actor, version, award_code, expected_version)
    return _replace_rules(actor, award, "progression", _award_codes(version, award, codes, "lead to"))


# Helpers ---------------------------------------------------------------------------------------------


def _check_editable(actor, version: QualificationVersion) -> None:
    require(can_edit_qualifications(actor), "Only course leaders can edit awards.")
    if version.status != VersionStatus.DRAFT:
        raise InvalidTransition(PUBLISHED)


def _find(version: QualificationVersion, code: str) -> Award | None:
    return next((a for a in version.awards if a.code == code), None)


def _editable_award(actor, version: QualificationVersion, code: str, expected_version: int) -> Award:
    _check_editable(actor, version)
    award = _find(version, code)
    if award is None:
        raise InvalidTransition(f"This version has no award {code}; someone may have deleted it.")
    if award.version != expected_version:
        raise InvalidTransition(STALE)
    return award


def _save(award: Award) -> None:
    # Child rows alone do not UPDATE the award; forcing one bumps its version column (UPDATE ... WHERE
    # version = old), so a second editor working from the same page is refused, never merged.
    flag_modified(award, "title")
    _flush()


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:  # another request saved between our read and our write
        raise InvalidTransition(STALE) from exc


def _audit(action: str, actor, award: Award, before, after) -> None:
    role = Role.COURSE_LEADER if actor.has_role(Role.COURSE_LEADER) else Role.ADMIN
    details = {"award": award.code, "before": before, "after": after}
    record(action, actor=actor, actor_role=role.value, obj=award, details=details)


def _details_problems(title, level, credits, apl_max_credits) -> dict[str, str]:
    errors = {}
    if not isinstance(title, str) or not title.strip() or len(title) > TITLE_MAX:
        errors["title"] = f"Enter a title of up to {TITLE_MAX} characters."
    if not _whole(level, *LEVELS):
        errors["level"] = "Enter a level from 3 to 8 (FHEQ or RQF)."
    if not _whole(credits, 1, CREDITS_MAX):
        errors["credits"] = f"Enter a whole number of credits from 1 to {CREDITS_MAX}."
    top = credits if _whole(credits, 1, CREDITS_MAX) else CREDITS_MAX
    if not _whole(apl_max_credits, 0, top):
        errors["apl_max_credits"] = (
            f"Enter 0 to {top} credits: prior learning cannot count for more than the award's credits."
        )
    return errors


def _whole(value, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def _module_codes(version: QualificationVersion, codes, field: str = "modules") -> list[str]:
    known = [link.code for link in version.module_links]
    unknown = [c for c in dict.fromkeys(codes or ()) if c not in known]
    if unknown:
        raise ValidationFailed({field: f"{_joined(unknown)} {_is(unknown)} not a module of this version."})
    return [code for code in known if code in set(codes or ())]


def _award_codes(version: QualificationVersion, award: Award, codes, verb: str) -> list[str]:
    codes = list(codes or ())
    known = [a.code for a in version.awards]
    unknown = [c for c in dict.fromkeys(codes) if c not in known]
    if unknown:
        raise ValidationFailed({"awards": f"{_joined(unknown)} {_is(unknown)} not an award of this version."})
    if award.code in codes:
        raise ValidationFailed({"awards": f"An award cannot {verb} itself."})
    return [code for code in known if code in set(codes)]


def _group(award: Award, group_id: int) -> OptionGroup:
    group = next((g for g in award.option_groups if g.id == group_id), None)
    if group is None:
        raise InvalidTransition("That option group is no longer in this award; someone may have deleted it.")
    return group


def _credit_bounds_errors(low, high) -> dict[str, str]:
    bounds = f"Enter a whole number of credits from 0 to {CREDITS_MAX}."
    errors = {}
    if not _whole(low, 0, CREDITS_MAX):
        errors["min_credits"] = bounds
    if not _whole(high, 0, CREDITS_MAX):
        errors["max_credits"] = bounds
    elif _whole(low, 0, CREDITS_MAX) and low > high:
        errors["min_credits"] = f"The fewest credits ({low}) cannot be more than the most ({high})."
    return errors


def _group_modules_problem(award: Award, group, chosen: list[str]) -> str | None:
    """Why these modules cannot form the option group: none, compulsory ones, or ones in another group."""
    compulsory = [c for c in chosen if c in award.codes("compulsory")]
    if compulsory:
        return (
            f"{_joined(compulsory)} {_is(compulsory)} compulsory in this award; "
            "a module is compulsory or optional, not both."
        )
    if not chosen:
        return "Choose at least one module for the group."
    for other in award.option_groups:
        shared = [c for c in chosen if other is not group and c in other.module_codes]
        if shared:
            return (
                f"{_joined(shared)} {_is(shared)} already in the option group '{other.title}'; "
                "a module can be in only one group of an award."
            )
    return None


def _group_problems(version, award: Award, group, title, low, high, codes) -> list[str]:
    """The group's modules in the version's order, or ValidationFailed naming each broken rule."""
    errors = {}
    if not isinstance(title, str) or not title.strip() or len(title) > TITLE_MAX:
        errors["title"] = f"Give the group a title of up to {TITLE_MAX} characters."
    errors |= _credit_bounds_errors(low, high)
    try:
        chosen = _module_codes(version, codes)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        chosen = []
    if "modules" not in errors and (problem := _group_modules_problem(award, group, chosen)):
        errors["modules"] = problem
    if errors:
        raise ValidationFailed(errors)
    return chosen


def _group_values(group: OptionGroup) -> dict:
    return document_of(group_spec(group))


def _replace_rules(actor, award: Award, kind: str, codes: list[str]) -> bool:
    before = award.codes(kind)
    if before == codes:
        return False
    kept = {row.code: row for row in award.rule_rows if row.kind == kind}
    others = [row for row in award.rule_rows if row.kind != kind]
    # Reuse the rows of codes that stay (see update_option_group: the unique constraint and flush order).
    rows = [kept.get(code) or AwardRule(kind=kind, code=code) for code in codes]
    for position, row in enumerate(rows):
        row.position = position
    award.rule_rows = others + rows
    _save(award)
    _audit(f"award_{kind}_changed", actor, award, before, codes)
    return True


def _path(graph: dict[str, list[str]], start: str, goal: str) -> list[str] | None:
    """Codes from start to goal following includes (depth first), or None when goal is out of reach."""
    stack, seen = [[start]], set()
    while stack:
        path = stack.pop()
        if path[-1] == goal:
            return path
        if path[-1] in seen:
            continue
        seen.add(path[-1])
        stack.extend([*path, nxt] for nxt in reversed(graph.get(path[-1], [])))
    return None


def _is(codes: list[str]) -> str:
    return "are" if len(codes) > 1 else "is"


def _joined(codes: list[str]) -> str:
    return codes[0] if len(codes) == 1 else f"{', '.join(codes[:-1])} and {codes[-1]}"

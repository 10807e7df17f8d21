"""parse_spec: a `qualification-spec/1` document in, a normalised Spec out, or every problem at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from qualification.spec.model import (
    FORMAT,
    METHODS,
    AwardSpec,
    CriterionSpec,
    ModuleSpec,
    OptionGroupSpec,
    OutcomeSpec,
    Spec,
    SpecInvalid,
)
from qualification.spec.reader import BAD, CODE, Reader, is_text, is_whole, join, show
from qualification.spec.satisfy import Satisfiability, award_satisfiability

_TOP = ("format", "code", "title", "provider", "modules", "awards")
_MODULE = ("code", "title", "level", "credits", "summary", "cpd", "outcomes")
_OUTCOME = ("ref", "text", "criteria")
_CRITERION = ("ref", "text", "methods")
_AWARD = (
    "code",
    "title",
    "level",
    "credits",
    "apl_max_credits",
    "compulsory",
    "options",
    "includes",
    "progression",
)
_GROUP = ("title", "modules", "min_credits", "max_credits")

TITLE_MAX = 200
SUMMARY_MAX = 20_000  # the format sets no limit on Markdown; this only stops a runaway paste
TEXT_MAX = 1_000  # outcome and criterion statements, which the format leaves unbounded
REF_MAX = 30
MODULE_CREDITS_MAX = 180
AWARD_CREDITS_MAX = 540


@dataclass
class _Award:
    """What the first pass learnt about one award, enough for the cross-award checks."""

    path: str
    code: object
    sound: bool
    fields: dict = field(default_factory=dict)
    modules: set[str] = field(default_factory=set)
    includes: list[str] = field(default_factory=list)
    progression: list[str] = field(default_factory=list)
    raw_includes: list = field(default_factory=list)
    raw_progression: list = field(default_factory=list)


def parse_spec(document: object) -> Spec:
    """Validate a whole document against every rule of the format; raise SpecInvalid listing all problems."""
    if not isinstance(document, dict):
        raise SpecInvalid(["$: must be a JSON object"])
    r = Reader()
    r.object(document, "", _TOP)
    r.field(document, "format", "", lambda v: v == FORMAT, f"must be {show(FORMAT)}")
    code = r.code(document, "code", "")
    title = r.text(document, "title", "", 1, TITLE_MAX)
    rule = f"must be text of up to {TITLE_MAX} characters, or null"
    provider = r.field(document, "provider", "", lambda v: v is None or is_text(v, 0, TITLE_MAX), rule, None)

    refs: dict[str, str] = {}
    known: dict[str, str] = {}
    credits: dict[str, int] = {}
    duplicated: set[str] = set()
    modules = []
    for path, item in r.items(document, "modules", "", "module", 1):
        modules.append(_module(r, path, item, refs))
        # A module with other faults still exists for references to it, and its credits still count.
        found = item.get("code") if isinstance(item, dict) else None
        if not isinstance(found, str) or not CODE.fullmatch(found):
            continue
        if not r.once(known, found, path, f"duplicate module code {show(found)}", "code"):
            duplicated.add(found)
        elif is_whole(item.get("credits"), 1, MODULE_CREDITS_MAX):
            credits[found] = item["credits"]
    credits = {code: value for code, value in credits.items() if code not in duplicated}

    awards = [_award(r, path, item, known) for path, item in r.items(document, "awards", "", "award", 1)]
    _check_award_references(r, [a for a in awards if a is not None])
    _check_satisfiable(r, [a for a in awards if a is not None], credits)
    if r.problems:
        raise SpecInvalid(r.problems)
    return Spec(
        code=code,
        title=title,
        provider=provider,
        modules=tuple(modules),
        awards=tuple(AwardSpec(**a.fields) for a in awards if a is not None),
    )


def _module(r: Reader, path: str, item: object, refs: dict[str, str]) -> ModuleSpec | None:
    obj = r.object(item, path, _MODULE)
    if obj is None:
        return None
    start = len(r.problems)
    values = {
        "code": r.code(obj, "code", path),
        "title": r.text(obj, "title", path, 1, TITLE_MAX),
        "level": r.whole(obj, "level", path, 3, 8),
        "credits": r.whole(obj, "credits", path, 1, MODULE_CREDITS_MAX),
        "summary": r.text(obj, "summary", path, 0, SUMMARY_MAX, ""),
        "cpd": r.field(obj, "cpd", path, lambda v: type(v) is bool, "must be true or false", False),
    }
    outcomes = []
    for outcome_path, outcome in r.items(obj, "outcomes", path, "outcome", 1):
        found = _statement(r, outcome_path, outcome, _OUTCOME, refs)
        if found is None:
            continue
        ref, text, fields = found
        criteria = []
        for criterion_path, criterion in r.items(fields, "criteria", outcome_path, "criterion", 1):
            c = _statement(r, criterion_path, criterion, _CRITERION, refs)
            if c is not None:
                criteria.append(CriterionSpec(c[0], c[1], _methods(r, criterion_path, c[2])))
        outcomes.append(OutcomeSpec(ref, text, tuple(criteria)))
    if len(r.problems) > start:
        return None
    return ModuleSpec(**values, outcomes=tuple(outcomes))


def _statement(r: Reader, path: str, item: object, fields: tuple[str, ...], refs: dict[str, str]):
    """An outcome or criterion: its ref (unique across the document), text and raw object."""
    obj = r.object(item, path, fields)
    if obj is None:
        return None
    ref = r.text(obj, "ref", path, 1, REF_MAX)
    if isinstance(ref, str):
        r.once(refs, ref, path, f"duplicate ref {show(ref)}", "ref")
    return ref, r.text(obj, "text", path, 1, TEXT_MAX), obj


def _methods(r: Reader, path: str, obj: dict) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for where, method in r.items(obj, "methods", path, "assessment method", 1):
        if not isinstance(method, str) or method not in METHODS:
            r.problem(where, f"unknown method {show(method)} (use one of {', '.join(METHODS)})")
        else:
            r.once(seen, method, where, f"method {show(method)} is listed twice")
    return tuple(seen)


def _award(r: Reader, path: str, item: object, known: dict[str, str]) -> _Award | None:
    obj = r.object(item, path, _AWARD)
    if obj is None:
        return None
    start = len(r.problems)
    credits = r.whole(obj, "credits", path, 1, AWARD_CREDITS_MAX)
    apl_max = credits if isinstance(credits, int) else AWARD_CREDITS_MAX
    values = {
        "code": r.code(obj, "code", path),
        "title": r.text(obj, "title", path, 1, TITLE_MAX),
        "level": r.whole(obj, "level", path, 3, 8),
        "credits": credits,
        "apl_max_credits": r.whole(obj, "apl_max_credits", path, 0, apl_max, 0),
    }
    placed: dict[str, str] = {}
    compulsory = r.items(obj, "compulsory", path, "module code", 0, [])
    values["compulsory"] = tuple(_module_ref(r, where, code, known, placed) for where, code in compulsory)
    groups = r.items(obj, "options", path, "option group", 0, [])
    values["options"] = tuple(_group(r, where, group, known, placed) for where, group in groups)
    award = _Award(path, values["code"], sound=False, fields=values, modules=set(placed))
    award.raw_includes = r.items(obj, "includes", path, "award code", 0, [])
    award.raw_progression = r.items(obj, "progression", path, "award code", 0, [])
    award.sound = len(r.problems) == start
    return award


def _module_ref(r: Reader, path: str, code: object, known: dict[str, str], placed: dict[str, str]) -> object:
    if not isinstance(code, str) or code not in known:
        r.problem(path, f"unknown module {show(code)}")
        return BAD
    if not r.once(placed, code, path, f"module {show(code)} appears twice in this award"):
        return BAD
    return code


def _group(r: Reader, path: str, item: object, known: dict[str, str], placed: dict[str, str]) -> object:
    obj = r.object(item, path, _GROUP)
    if obj is None:
        return BAD
    title = r.text(obj, "title", path, 1, TITLE_MAX)
    codes = r.items(obj, "modules", path, "module code", 1)
    modules = tuple(_module_ref(r, where, code, known, placed) for where, code in codes)
    low = r.whole(obj, "min_credits", path, 0, AWARD_CREDITS_MAX)
    high = r.whole(obj, "max_credits", path, 0, AWARD_CREDITS_MAX)
    if isinstance(low, int) and isinstance(high, int) and low > high:
        r.problem(path, f"min_credits ({low}) is more than max_credits ({high})")
    return OptionGroupSpec(title, modules, low, high)  # only kept when the award is sound


def _check_award_references(r: Reader, awards: list[_Award]) -> None:
    """Unique award codes, includes and progression that name other awards, and no include cycles."""
    codes: dict[str, str] = {}
    for award in awards:
        duplicate = f"duplicate award code {show(award.code)}"
        if isinstance(award.code, str) and not r.once(codes, award.code, award.path, duplicate, "code"):
            award.sound = False
    for award in awards:
        start = len(r.problems)
        award.includes = _award_refs(r, award, award.raw_includes, codes, "include")
        award.progression = _award_refs(r, award, award.raw_progression, codes, "lead to")
        award.fields["includes"] = tuple(award.includes)
        award.fields["progression"] = tuple(award.progression)
        award.sound = award.sound and len(r.problems) == start
    at_path = {a.path: a for a in awards}
    by_code = {code: at_path[path] for code, path in codes.items()}
    for cycle in _cycles({code: a.includes for code, a in by_code.items()}):
        r.problem(join(by_code[cycle[0]].path, "includes"), f"cycle {' -> '.join(cycle)}")
        for code in cycle:
            by_code[code].sound = False


def _award_refs(r: Reader, award: _Award, items: list, codes: dict[str, str], verb: str) -> list[str]:
    seen: dict[str, str] = {}
    for where, code in items:
        if not isinstance(code, str) or code not in codes:
            r.problem(where, f"unknown award {show(code)}")
        elif code == award.code:
            r.problem(where, f"an award cannot {verb} itself")
        else:
            r.once(seen, code, where, f"award {show(code)} is listed twice")
    return list(seen)


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each include cycle once, as codes from its first member back to it (iterative: no recursion limit)."""
    done: set[str] = set()
    cycles = []
    for root in graph:
        if root in done:
            continue
        path, stack = [root], [iter(graph[root])]
        while stack:
            following = next(stack[-1], None)
            if following is None:
                done.add(path.pop())
                stack.pop()
            elif following in path:
                cycles.append([*path[path.index(following) :], following])
            elif following not in done:
                path.append(following)
                stack.append(iter(graph[following]))
    return cycles


def _check_satisfiable(r: Reader, awards: list[_Award], credits: dict[str, int]) -> None:
    """Report each award whose rules cannot reach its credits, once the award and its includes are sound."""
    by_code = {a.code: a for a in awards if a.sound}
    specs = {code: AwardSpec(**a.fields) for code, a in by_code.items()}
    results: dict[str, Satisfiability] = {}
    for award in awards:
        closure = _closure(award, by_code)
        if closure is not None and all(m in credits for a in closure for m in a.modules):
            results[award.path] = award_satisfiability(specs[award.code], credits, specs)
    for award in awards:
        result = results.get(award.path)
        # An award fails with any award it includes; saying so again for each includer is noise.
        if result and not result.ok and all(results[by_code[code].path].ok for code in award.includes):
            r.problem(award.path, f"cannot be satisfied: {result.explanation}")


def _closure(award: _Award, by_code: dict[object, _Award]) -> list[_Award] | None:
    """The award and every award it includes, or None when any of them is unsound."""
    seen, todo = {}, [award]
    while todo:
        current = todo.pop()
        if not current.sound or by_code.get(current.code) is not current:
            return None
        seen[current.code] = current
        for code in current.includes:
            if code not in seen:
                if code not in by_code:
                    return None
                todo.append(by_code[code])
    return list(seen.values())

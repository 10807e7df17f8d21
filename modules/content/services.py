"""Loading and authoring module content (sections, activities, questions)."""

from __future__ import annotations

from sqlalchemy import delete, select

from core.audit.services import record
from core.errors import ValidationFailed
from core.extensions import db
from modules.content.models import Activity, ActivityKind, Question, QuestionOption, Section

CONTENT_FORMAT = "waymark-content/1"


def _problems(doc: dict) -> list[str]:
    problems = []
    if not isinstance(doc, dict) or doc.get("format") != CONTENT_FORMAT:
        return [f'format: must be "{CONTENT_FORMAT}"']
    for m, module in enumerate(doc.get("modules", [])):
        for s, section in enumerate(module.get("sections", [])):
            for a, activity in enumerate(section.get("activities", [])):
                path = f"modules[{m}].sections[{s}].activities[{a}]"
                if activity.get("kind") not in {k.value for k in ActivityKind}:
                    problems.append(f"{path}.kind: unknown kind {activity.get('kind')!r}")
                enough = activity.get("try_is_enough", False)
                if not isinstance(enough, bool):
                    problems.append(f"{path}.try_is_enough: must be true or false")
                elif enough and activity.get("kind") != ActivityKind.QUIZ:
                    problems.append(f"{path}.try_is_enough: only a knowledge check (quiz) has it")
                minutes = activity.get("minutes")
                if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 600:
                    problems.append(f"{path}.minutes: must be a whole number from 1 to 600")
                for q, question in enumerate(activity.get("questions", [])):
                    right = sum(1 for o in question.get("options", []) if o.get("correct"))
                    if right == 0 or (not question.get("multiple") and right != 1):
                        problems.append(
                            f"{path}.questions[{q}]: needs exactly one right answer (or some, if multiple)"
                        )
    return problems


def load_content(actor, doc: dict, *, replace: bool = False) -> int:
    """Store a content document's modules; a module that already has content is left alone unless replace.

    Returns how many modules were loaded.
    """
    problems = _problems(doc)
    if problems:
        raise ValidationFailed({"": "; ".join(problems)})
    family = doc["family"]
    loaded = 0
    for module in doc["modules"]:
        code = module["module"]
        existing = db.session.scalars(
            select(Section.id).where(Section.family == family, Section.module_code == code)
        ).all()
        if existing and not replace:
            continue
        if existing:
            db.session.execute(delete(Section).where(Section.id.in_(existing)))
        for s_pos, section in enumerate(module["sections"]):
            row = Section(family=family, module_code=code, position=s_pos, title=section["title"])
            for a_pos, item in enumerate(section["activities"]):
                activity = Activity(
                    position=a_pos,
                    kind=item["kind"],
                    title=item["title"],
                    minutes=item["minutes"],
                    body_md=item.get("body", ""),
                    url=item.get("url"),
                    session_kind=item.get("session_kind"),
                    criteria_refs=" ".join(item.get("criteria", [])),
                    requires_previous=bool(item.get("requires_previous", False)),
                    try_is_enough=item.get("try_is_enough", False),
                )
                for q_pos, question in enumerate(item.get("questions", [])):
                    q_row = Question(
                        position=q_pos,
                        text_md=question["text"],
                        multiple=bool(question.get("multiple")),
                        explanation_md=question.get("explanation", ""),
                    )
                    q_row.options = [
                        QuestionOption(position=i, text=o["text"], correct=bool(o.get("correct")))
                        for i, o in enumerate(question["options"])
                    ]
                    activity.questions.append(q_row)
                row.activities.append(activity)
            db.session.add(row)
        loaded += 1
        record(
            "module_content_loaded",
            actor=actor,
            object_type="Module",
            object_id=f"{family}/{code}",
            details={"sections": len(module["sections"]), "replaced": bool(existing)},
        )
    db.session.flush()
    return loaded

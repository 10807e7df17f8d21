"""The modules area's mapped classes."""

from modules.models.catalogue import (
    METHOD_LABELS,
    AssessmentCriterion,
    AssessmentMethod,
    CriterionMethod,
    LearningOutcome,
    Module,
)
from modules.models.content import (
    ACTIVITY_LABELS,
    IMAGE_KINDS,
    Activity,
    ActivityFile,
    ActivityKind,
    Question,
    QuestionOption,
    Section,
)
from modules.models.progress import (
    ActivityCompletion,
    DraftRecovery,
    ModuleEnrolment,
    QuizAttempt,
    ReflectionDraft,
    StudyLog,
    StudyPosition,
)

__all__ = [
    "ACTIVITY_LABELS",
    "IMAGE_KINDS",
    "METHOD_LABELS",
    "Activity",
    "ActivityCompletion",
    "ActivityFile",
    "ActivityKind",
    "AssessmentCriterion",
    "AssessmentMethod",
    "CriterionMethod",
    "DraftRecovery",
    "LearningOutcome",
    "Module",
    "ModuleEnrolment",
    "Question",
    "QuestionOption",
    "QuizAttempt",
    "ReflectionDraft",
    "Section",
    "StudyLog",
    "StudyPosition",
]

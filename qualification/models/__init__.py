"""The qualification area's mapped classes."""

from qualification.models.cohorts import (
    SESSION_KIND_LABELS,
    AssessorAllocation,
    Cohort,
    CohortMember,
    CohortSession,
    MemberRole,
    SessionKind,
)
from qualification.models.results import AchievedBy, CriterionOutcome, CriterionResult, ModuleResult
from qualification.models.study import PathwayChoice, SessionBooking
from qualification.models.versions import (
    Award,
    AwardRule,
    OptionGroup,
    OptionGroupModule,
    Qualification,
    QualificationVersion,
    VersionModule,
    VersionStatus,
)

__all__ = [
    "SESSION_KIND_LABELS",
    "AchievedBy",
    "AssessorAllocation",
    "Award",
    "AwardRule",
    "Cohort",
    "CohortMember",
    "CohortSession",
    "CriterionOutcome",
    "CriterionResult",
    "MemberRole",
    "ModuleResult",
    "OptionGroup",
    "OptionGroupModule",
    "PathwayChoice",
    "Qualification",
    "QualificationVersion",
    "SessionBooking",
    "SessionKind",
    "VersionModule",
    "VersionStatus",
]

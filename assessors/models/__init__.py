"""The assessment area's mapped classes."""

from assessors.models.marking import (
    APL_DECISIONS,
    DECISION_LABELS,
    QUEUE_STATES,
    REOPENING,
    SUBMISSION_DECISIONS,
    TRANSITIONS,
    VACS,
    Actor,
    Assessment,
    AssessmentKind,
    CriterionJudgement,
    Decision,
    IqaReview,
    MarkingState,
    may_move,
)
from assessors.models.quality import ExaminerAccess, ExaminerSampleCandidate, SamplingPlan, TraineeAssessor
from assessors.models.witness import WitnessRequest, WitnessState
from assessors.models.workplace import (
    OBSERVATION_MOVES,
    CompetenceSignoff,
    Observation,
    ObservationState,
    ObservedCriterion,
)

__all__ = [
    "APL_DECISIONS",
    "DECISION_LABELS",
    "OBSERVATION_MOVES",
    "QUEUE_STATES",
    "REOPENING",
    "SUBMISSION_DECISIONS",
    "TRANSITIONS",
    "VACS",
    "Actor",
    "Assessment",
    "AssessmentKind",
    "CompetenceSignoff",
    "CriterionJudgement",
    "Decision",
    "ExaminerAccess",
    "ExaminerSampleCandidate",
    "IqaReview",
    "MarkingState",
    "Observation",
    "ObservationState",
    "ObservedCriterion",
    "SamplingPlan",
    "TraineeAssessor",
    "WitnessRequest",
    "WitnessState",
    "may_move",
]

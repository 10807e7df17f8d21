"""The roles a person can hold. A person may hold several."""

from enum import StrEnum


class Role(StrEnum):
    CANDIDATE = "candidate"
    ASSESSOR = "assessor"
    IQA = "iqa"
    EXAMINER = "examiner"
    COURSE_LEADER = "course_leader"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.CANDIDATE: "Candidate",
    Role.ASSESSOR: "Assessor",
    Role.IQA: "Internal quality assurer",
    Role.EXAMINER: "External examiner",
    Role.COURSE_LEADER: "Course leader",
    Role.ADMIN: "Administrator",
}

# The order roles appear in on the home page and in the navigation: the day-to-day role first.
ROLE_ORDER: tuple[Role, ...] = (
    Role.CANDIDATE,
    Role.ASSESSOR,
    Role.IQA,
    Role.EXAMINER,
    Role.COURSE_LEADER,
    Role.ADMIN,
)

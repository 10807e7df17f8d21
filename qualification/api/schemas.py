"""The API's schemas (marshmallow): what a request may send, and what each response says. They are the API's
forms: the OpenAPI document is written from them, so the document and the answers cannot disagree."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.apitokens.models import Scope
from qualification.certificates.models import CertificateKind, CertificateStatus
from qualification.cohorts.models import MemberStatus, SessionKind, SessionStatus
from qualification.results.models import AchievedBy
from qualification.versions.models import VersionStatus

MAX_PAGE = 100
DEFAULT_PAGE = 50


def _values(enum) -> list[str]:
    return [member.value for member in enum]


def _text(description: str, **kwargs) -> fields.String:
    return fields.String(required=True, metadata={"description": description}, **kwargs)


def _maybe(field_class, description: str, **kwargs):
    """A field that is always present and may be null."""
    return field_class(required=True, allow_none=True, metadata={"description": description}, **kwargs)


# Requests ---------------------------------------------------------------------------------------------------


class PageArgs(Schema):
    """Keyset paging: the first page without `after`; each page's `next` link carries the cursor."""

    after = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The cursor of the page to read: copy it from the previous page's `next`."},
    )
    limit = fields.Integer(
        load_default=DEFAULT_PAGE,
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": f"How many items a page holds (1 to {MAX_PAGE})."},
    )


class EnrolRequest(Schema):
    """A candidate to enrol: an invitation is sent to a new address; an existing account is added."""

    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The candidate's name, as the invitation greets them."},
    )
    email = fields.Email(
        required=True, validate=validate.Length(max=254), metadata={"description": "Their email address."}
    )
    school = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "Their school, for release letters (optional)."},
    )


# Responses --------------------------------------------------------------------------------------------------


class VersionSummary(Schema):
    number = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(_values(VersionStatus)))
    title = _text("The qualification's title in this version.")
    published_at = _maybe(fields.DateTime, "When it was published (null for a draft).")


class Qualification(Schema):
    code = _text("The qualification's code, as its spec gives it.")
    versions = fields.List(fields.Nested(VersionSummary), required=True)


class Unit(Schema):
    """A module or an award: its code, title, FHEQ level and credits (each kind adds its own)."""

    code = fields.String(required=True)
    title = fields.String(required=True)
    level = fields.Integer(required=True)
    credits = fields.Integer(required=True)


class VersionModule(Unit):
    cpd = fields.Boolean(required=True, metadata={"description": "Whether it can be taken alone as CPD."})


class VersionAward(Unit):
    apl_max_credits = fields.Integer(required=True)


class Version(VersionSummary):
    qualification = _text("The qualification's code.")
    provider = _maybe(fields.String, "Who offers it.")
    modules = fields.List(fields.Nested(VersionModule), required=True)
    awards = fields.List(fields.Nested(VersionAward), required=True)


class Person(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class Cohort(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    qualification = _text("The qualification's code.")
    version = fields.Integer(required=True, metadata={"description": "The version of it the cohort studies."})
    award_code = _maybe(fields.String, "The award studied (null for a CPD cohort).")
    module_code = _maybe(fields.String, "The module taken alone as CPD (null for an award cohort).")
    start_date = fields.Date(required=True)
    end_date = _maybe(fields.Date, "The last day of its teaching year.")
    course_leader = _maybe(fields.Nested, "Its course leader.", nested=Person)


class Session(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(_values(SessionKind)))
    status = fields.String(required=True, validate=validate.OneOf(_values(SessionStatus)))
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    place = _maybe(fields.String, "Where it meets.")
    link = _maybe(fields.String, "The address of an online session.")
    modules = fields.List(fields.String(), required=True, metadata={"description": "The modules it serves."})


class Candidate(Person):
    email = fields.String(required=True)


class Enrolment(Schema):
    """A candidate's membership of the cohort."""

    candidate = fields.Nested(Candidate, required=True)
    status = fields.String(required=True, validate=validate.OneOf(_values(MemberStatus)))
    school = _maybe(fields.String, "Their school in this cohort.")
    enrolled_at = fields.DateTime(required=True, metadata={"description": "When they were added to it."})
    joined = fields.Boolean(
        required=True, metadata={"description": "Whether they have accepted and signed in."}
    )
    joined_at = _maybe(fields.DateTime, "When they joined (null until they do).")


class ModuleProgress(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    activities_done = fields.Integer(required=True)
    activities_total = fields.Integer(required=True)
    submitted = fields.Boolean(
        required=True, metadata={"description": "Work is handed in (waiting for, or in, assessment)."}
    )
    achieved = fields.Boolean(required=True, metadata={"description": "A released result says achieved."})
    achieved_on = _maybe(fields.Date, "The date of the released result.")


class Progress(Schema):
    candidate = fields.Nested(Person, required=True)
    cohort_id = fields.Integer(required=True)
    modules = fields.List(fields.Nested(ModuleProgress), required=True)


class CriterionMet(Schema):
    ref = fields.String(required=True)
    met_by = fields.String(required=True, metadata={"description": "How it was met, as the decision said."})


class ModuleResult(Unit):
    how = fields.String(required=True, validate=validate.OneOf(_values(AchievedBy)))
    achieved_on = fields.Date(required=True)
    criteria = fields.List(fields.Nested(CriterionMet), required=True)


class AwardStanding(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    met = fields.Boolean(required=True, metadata={"description": "Whether the released results meet it."})
    met_on = _maybe(fields.Date, "The day the results met it.")


class Certificate(Schema):
    """An award (or CPD module) ratified by an exam board; a revoked one says so."""

    number = fields.String(required=True)
    candidate = fields.Nested(Person, required=True)
    cohort_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(_values(CertificateKind)))
    code = fields.String(required=True)
    title = fields.String(required=True)
    qualification_title = fields.String(required=True)
    level = fields.Integer(required=True)
    credits = fields.Integer(required=True)
    issued_on = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(_values(CertificateStatus)))
    revoked_at = _maybe(fields.DateTime, "When it was revoked (null while valid).")


class Results(Schema):
    """What counts for the candidate in the cohort: released results only, as the transcript shows them."""

    candidate = fields.Nested(Person, required=True)
    cohort_id = fields.Integer(required=True)
    credits = fields.Integer(required=True)
    modules = fields.List(fields.Nested(ModuleResult), required=True)
    award = _maybe(fields.Nested, "The cohort's award (null for a CPD cohort).", nested=AwardStanding)
    certificates = fields.List(fields.Nested(Certificate), required=True)


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """A page of items: the items and the address of the next page (null on the last)."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next": fields.String(
                required=True, allow_none=True, metadata={"description": "The next page's address, or null."}
            ),
        },
        name=name,
    )


QualificationPage = page_of(Qualification, "QualificationPage")
CohortPage = page_of(Cohort, "CohortPage")
SessionPage = page_of(Session, "SessionPage")
EnrolmentPage = page_of(Enrolment, "EnrolmentPage")
CertificatePage = page_of(Certificate, "CertificatePage")
SCOPES = {scope.value: scope.label for scope in Scope}

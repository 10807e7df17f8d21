"""B2 (IDOR) support: two cohorts, and one of every object for a candidate in each.

Cohort 1 is the demo cohort (candidate A = Jo Patel, allocated to assessor Tom Okafor). Cohort 2 is a second
intake of the same award with its own candidates (B and another) and its own assessor. Everything of cohort 2
carries the marker ``zqxbravo`` (names, emails, titles, texts), so a page that shows any of it is caught by a
plain substring search. No test functions live here; tests/cross/idor/test_route_sweep.py and
tests/cross/idor/test_staff_and_crawl.py use it
(with tests/cross/idor/rows.py, which reads the victim's rows before and after each request).
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.accounts.models import Role, User
from core.extensions import db
from core.mfa.models import Passkey
from core.notifications.services import notify
from modules.authoring.services.files import attach_file
from modules.content.models import Activity, ActivityKind, Section
from modules.study.queries import enrolment_for, module_progress
from modules.study.services import log_study, mark_quiz, save_draft
from portfolio.apl.services import draft_claim, submit_claim
from portfolio.evidence.services import add_item
from portfolio.files.services import accept_upload
from portfolio.mapping.services import map_item
from portfolio.submissions.services import gaps_confirmation, submit_module
from qualification.booking import services as booking
from qualification.calendar.services import add_session
from qualification.cohorts.models import Cohort, CohortMember, CohortSession, MemberRole, SessionKind
from qualification.cohorts.services import (
    add_staff,
    allocate_evenly,
    invite_candidate,
)
from qualification.demo import DEMO_COHORT
from qualification.forums.services import reply_to_thread, start_thread
from qualification.pathway.services import sync_enrolments
from qualification.versions.queries import find_version
from tests.cross.idor.assessing import add_assessment_objects  # sets assessment_id, examiner_access_id
from tests.cross.idor.certificates import add_certificate_objects  # sets certificate_id, certificate_number
from tests.cross.idor.deadlines import add_deadline_objects  # sets deadline_id, extension_id
from tests.cross.idor.workplace import (
    add_workplace_objects,
)  # sets observation_id, signoff_id, witness_request_id
from tests.support.demo import another_certificate_cohort, load_demo_data
from tests.support.people import DEMO_PASSWORD, JO, LEADER, TOM, make_user

MARKER = "zqxbravo"  # everything of cohort 2 carries it; compare lower-cased
A_MARK = "zqxalpha"  # A's own titles and texts (A may see these)
A_EMAIL = JO
B_EMAIL = "zqxbravo.candidate@otherschool.example"
ASSESSOR_1 = TOM  # assessor of cohort 1 only, allocated to A; no IQA role
ASSESSOR_2 = "zqxbravo.assessor@northmoor.example"  # assessor of cohort 2 only
FAMILY, MODULE = "CCQ", "M01"
UK = ZoneInfo("Europe/London")


def tiny_png(seed: int) -> bytes:
    """A valid 1x1 RGB PNG whose bytes (so whose hash) depend on `seed`."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, seed % 256, 7, 42]))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@dataclass
class Objects:
    """One candidate's objects, by kind (ids), and the cohort they live in."""

    user_id: int
    email: str
    cohort_id: int
    session_id: int
    item_id: int  # the written account
    file_item_id: int
    file_version_id: int
    file_sha256: str
    submission_id: int
    draft_id: int
    recovery_id: int
    quiz_attempt_id: int
    claim_id: int
    thread_id: int
    post_id: int  # a reply in the thread
    notification_id: int
    study_log_id: int
    passkey_id: int
    forum_ids: list[int] = field(default_factory=list)


@dataclass
class World:
    a: Objects
    b: Objects
    content: dict[str, object]  # shared content ids (activities, criteria, ...) both candidates study


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _activity(kind: str) -> Activity:
    return db.session.scalar(
        select(Activity)
        .join(Section)
        .where(Section.family == FAMILY, Section.module_code == MODULE, Activity.kind == kind)
        .order_by(Section.position, Activity.position)
        .limit(1)
    )


def _give_objects(user: User, cohort: Cohort, session: CohortSession, mark: str, seed: int) -> Objects:
    """Through the real services: evidence, mapping, submission, draft + recovery, quiz, claim, forum, ..."""
    last_week = date.today() - timedelta(days=7)  # noqa: DTZ011
    account = add_item(
        user,
        kind="account",
        title=f"{mark} written account",
        activity_date=last_week,
        context_md=f"{mark} context",
        body_md=f"{mark} body of the account",
        anonymised=True,
    )
    upload = accept_upload(user.id, io.BytesIO(tiny_png(seed)), f"{mark}-photo.png")
    picture = add_item(
        user,
        kind="file",
        title=f"{mark} photo",
        activity_date=last_week,
        context_md=f"{mark} photo context",
        upload=upload,
        anonymised=True,
    )
    map_item(user, account, criterion_ref="M01.1.1", note=f"{mark} mapping note", family=FAMILY)
    map_item(user, picture, criterion_ref="M01.1.2", note=f"{mark} photo note", family=FAMILY)
    submission = submit_module(
        user,
        family=FAMILY,
        module_code=MODULE,
        statement_md=f"{mark} statement",
        gaps_confirmed=gaps_confirmation(user.id, FAMILY, MODULE),
    )

    enrolment = enrolment_for(user.id, FAMILY, MODULE)
    reflection, quiz = _activity(ActivityKind.REFLECTION), _activity(ActivityKind.QUIZ)
    progress = module_progress(user.id, FAMILY, MODULE, detail=True)
    for text in (f"{mark} reflection", f"{mark} reflection from another tab"):
        # The second save is based on the old revision, so it is kept aside as a recovery copy.
        kept = save_draft(
            user, enrolment, reflection, text=text, base_revision=0, done=progress.done, order=progress.order
        )
    progress = module_progress(user.id, FAMILY, MODULE, detail=True)
    answers = {q.id: [q.options[0].id] for q in quiz.questions}
    attempt = mark_quiz(user, enrolment, quiz, answers, done=progress.done, order=progress.order)

    certificate = accept_upload(user.id, io.BytesIO(tiny_png(seed + 100)), f"{mark}-certificate.png")
    claim = draft_claim(
        user,
        cohort_id=cohort.id,
        module_code="M02",
        scope="criteria",
        refs=["M02.1.1"],
        awarding_body=f"{mark} awarding body",
        certificate_title=f"{mark} certificate",
        certificate_level=3,
        certificate_credits=10,
        awarded_on=date(2020, 6, 1),
        certificate=certificate,
        experience_md=f"{mark} experience",
        own_part_md="",
    )
    submit_claim(user, claim)

    thread = start_thread(user, cohort, None, title=f"{mark} thread title", body_md=f"{mark} opening post")
    reply = reply_to_thread(user, thread, body_md=f"{mark} reply post")
    booking.book_session(user, session)
    note = notify(user.id, kind="idor_test", title=f"{mark} notification", body=f"{mark} notification body")
    log = log_study(user, studied_on=date.today(), minutes=30, module_code=MODULE, note=f"{mark} study log")  # noqa: DTZ011
    db.session.flush()
    version = picture.current
    # A passkey row as registration leaves it (the removal page never checks the key itself).
    passkey = Passkey(
        user_id=user.id, credential_id=f"{mark}-credential", public_key=b"key", name=f"{mark} passkey"
    )
    db.session.add(passkey)
    db.session.flush()
    return Objects(
        user_id=user.id,
        email=user.email,
        cohort_id=cohort.id,
        session_id=session.id,
        item_id=account.id,
        file_item_id=picture.id,
        file_version_id=version.id,
        file_sha256=version.blob_sha256,
        submission_id=submission.id,
        draft_id=kept.draft.id,
        recovery_id=kept.conflict.id,
        quiz_attempt_id=attempt.id,
        claim_id=claim.id,
        thread_id=thread.id,
        post_id=reply.id,
        notification_id=note.id,
        study_log_id=log.id,
        passkey_id=passkey.id,
        forum_ids=[thread.forum_id],
    )


def build_world(app) -> World:
    """Both cohorts, their people, and one of every object for A (cohort 1) and B (cohort 2); committed."""
    load_demo_data(app)
    make_user(app, B_EMAIL, name="Bea Zqxbravo", roles=(Role.CANDIDATE,), password=DEMO_PASSWORD)
    make_user(app, ASSESSOR_2, name="Ari Zqxbravo", roles=(Role.ASSESSOR,), password=DEMO_PASSWORD)
    with app.app_context():
        leader = _user(LEADER)
        cohort1 = db.session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT))
        cohort1.choice_deadline = date.today() + timedelta(days=60)  # noqa: DTZ011
        cohort2 = another_certificate_cohort(leader, "Zqxbravo Certificate cohort two")
        b = _user(B_EMAIL)
        member = CohortMember(
            cohort_id=cohort2.id, user_id=b.id, role=MemberRole.CANDIDATE, school="Zqxbravo High"
        )
        db.session.add(member)
        db.session.flush()
        sync_enrolments(member)
        invite_candidate(
            leader,
            cohort2,
            name="Cal Zqxbravo",
            email="zqxbravo.other@otherschool.example",
            school="Zqxbravo High",
        )
        add_staff(leader, cohort2, _user(ASSESSOR_2), MemberRole.ASSESSOR)
        db.session.flush()
        allocate_evenly(leader, cohort2)
        start = datetime.combine(date.today() + timedelta(days=30), time(16, 30), tzinfo=UK)  # noqa: DTZ011
        sessions = [
            add_session(
                leader,
                cohort,
                kind=SessionKind.TWILIGHT,
                title=title,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                place=f"{title} room",
                link=None,
                capacity=20,
                module_codes=[MODULE],
            )
            for cohort, title in ((cohort1, "Alpha twilight session"), (cohort2, "Zqxbravo twilight session"))
        ]
        a_objects = _give_objects(_user(A_EMAIL), cohort1, sessions[0], A_MARK, seed=1)
        b_objects = _give_objects(b, cohort2, sessions[1], MARKER, seed=2)
        add_assessment_objects(leader, (a_objects, ASSESSOR_1, A_MARK), (b_objects, ASSESSOR_2, MARKER))
        add_workplace_objects(a_objects, ASSESSOR_1, A_MARK, family=FAMILY, module=MODULE)
        add_workplace_objects(b_objects, ASSESSOR_2, MARKER, family=FAMILY, module=MODULE)
        add_deadline_objects(leader, (a_objects, A_MARK), (b_objects, MARKER))
        add_certificate_objects(leader, (a_objects, A_MARK), (b_objects, MARKER))
        db.session.commit()
        content = _content_ids()
        db.session.commit()
    return World(a_objects, b_objects, content)


def _content_ids() -> dict[str, object]:
    from modules.catalogue.models import AssessmentCriterion, LearningOutcome
    from qualification.versions.models import Award, OptionGroup

    version = find_version("CCQ")
    reflection, quiz = _activity(ActivityKind.REFLECTION), _activity(ActivityKind.QUIZ)
    link = next(m for m in version.module_links if m.code == MODULE)
    outcome = db.session.scalar(
        select(LearningOutcome)
        .where(LearningOutcome.module_id == link.module_id)
        .order_by(LearningOutcome.id)
    )
    criterion = db.session.scalar(
        select(AssessmentCriterion)
        .where(AssessmentCriterion.outcome_id == outcome.id)
        .order_by(AssessmentCriterion.id)
    )
    award = db.session.scalar(select(Award).where(Award.version_id == version.id, Award.code == "CERT"))
    group = db.session.scalar(
        select(OptionGroup).where(OptionGroup.award_id == award.id).order_by(OptionGroup.id)
    )
    # A picture attached to a lesson of the module: shared content of everyone studying it.
    lesson = _activity(ActivityKind.LESSON)
    picture = attach_file(_user(LEADER), lesson, io.BytesIO(tiny_png(77)), "diagram.png")
    return {
        "family": FAMILY,
        "module": MODULE,
        "qualification": "CCQ",
        "number": version.number,
        "award": "CERT",
        "reflection": reflection.id,
        "quiz": quiz.id,
        "question": quiz.questions[0].id,
        "section": reflection.section_id,
        "outcome": outcome.id,
        "criterion": criterion.id,
        "group": group.id if group else 999999,
        "lesson": lesson.id,
        "activity_file": picture.id,
    }

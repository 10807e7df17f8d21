"""The candidate's home page tells the truth: what is left (modules achieved, submitted or claimed by prior
learning are not work left, and "Tonight" never points into one), what waits for whom, and the deadlines (the
option choice, with a reminder until an option is chosen; the sessions they booked). Every count is checked
against the rows the real services wrote."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select, update

from assessors.decisions.services import release_decision
from assessors.marking.models import VACS, Assessment
from assessors.marking.services import complete_marking, start_claim_marking
from core.db.timeutil import uk_today
from core.extensions import db
from modules.study.models import ModuleEnrolment
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.apl.services import draft_claim, submit_claim
from portfolio.submissions.models import Submission, SubmissionStatus
from qualification.booking.models import BookingStatus, SessionBooking
from qualification.cohorts.models import Cohort, CohortMember, CohortSession
from qualification.pathway.models import PathwayChoice
from qualification.results.models import ModuleResult
from tests.support.demo import demo_fixture
from tests.support.html import forms_of, page_text, press, signed_in
from tests.support.marking import (
    assessment_id_of,
    judge,
    judgement,
    load_marking_demo,
    release_all,
    start_marking,
    submit_m01,
)
from tests.support.people import CHRIS, JO, TOM, person, user_id
from tests.support.quality import save_all_met

demo = demo_fixture(load_marking_demo)


def claim_module(app, email: str, code: str) -> int:
    """The candidate claims the whole module by prior learning and sends the claim; returns its id."""
    with app.test_request_context():
        candidate = person(email)
        cohort_id = db.session.scalar(select(Cohort.id).order_by(Cohort.id).limit(1))
        claim = draft_claim(
            candidate,
            cohort_id=cohort_id,
            module_code=code,
            scope="module",
            awarding_body="OCR",
            certificate_title=f"Diploma covering {code}",
            certificate_level=6,
            certificate_credits=15,
            awarded_on=date(2024, 7, 1),
        )
        submit_claim(candidate, claim)
        db.session.commit()
        return claim.id


def accept_claim(app, assessor_email: str, claim_id: int) -> None:
    """The allocated assessor accepts the claim in full (VACS with reasons) and releases the decision."""
    with app.test_request_context():
        assessor = person(assessor_email)
        assessment = start_claim_marking(assessor, db.session.get(AplClaim, claim_id))
        save_all_met(
            assessor,
            assessment,
            decision="accepted",
            feedback_md="The diploma covers the module.",
            vacs_notes={v: f"Checked: {v}." for v in VACS},
        )
        complete_marking(assessor, assessment, expected_version=assessment.version)
        db.session.commit()
        release_decision(assessor, db.session.get(Assessment, assessment.id))
        db.session.commit()


def section(text: str, heading: str, next_heading: str | None = None) -> str:
    """The words of a panel from its heading up to the next one."""
    start = text.index(heading)
    end = text.index(next_heading, start) if next_heading else len(text)
    return text[start:end]


def test_modules_achieved_by_apl_or_submitted_are_not_work_left_and_never_tonight(demo):
    app = demo
    jo = signed_in(app, JO)
    before = page_text(jo.get("/"))
    left = section(before, "What is left", "Waiting")
    for code in ("M01", "M02", "M03"):
        assert code in left
    assert "Nothing of yours is waiting for assessment." in before

    # The story: prior learning accepted for M02 and M03, M01 submitted.
    for code in ("M02", "M03"):
        accept_claim(app, TOM, claim_module(app, JO, code))
    submit_m01(app, jo)

    home = page_text(jo.get("/"))
    study = section(home, "Your study", "Waiting")
    left = section(study, "What is left", "No study left") if "What is left" in study else ""
    done = section(study, "No study left")
    for code in ("M01", "M02", "M03"):
        assert code not in left
        assert not re.search(rf"Tonight: .*{code}\)", study)
    assert "M02 Planning and Organising CEIAG Provision : achieved by prior learning (APL)" in done
    assert (
        "M03 Pathways, Progression and Careers Information (14-19) : achieved by prior learning (APL)" in done
    )
    assert "M01 Communicating and Working with Others in CEIAG : submitted for assessment (attempt 1)" in done
    assert "0 of 15" not in home  # M02 is no longer shown as 15 activities to do
    jo_id = user_id(app, JO)
    with app.app_context():
        achieved = db.session.scalars(
            select(ModuleResult.module_code).where(
                ModuleResult.candidate_id == jo_id, ModuleResult.revoked_at.is_(None)
            )
        ).all()
        submitted = db.session.scalars(
            select(Submission.module_code).where(
                Submission.candidate_id == jo_id, Submission.status == SubmissionStatus.SUBMITTED
            )
        ).all()
        active = db.session.scalars(
            select(ModuleEnrolment.module_code).where(
                ModuleEnrolment.candidate_id == jo_id, ModuleEnrolment.status == "active"
            )
        ).all()
    assert sorted(achieved) == ["M02", "M03"]
    assert submitted == ["M01"]
    # Every active module is either left to do or has the reason it is not, and nothing twice.
    closed = set(achieved) | set(submitted)
    assert done.count(" : ") == len(closed)
    assert sorted(c for c in active if c not in closed) == [c for c in ("M04",) if c in left]

    # What waits for whom: the submitted attempt, with Jo's assessor, counted as the rows.
    waiting = section(home, "Waiting", "Your cohort")
    assert f"{len(submitted)} piece of your work waits for assessment" in waiting
    assert "M01, attempt 1" in waiting
    assert "with Tom Okafor, your assessor" in waiting

    # The planner never plans an evening in those modules either.
    planner = page_text(jo.get("/study/planner?minutes=600"))
    assert not re.search(r"\((?:[^)]*, )?(M01|M02|M03)\)", planner.split("Log study time")[0])


def test_a_claim_waiting_is_shown_with_the_assessor_and_counted(demo):
    app = demo
    jo = signed_in(app, JO)
    claim_id = claim_module(app, JO, "M02")
    home = page_text(jo.get("/"))
    jo_id = user_id(app, JO)
    with app.app_context():
        waiting = db.session.scalar(
            select(func.count(AplClaim.id)).where(
                AplClaim.candidate_id == jo_id, AplClaim.status == AplStatus.SUBMITTED
            )
        ) + db.session.scalar(
            select(func.count(Submission.id)).where(
                Submission.candidate_id == jo_id, Submission.status == SubmissionStatus.SUBMITTED
            )
        )
    assert waiting == 1
    assert "1 piece of your work waits for assessment" in home
    assert "M02 prior learning (APL) claim on the whole module" in home
    assert "with Tom Okafor, your assessor" in home
    # The whole module is claimed: no study is left in it while the claim waits, and it is not tonight's work.
    assert "M02 Planning and Organising CEIAG Provision : claimed by prior learning (APL): waiting" in home
    assert not re.search(r"Tonight: .*M02\)", home)
    assert f'href="/portfolio/apl/{claim_id}"' in jo.get("/").get_data(as_text=True)


def test_chris_is_reminded_to_choose_his_option_until_he_has_or_the_deadline_has_passed(demo):
    app = demo
    chris, jo = signed_in(app, CHRIS), signed_in(app, JO)
    ids = {email: user_id(app, email) for email in (CHRIS, JO)}
    with app.app_context():
        cohort = db.session.scalar(select(Cohort).order_by(Cohort.id).limit(1))
        deadline, cohort_id = cohort.choice_deadline, cohort.id
        chosen = {
            email: db.session.scalar(
                select(func.count(PathwayChoice.id))
                .join(CohortMember, CohortMember.id == PathwayChoice.member_id)
                .where(CohortMember.user_id == ids[email])
            )
            for email in (CHRIS, JO)
        }
    assert chosen == {CHRIS: 0, JO: 1}
    reminder = f"Choose your optional modules by {deadline:%-d %B %Y} : you have not chosen them yet"
    assert reminder in page_text(chris.get("/"))
    assert "Choose your optional modules" not in page_text(jo.get("/"))

    # Chris chooses M05 on his pathway page: the reminder goes.
    page = chris.get(f"/cohorts/{cohort_id}/pathway")
    press(chris, page, "Save my choice", {"modules": ["M05"]})
    assert "Choose your optional modules" not in page_text(chris.get("/"))

    # Without a choice but past the deadline there is nothing left to remind of (the deadline shows as past).
    with app.app_context():
        db.session.execute(
            update(Cohort)
            .where(Cohort.id == cohort_id)
            .values(choice_deadline=uk_today() - timedelta(days=1))
        )
        db.session.execute(PathwayChoice.__table__.delete())
        db.session.commit()
    home = page_text(chris.get("/"))
    assert "Choose your optional modules" not in home
    assert "options could be changed until" in home


def test_booked_sessions_are_listed_as_the_rows_say(demo):
    app = demo
    jo = signed_in(app, JO)
    assert "You have no sessions booked." in page_text(jo.get("/"))
    with app.app_context():
        cohort_id = db.session.scalar(select(Cohort.id).order_by(Cohort.id).limit(1))
        session = db.session.scalar(
            select(CohortSession)
            .where(CohortSession.cohort_id == cohort_id, CohortSession.ends_at >= db.func.now())
            .order_by(CohortSession.starts_at.desc())
            .limit(1)
        )
        title, session_id = session.title, session.id
    page = jo.get(f"/cohorts/{cohort_id}")
    action = f"/cohorts/{cohort_id}/sessions/{session_id}/book"
    form = next(f for f in forms_of(page) if f.action == action)
    jo.post(action, data=form.data("Book a place"))
    home = page_text(jo.get("/"))
    jo_id = user_id(app, JO)
    with app.app_context():
        booked = db.session.scalars(
            select(CohortSession.title)
            .join(SessionBooking, SessionBooking.session_id == CohortSession.id)
            .where(SessionBooking.candidate_id == jo_id, SessionBooking.status == BookingStatus.BOOKED)
        ).all()
    assert booked == [title]
    booked_part = section(home, "Sessions you booked")
    assert title in booked_part
    assert "You have no sessions booked." not in home


def _attempts(app, candidate_id: int) -> dict[str, list[tuple[int, int, str]]]:
    """status -> [(submission id, attempt, module)] of the candidate's attempts, from the rows."""
    with app.app_context():
        rows = db.session.execute(
            select(Submission.status, Submission.id, Submission.attempt, Submission.module_code)
            .where(Submission.candidate_id == candidate_id)
            .order_by(Submission.id)
        ).all()
    found: dict[str, list[tuple[int, int, str]]] = {}
    for status, *rest in rows:
        found.setdefault(status, []).append(tuple(rest))
    return found


def test_a_referred_module_waits_for_the_candidate_with_what_to_do(demo):
    """Issue 11: a referral came back. The home page said nothing of it (the attempt was neither waiting for
    assessment nor shown anywhere else); it must say the module waits for her, with the feedback and the
    way to fill the gaps and resubmit."""
    app = demo
    jo, tom = signed_in(app, JO), signed_in(app, TOM)
    submission_id = submit_m01(app, jo)
    start_marking(tom, submission_id)
    action = "Add a record of an observed conversation."
    changes = judgement(decision="referred", not_met=("M01.1.1",), action=action)
    judge(tom, assessment_id_of(app, submission_id), "Complete marking", changes)
    release_all(tom)

    jo_id = user_id(app, JO)
    rows = _attempts(app, jo_id)
    assert rows == {"referred": [(submission_id, 1, "M01")]}
    response = jo.get("/")
    home = page_text(response)
    mine = section(home, "Waiting for you", "Your cohort")
    # Counted as the rows: one referred attempt, nothing waiting for the assessor.
    assert f"{len(rows['referred'])} piece of your work waits for you" in mine
    assert "M01, attempt 1: referred, not yet achieved." in mine
    assert "Nothing of yours is waiting for assessment." in home
    assert "submitted for assessment" not in home
    html = response.get_data(as_text=True)
    feedback = f"/assessors/submissions/{submission_id}/assessment"
    for link in (feedback, "/portfolio/modules/CCQ/M01", "/portfolio/submissions/new/CCQ/M01"):
        assert f'href="{link}"' in html
    # The feedback link leads to the decision and what to do next.
    read = page_text(jo.get(feedback, follow_redirects=True))
    assert "Decision: Referred for resubmission" in read
    assert action in read

    # She resubmits: attempt 2 waits for Tom, and nothing waits for her any more.
    submit_m01(app, jo, "Observed conversation notes", refs=("M01.1.1",))
    rows = _attempts(app, jo_id)
    assert [a for _, a, _ in rows["submitted"]] == [2]
    home = page_text(jo.get("/"))
    assert "Waiting for you" not in home
    assert f"{len(rows['submitted'])} piece of your work waits for assessment" in home
    assert "M01, attempt 2" in home


def test_a_withdrawn_resubmission_leaves_the_referral_waiting_for_the_candidate(demo):
    app = demo
    jo, tom = signed_in(app, JO), signed_in(app, TOM)
    first = submit_m01(app, jo)
    start_marking(tom, first)
    changes = judgement(decision="referred", not_met=("M01.1.1",), action="Add an observation.")
    judge(tom, assessment_id_of(app, first), "Complete marking", changes)
    release_all(tom)
    second = submit_m01(app, jo, "Second try", refs=("M01.1.1",))
    page = jo.get(f"/portfolio/submissions/{second}")
    press(jo, page, "Withdraw this submission")

    rows = _attempts(app, user_id(app, JO))
    assert rows == {"referred": [(first, 1, "M01")], "withdrawn": [(second, 2, "M01")]}
    home = page_text(jo.get("/"))
    assert "1 piece of your work waits for you" in home
    assert "M01, attempt 1: referred, not yet achieved." in home
    assert "attempt 2" not in home

"""Shared by the marking tests: the demo, a submitted M01, and acting on the queue and judgement pages."""

from __future__ import annotations

import re

from sqlalchemy import select

from assessors.marking.models import Assessment
from assessors.quality.models import SamplingPlan
from core.extensions import db
from portfolio.submissions.models import Submission
from qualification.cohorts.models import Cohort
from tests.support.backing import account_refs_of, back_submission
from tests.support.demo import load_study_demo
from tests.support.evidence import add_evidence, item_id, map_to
from tests.support.html import forms_of, press
from tests.support.submissions import press_submit

M01_REFS = ["M01.1.1", "M01.1.2", "M01.1.3", "M01.2.1", "M01.2.2", "M01.3.1", "M01.3.2", "M01.4.1", "M01.4.2"]


def load_marking_demo(app, *, sampling: bool = False) -> None:
    """The study demo; unless `sampling`, a plan that samples nothing, so decisions go straight to release."""
    load_study_demo(app)
    if not sampling:
        sample_nothing(app)


def sample_nothing(app) -> None:
    """The demo cohort (the first) samples nothing: completed decisions go straight to ready for release."""
    with app.app_context():
        cohort = db.session.scalars(select(Cohort).order_by(Cohort.id).limit(1)).one()
        db.session.add(
            SamplingPlan(
                cohort_id=cohort.id,
                base_percent=0,
                first_decisions=0,
                all_apl=False,
                all_referrals=False,
                all_trainees=False,
            )
        )
        db.session.commit()


def submit_m01(
    app, jo, title: str = "Referral write-up", *, refs=None, code: str = "M01", backed: bool = True
) -> int:
    """As the candidate: add an item, map it (by default to every criterion an account can show), submit the
    module; returns the new submission's id. Unless `backed` is false, the assessor then signs off or
    observes the criteria an account cannot show, so that every criterion can be judged met."""
    add_evidence(jo, title=title, body_md=f"{title}: **what I did** with the PA.", anonymised="y")
    if refs is None:
        refs = account_refs_of(app, item_id(app, title), code)
    for ref in refs:
        map_to(jo, item_id(app, title), f"CCQ/{ref}")
    page = jo.get(f"/portfolio/submissions/new/CCQ/{code}")
    assert page.status_code == 200
    # The criteria an account cannot show are empty: the candidate confirms submitting with them empty.
    response = press_submit(jo, page, code, {"statement": "Please judge it."}, follow=False)
    match = re.fullmatch(r"/portfolio/submissions/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    if backed:
        back_submission(app, int(match.group(1)))
    return int(match.group(1))


def send_apl_claim(app, jo) -> int:
    """As the candidate: claim M02.1.1 by prior learning (a diploma) on the claim form; returns its id."""
    with app.app_context():
        cohort = db.session.scalar(select(Cohort.id))
    page = jo.get(f"/portfolio/apl/new/{cohort}/M02")
    changes = {
        "scope": "criteria",
        "criteria": ["M02.1.1"],
        "certificate_title": "Diploma",
        "awarding_body": "OCR",
    }
    sent = press(jo, page, "Send to my assessor", changes, follow=False)
    return int(sent.headers["Location"].rsplit("/", 1)[1])


def start_form(page, action: str):
    """The queue row's form that posts to this action (each waiting row has its own Start button)."""
    found = [f for f in forms_of(page) if f.action == action]
    assert found, f"no form posting to {action}"
    return found[0]


def start_marking(client, submission_id: int, *, follow: bool = True):
    """On the queue, press the Start marking button of this submission."""
    queue = client.get("/assessors/queue")
    form = start_form(queue, f"/assessors/submissions/{submission_id}/start")
    label = form.buttons[0][0]
    assert label.startswith("Start marking"), label
    return client.post(form.action, data=form.data(label), follow_redirects=follow)


def release_all(client):
    """On the Ready for release page, tick every decision and press Release selected."""
    page = client.get("/assessors/release")
    ticked = re.findall(r'name="assessment" value="(\d+)"', page.get_data(as_text=True))
    return press(client, page, "Release selected", {"assessment": ticked}, follow=True)


def assessment_id_of(app, submission_id: int) -> int | None:
    with app.app_context():
        return db.session.scalar(select(Assessment.id).where(Assessment.submission_id == submission_id))


def assessment_row(app, assessment_id: int) -> dict:
    with app.app_context():
        a = db.session.get(Assessment, assessment_id)
        return {
            "status": a.status,
            "decision": a.decision,
            "version": a.version,
            "feedback_md": a.feedback_md,
            "outcomes": {j.criterion_ref: j.outcome for j in a.judgements},
            "comments": {j.criterion_ref: j.comment for j in a.judgements},
        }


def submission_status(app, submission_id: int) -> str:
    with app.app_context():
        return db.session.get(Submission, submission_id).status


def judgement(
    outcome: str = "met",
    *,
    decision: str = "achieved",
    feedback: str = "A **clear** portfolio.",
    action: str = "",
    not_met=(),
    refs=None,
) -> dict:
    """What the assessor fills in on the judgement form."""
    refs = refs or M01_REFS
    changes = {f"outcome-{ref}": ("not_yet_met" if ref in not_met else outcome) for ref in refs}
    changes.update({f"comment-{ref}": f"Comment on {ref}." for ref in refs})
    changes.update({f"vacs_{name}": "yes" for name in ("valid", "authentic", "current", "sufficient")})
    changes.update({"feedback_md": feedback, "decision": decision, "action_md": action})
    return changes


def criteria_on(html: str) -> list[str]:
    """The criterion refs of a judgement form, from its radio buttons."""
    return sorted(set(re.findall(r'name="outcome-([^"]+)"', html)))


def judge(client, assessment_id: int, button: str, changes: dict, *, follow: bool = False, page=None):
    """Open the judgement page (or use the one given) and press Save draft or Complete marking."""
    page = page or client.get(f"/assessors/assessments/{assessment_id}")
    assert page.status_code == 200
    return press(client, page, button, changes, follow=follow)


def withdraw(app, submission_id: int) -> None:
    """An attempt withdrawn while being marked: the service now refuses that (test_lead_rules), so this is
    data from before the lock existed; the marking services must still refuse to act on it."""
    with app.app_context():
        db.session.get(Submission, submission_id).status = "withdrawn"
        db.session.commit()

"""A candidate choosing their optional modules on the pathway page: checking, saving, changing, the deadline,
and who may not use the page."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.accounts.models import User
from core.audit.models import AuditEvent
from core.extensions import db
from modules.study.models import ModuleEnrolment
from qualification.cohorts.models import Cohort, CohortMember
from qualification.pathway.models import PathwayChoice
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.html import csrf_from, forms_of, has_button, login, page_text, press, signed_in_fixture
from tests.support.people import CHRIS, DEMO_PASSWORD, JO, LEADER, TOM

CHECK = "Check my choice"
SAVE = "Save my choice"
COMPULSORY = {"M01", "M02", "M03"}


demo = demo_fixture(load_study_demo)


@pytest.fixture
def url(demo):
    with demo.app_context():
        return f"/cohorts/{db.session.scalars(select(Cohort.id)).one()}/pathway"


chris = signed_in_fixture(CHRIS)


def _state(app, email=CHRIS):
    """(chosen options, {module: enrolment status}, [(before, after) of each pathway_chosen audit row])."""
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        member_id = db.session.scalar(select(CohortMember.id).where(CohortMember.user_id == user_id))
        chosen = list(
            db.session.scalars(
                select(PathwayChoice.module_code)
                .where(PathwayChoice.member_id == member_id)
                .order_by(PathwayChoice.position)
            )
        )
        enrolments = {
            e.module_code: e.status
            for e in db.session.scalars(
                select(ModuleEnrolment).where(ModuleEnrolment.candidate_id == user_id)
            )
        }
        audit = []
        for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "pathway_chosen").order_by(AuditEvent.seq)
        ):
            details = json.loads(event.details_json)
            if details["member_id"] == member_id:
                assert (event.actor_id, event.actor_role, event.object_type) == (
                    user_id,
                    "candidate",
                    "Cohort",
                )
                audit.append((details["before"], details["after"]))
        return chosen, enrolments, audit


def _ticked(page) -> set[str]:
    form = next(f for f in forms_of(page) if any(b[0] == SAVE for b in f.buttons))
    return {value for name, value in form.fields if name == "modules"}


def _choose(client, url, button, modules, **kw):
    return press(client, client.get(url), button, {"modules": modules}, **kw)


def test_candidate_without_options_can_see_what_to_choose(chris, url):
    page = chris.get(url)
    assert page.status_code == 200
    text = page_text(page)
    assert "Your modules for the Professional Certificate in Careers Coordination" in text
    assert "Not complete yet" in text
    assert "Choose 15 more credits from: M04, M05." in text
    assert "45 of 60 credits: M01, M02, M03." in text
    assert _ticked(page) == set()
    assert has_button(page, CHECK)
    assert has_button(page, SAVE)


def test_candidate_can_check_a_choice_without_saving_it(chris, demo, url):
    before = _state(demo)
    assert before == ([], dict.fromkeys(COMPULSORY, "active"), [])

    checked = _choose(chris, url, CHECK, ["M04", "M05"])
    assert checked.status_code == 200
    text = page_text(checked)
    assert "Not complete yet" in text
    assert "You have chosen 30 credits; this group allows at most 15. Remove one of M04, M05." in text
    assert "Your modules add up to 75 credits; the award needs exactly 60." in text
    assert "Your choice of modules is saved" not in text
    assert _ticked(checked) == {"M04", "M05"}  # the proposal is shown back, to adjust
    assert _state(demo) == before

    fits = _choose(chris, url, CHECK, ["M05"])
    assert "Complete Your choice meets the rules: 60 credits." in page_text(fits)
    assert _state(demo) == before


def test_candidate_can_save_a_choice_and_change_it_later(chris, demo, url):
    saved = _choose(chris, url, SAVE, ["M05"])
    assert saved.status_code == 200
    assert saved.request.path == url
    text = page_text(saved)
    assert "Your choice of modules is saved. Your modules are on your home page." in text
    assert "Complete Your choice meets the rules: 60 credits." in text
    assert _ticked(saved) == {"M05"}
    chosen, enrolments, audit = _state(demo)
    assert chosen == ["M05"]
    assert enrolments == {**dict.fromkeys(COMPULSORY, "active"), "M05": "active"}
    assert audit == [([], ["M05"])]
    with demo.app_context():
        m05 = db.session.scalar(select(ModuleEnrolment).where(ModuleEnrolment.module_code == "M05"))
        assert m05.cohort_id == db.session.scalars(select(Cohort.id)).one()
    assert "M05 Work-Related Learning, Work Experience and Enterprise" in page_text(chris.get("/"))

    changed = _choose(chris, url, SAVE, ["M04"])
    assert "Your choice of modules is saved." in page_text(changed)
    assert _ticked(changed) == {"M04"}
    chosen, enrolments, audit = _state(demo)
    assert chosen == ["M04"]
    assert enrolments == {**dict.fromkeys(COMPULSORY, "active"), "M04": "active", "M05": "withdrawn"}
    assert audit == [([], ["M05"]), (["M05"], ["M04"])]
    home = page_text(chris.get("/"))
    assert "M04 Teaching and Learning in Careers Education" in home
    assert "M05 Work-Related Learning" not in home
    assert chris.get("/study/CCQ/M05").status_code == 404


def test_candidate_cannot_save_a_choice_that_breaks_the_rules(chris, demo, url):
    _choose(chris, url, SAVE, ["M05"])
    before = _state(demo)

    refused = _choose(chris, url, SAVE, ["M04", "M05"])
    assert refused.status_code == 422
    text = page_text(refused)
    assert "Your choice of modules is saved" not in text
    assert "Remove one of M04, M05." in text
    assert "Not complete yet" in text
    assert _state(demo) == before

    nothing = _choose(chris, url, SAVE, [])
    assert nothing.status_code == 422
    assert "Choose 15 more credits from: M04, M05." in page_text(nothing)
    assert _state(demo) == before


def test_candidate_cannot_change_options_after_the_deadline(chris, demo, url):
    deadline = date.today() - timedelta(days=1)  # noqa: DTZ011 - the view compares with date.today()
    with demo.app_context():
        db.session.scalars(select(Cohort)).one().choice_deadline = deadline
        db.session.commit()
    before = _state(demo)

    page = chris.get(url)
    assert page.status_code == 200
    assert "The deadline for changing options has passed. Ask your course leader if you need a change." in (
        page_text(page)
    )
    assert not has_button(page, SAVE)
    assert not has_button(page, CHECK)

    token = csrf_from(page.get_data(as_text=True))
    forged = chris.post(url, data={"csrf_token": token, "modules": "M05", "action": "save"})
    assert forged.status_code == 409
    when = f"{deadline.day} {deadline:%B %Y}"
    assert (
        f"Options could be changed until {when}. Ask your course leader if you need to change them now."
        in (page_text(forged))
    )
    assert _state(demo) == before


@pytest.mark.parametrize("email", [LEADER, TOM])
def test_staff_cannot_use_the_pathway_page(client, demo, url, email):
    login(client, email, DEMO_PASSWORD)
    assert client.get(url).status_code == 404
    token = csrf_from(client.get("/account").get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, "modules": "M05", "action": "save"}).status_code == 404
    assert _state(demo) == ([], dict.fromkeys(COMPULSORY, "active"), [])


def test_candidate_cannot_change_someone_elses_options(client, demo, url):
    # Jo can only ever change her own choice: the page and the POST act on the signed-in member.
    login(client, JO, DEMO_PASSWORD)
    _choose(client, url, SAVE, ["M05"])
    assert _state(demo, JO)[0] == ["M05"]
    assert _state(demo) == ([], dict.fromkeys(COMPULSORY, "active"), [])


def test_a_refused_save_says_not_saved_and_each_problem_once_per_place(chris, demo, url):
    refused = _choose(chris, url, SAVE, ["M04", "M05"])
    assert refused.status_code == 422
    text = page_text(refused)
    assert "Your choice is not saved: it does not meet the award's rules yet." in text
    # Once in the summary of what to sort out, once at the group it concerns; not a third time.
    assert text.count("Remove one of M04, M05.") == 2
    assert text.count("Your modules add up to 75 credits; the award needs exactly 60.") == 1
    assert _ticked(refused) == {"M04", "M05"}  # the choice is kept, to adjust

    checked = page_text(_choose(chris, url, CHECK, ["M05"]))
    assert "Checked, not saved: press “Save my choice” to keep it." in checked
    assert "Your choice is not saved" not in checked

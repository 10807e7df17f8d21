"""Course leaders edit the awards (tiers) of a draft and see at once, in words, whether their rules add up."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from core.accounts.models import Role, User
from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.errors import InvalidTransition
from core.extensions import db
from qualification.awards.services import update_award
from qualification.demo import DEMO_SPEC
from qualification.versions.queries import find_version
from qualification.versions.services import problems_for_publishing
from tests.support.html import csrf_from, forms_by_action, login, page_text, send_form
from tests.support.people import make_user

CERT = "/qualifications/CCQ/v1/awards/CERT"
PGCERT = "/qualifications/CCQ/v1/awards/PGCERT"


@pytest.fixture
def draft(runner):
    result = runner.invoke(args=["qualification", "import", str(DEMO_SPEC)])
    assert result.exit_code == 0, result.output
    assert "CCQ version 1 (draft)" in result.output


@pytest.fixture
def leader(app, course_leader, client, draft):
    login(client, course_leader.email)
    return course_leader


def submit(client, page: str, action: str, changes: dict, *, follow: bool = True):
    """Send the form for `action` on `page` and follow where it leads."""
    return send_form(client, page, action, changes, follow=follow)


def _award(app, code: str, number: int = 1):
    with app.app_context():
        version = find_version("CCQ", number)
        award = next(a for a in version.awards if a.code == code)
        return {
            "title": award.title,
            "credits": award.credits,
            "version": award.version,
            "compulsory": award.codes("compulsory"),
            "includes": award.codes("includes"),
            "progression": award.codes("progression"),
            "groups": [(g.title, g.min_credits, g.max_credits, g.module_codes) for g in award.option_groups],
        }


def _events(app) -> list[tuple[str, dict]]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "Award").order_by(AuditEvent.seq)
        )
        return [(row.action, details_of(row)) for row in rows]


def test_course_leader_can_change_credits_and_sees_at_once_whether_rules_add_up(client, leader, app):
    page = client.get(CERT).get_data(as_text=True)
    assert 'role="status"' in page
    assert "Rules add up: for example, M01, M02, M03 and M04 give exactly 60 credits." in page
    assert "M01 Communicating and Working with Others in CEIAG (15 credits)" in page
    assert "60 credits (600 notional hours, 30 ECTS)" in page

    page = submit(client, CERT, CERT + "/details", {"details-credits": "75"}).get_data(as_text=True)
    assert "CERT saved." in page
    assert "75 credits (750 notional hours, 37.5 ECTS)" in page
    assert (
        "Cannot be satisfied: Compulsory modules give 45 credits and the option group always adds 15, "
        "so the total is always 60, not 75." in page
    )
    assert "cannot be published until its rules add up" in page

    extra = {"newgroup-title": "Leadership option", "newgroup-min_credits": "15"}
    extra |= {"newgroup-max_credits": "15", "newgroup-modules": ["M06"]}
    page = submit(client, CERT, CERT + "/groups", extra).get_data(as_text=True)
    assert "Option group &#39;Leadership option&#39; added to CERT." in page
    assert "Rules add up: for example, M01, M02, M03, M04 and M06 give exactly 75 credits." in page

    new_group = _award(app, "CERT")["groups"]
    assert new_group[1] == ("Leadership option", 15, 15, ["M06"])
    with app.app_context():
        group_id = next(a for a in find_version("CCQ", 1).awards if a.code == "CERT").option_groups[1].id
    page = submit(client, CERT, f"{CERT}/groups/{group_id}/delete", {}).get_data(as_text=True)
    assert "Option group deleted." in page
    assert "Cannot be satisfied" in page

    with app.app_context():
        first_id = next(a for a in find_version("CCQ", 1).awards if a.code == "CERT").option_groups[0].id
    widened = {f"group{first_id}-max_credits": "30"}
    page = submit(client, CERT, f"{CERT}/groups/{first_id}", widened).get_data(as_text=True)
    assert "Option group &#39;One option&#39; saved." in page
    assert "Rules add up: for example, M01, M02, M03, M04 and M05 give exactly 75 credits." in page

    cert = _award(app, "CERT")
    assert cert["credits"] == 75
    assert cert["groups"] == [("One option", 15, 30, ["M04", "M05"])]
    assert [action for action, _ in _events(app)] == [
        "award_changed",
        "option_group_added",
        "option_group_deleted",
        "option_group_changed",
    ]
    events = dict(_events(app))
    assert events["award_changed"]["before"] == {"credits": 60}
    assert events["award_changed"]["after"] == {"credits": 75}
    assert events["option_group_added"]["before"] is None
    assert events["option_group_added"]["after"]["modules"] == ["M06"]
    assert events["option_group_deleted"]["before"]["title"] == "Leadership option"
    assert events["option_group_changed"]["before"]["max_credits"] == 15
    assert events["option_group_changed"]["after"]["max_credits"] == 30


def test_course_leader_cannot_make_a_module_both_compulsory_and_optional(client, leader, app):
    response = submit(
        client, CERT, CERT + "/compulsory", {"compulsory-modules": ["M01", "M02", "M03", "M04"]}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "M04 is in the option group &#39;One option&#39; of this award" in page
    assert "compulsory or optional, not both" in page
    assert 'id="compulsory-modules-3" name="compulsory-modules" type="checkbox" value="M04"' in page

    group = {"newgroup-title": "More", "newgroup-min_credits": "15", "newgroup-max_credits": "15"}
    response = submit(client, CERT, CERT + "/groups", {**group, "newgroup-modules": ["M01", "M06"]})
    assert response.status_code == 422
    assert "M01 is compulsory in this award; a module is compulsory or optional, not both." in (
        response.get_data(as_text=True)
    )
    cert = _award(app, "CERT")
    assert cert["compulsory"] == ["M01", "M02", "M03"]
    assert len(cert["groups"]) == 1
    assert cert["version"] == 1
    assert _events(app) == []


def test_course_leader_can_set_compulsory_modules_in_the_versions_order(client, leader, app):
    page = submit(client, CERT, CERT + "/compulsory", {"compulsory-modules": ["M06", "M02", "M01"]})
    assert "Compulsory modules of CERT saved." in page.get_data(as_text=True)
    assert _award(app, "CERT")["compulsory"] == ["M01", "M02", "M06"]
    assert _events(app) == [
        (
            "award_compulsory_changed",
            {"award": "CERT", "before": ["M01", "M02", "M03"], "after": ["M01", "M02", "M06"]},
        )
    ]


def test_course_leader_cannot_make_awards_include_each_other(client, leader, app):
    response = submit(client, PGCERT, PGCERT + "/includes", {"includes-awards": ["MA"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        "PGCERT cannot include MA: that would make a loop, PGCERT includes MA, which includes PGCERT." in page
    )
    assert _award(app, "PGCERT")["includes"] == []
    assert _events(app) == []


def test_course_leader_can_set_includes_and_progression(client, leader, app):
    page = submit(client, CERT, CERT + "/progression", {"progression-awards": ["MA", "PGCERT"]})
    assert "Awards CERT leads on to saved." in page.get_data(as_text=True)
    page = submit(client, CERT, CERT + "/includes", {"includes-awards": ["PGCERT"]}).get_data(as_text=True)
    assert "Awards included in CERT saved." in page
    # Now CERT needs PGCERT's 60 credits as well as its own modules: far more than its 60.
    assert "Cannot be satisfied" in page
    cert = _award(app, "CERT")
    assert cert["progression"] == ["PGCERT", "MA"]
    assert cert["includes"] == ["PGCERT"]
    assert _events(app)[0][1] == {"award": "CERT", "before": ["PGCERT"], "after": ["PGCERT", "MA"]}

    forged = submit(client, CERT, CERT + "/progression", {"progression-awards": ["CERT"]})
    assert forged.status_code == 422
    assert "An award cannot lead to itself." in forged.get_data(as_text=True)


def test_course_leader_cannot_delete_an_award_others_need(client, leader, app):
    response = submit(client, PGCERT, PGCERT + "/delete", {})
    assert response.status_code == 409
    assert (
        "PGCERT cannot be deleted: MA includes it and CERT leads on to it. Remove it from those awards first."
        in response.get_data(as_text=True)
    )
    assert _award(app, "PGCERT")["title"] == "PG Certificate in Leading CEIAG"

    ma = "/qualifications/CCQ/v1/awards/MA"
    submit(client, PGCERT, PGCERT + "/progression", {"progression-awards": []})
    response = submit(client, ma, ma + "/delete", {}, follow=False)
    assert response.headers["Location"] == "/qualifications/CCQ/v1"
    assert "Award MA deleted." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get(ma).status_code == 404
    action, details = _events(app)[-1]
    assert action == "award_deleted"
    assert details["before"]["includes"] == ["PGCERT"]
    assert details["after"] is None


def test_course_leader_can_add_an_award(client, leader, app):
    new = "/qualifications/CCQ/v1/awards/new"
    fields = {"code": "dip", "title": "Diploma", "level": "6", "credits": "120"}
    response = submit(client, new, new, fields, follow=False)
    assert response.headers["Location"] == "/qualifications/CCQ/v1/awards/DIP"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Award DIP added. Now give it its modules." in page
    assert (
        "Cannot be satisfied: There are no compulsory modules and there are no option groups, "
        "so the total is always 0, not 120." in page
    )
    duplicate = submit(client, new, new, {**fields, "code": "CERT"})
    assert duplicate.status_code == 422
    assert "This version already has an award CERT." in duplicate.get_data(as_text=True)
    assert _events(app)[0][0] == "award_added"


def test_invalid_details_are_refused_and_the_typed_values_kept(client, leader, app):
    typed = {"details-title": "  ", "details-credits": "600", "details-apl_max_credits": "-1"}
    response = submit(client, CERT, CERT + "/details", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a title of up to 200 characters." in page
    assert "Enter a whole number of credits from 1 to 540." in page
    assert "Enter 0 to 540 credits" in page
    assert 'value="600"' in page
    assert _award(app, "CERT")["credits"] == 60
    response = submit(client, CERT, CERT + "/details", {"details-apl_max_credits": "61"})
    assert response.status_code == 422
    assert "Enter 0 to 60 credits: prior learning cannot count for more than the award&#39;s credits." in (
        response.get_data(as_text=True)
    )


def test_second_editor_gets_409_and_keeps_what_they_typed(client, leader, app):
    other = make_user(app, "leader2@uni.example", name="Sam Second", roles=(Role.COURSE_LEADER,))
    second = app.test_client()
    login(second, other.email)
    first_page = forms_by_action(client.get(CERT).get_data(as_text=True))
    second_page = forms_by_action(second.get(CERT).get_data(as_text=True))

    mine = first_page[CERT + "/details"].copy()
    mine["details-title"] = "Certificate in Careers Coordination"
    assert client.post(CERT + "/details", data=mine).status_code == 302
    theirs = second_page[CERT + "/details"].copy()
    theirs["details-title"] = "Professional Certificate (Careers)"
    response = second.post(CERT + "/details", data=theirs)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this award since you opened it" in page
    assert 'value="Professional Certificate (Careers)"' in page
    assert _award(app, "CERT")["title"] == "Certificate in Careers Coordination"

    # A change to rule rows alone bumps the award's version too, so a stale rules form is refused as well.
    stale = second_page[CERT + "/includes"].copy()
    assert second.post(CERT + "/includes", data=stale).status_code == 409
    assert [action for action, _ in _events(app)] == ["award_changed"]


def test_a_write_that_loses_the_race_is_refused_not_merged(app, draft, course_leader):
    with app.app_context():
        version = find_version("CCQ", 1)
        award = next(a for a in version.awards if a.code == "CERT")
        # Another request commits between this one's version check and its UPDATE.
        bump = "UPDATE awards SET version = version + 1, title = 'Theirs' WHERE id = :id"
        db.session.execute(text(bump), {"id": award.id})
        with pytest.raises(InvalidTransition, match="Someone else changed this award"):
            update_award(
                db.session.get(User, course_leader.id),
                version,
                "CERT",
                expected_version=1,
                title="Mine",
                level=6,
                credits=60,
                apl_max_credits=30,
            )
        db.session.rollback()


def test_forged_post_against_a_published_version_changes_nothing(client, leader, app, runner):
    assert runner.invoke(args=["qualification", "import", str(DEMO_SPEC), "--publish"]).exit_code == 0
    published = "/qualifications/CCQ/v2/awards/CERT"
    page = client.get(published).get_data(as_text=True)
    assert "Published versions never change; to change this award, start a new draft" in page
    assert "Save title, level and credits" not in page
    assert "Rules add up" in page
    token = csrf_from(page)
    forged = {"csrf_token": token, "details-version": "1", "details-title": "Forged"}
    forged |= {"details-level": "6", "details-credits": "60", "details-apl_max_credits": "0"}
    response = client.post(published + "/details", data=forged)
    assert response.status_code == 409
    assert "Published versions never change; start a new draft to change this award." in (
        response.get_data(as_text=True)
    )
    rules = {"csrf_token": token, "compulsory-version": "1", "compulsory-modules": ["M01"]}
    assert client.post(published + "/compulsory", data=rules).status_code == 409
    award = _award(app, "CERT", 2)
    assert award["title"] == "Professional Certificate in Careers Coordination"
    assert award["compulsory"] == ["M01", "M02", "M03"]
    assert _events(app) == []


def test_candidate_cannot_open_or_use_the_award_editor(client, candidate, app, draft):
    login(client, candidate.email)
    assert client.get(CERT).status_code == 403
    token = csrf_from(client.get("/account").get_data(as_text=True))
    response = client.post(CERT + "/details", data={"csrf_token": token, "details-title": "Mine"})
    assert response.status_code == 403
    assert _award(app, "CERT")["title"] == "Professional Certificate in Careers Coordination"


def test_only_a_draft_whose_awards_add_up_passes_the_publishing_check(client, leader, app):
    with app.app_context():
        assert problems_for_publishing(find_version("CCQ", 1)) == []
    submit(client, CERT, CERT + "/details", {"details-credits": "75"})
    with app.app_context():
        problems = problems_for_publishing(find_version("CCQ", 1))
    said = (
        "Award 'Professional Certificate in Careers Coordination': cannot be satisfied: Compulsory modules "
        "give 45 credits and the option group always adds 15, so the total is always 60, not 75."
    )
    assert problems == [said]
    # The course leader trying to publish is told by the award's name, not the document's path.
    response = submit(client, "/qualifications/CCQ/v1", "/qualifications/CCQ/v1/publish", {}, follow=False)
    shown = page_text(response)
    assert response.status_code == 422
    assert "This version cannot be published yet: 1 problem " in shown
    assert said in shown
    assert "awards[0]" not in response.get_data(as_text=True)
    with app.app_context():
        assert find_version("CCQ", 1).status == "draft"

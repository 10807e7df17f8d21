"""Course leaders edit a draft module's outcomes and criteria, add and remove modules; two editors at once."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from modules.catalogue.models import Module
from qualification.editor.services.modules import EditConflict, update_module
from qualification.versions.queries import find_version
from tests.support.editor import (
    DEMO,
    M01,
    V1,
    V2,
    events,
    export,
    find_form,
    page,
    revisions,
    send_criterion,
    submit,
)


def outcomes(client, url: str = V2, index: int = 0) -> list[tuple[str, str]]:
    return [(o["ref"], o["text"]) for o in export(client, url)["modules"][index]["outcomes"]]


def criteria(client, outcome: int, index: int = 0) -> list[tuple[str, str, list[str]]]:
    found = export(client, V2)["modules"][index]["outcomes"][outcome]["criteria"]
    return [(c["ref"], c["text"], c["methods"]) for c in found]


def test_course_leader_can_add_edit_move_and_delete_learning_outcomes(leader_with_draft, app):
    client = leader_with_draft
    response = submit(
        client, page(client, M01), field="add-outcome-text", data={"add-outcome-text": "Plan a fair"}
    )
    assert response.headers["Location"] == f"{M01}#outcome-M01.5"
    shown = page(client, response.headers["Location"])
    assert "Added learning outcome M01.5." in shown
    assert revisions(app) == [1, 2]  # the first change copied M01 for the draft

    shown = submit(
        client,
        shown,
        field="outcome-M01.5-text",
        data={"outcome-M01.5-text": "Plan a careers fair"},
        follow=True,
    ).get_data(as_text=True)
    assert "Saved learning outcome M01.5." in shown
    shown = submit(client, shown, text="Move up M01.5", follow=True).get_data(as_text=True)
    assert "Moved learning outcome M01.5 up." in shown
    shown = submit(client, shown, text="Move down M01.1", follow=True).get_data(as_text=True)
    assert [ref for ref, _ in outcomes(client)] == ["M01.2", "M01.1", "M01.3", "M01.5", "M01.4"]
    assert "Move up M01.2" not in shown  # the first has no "Move up"
    assert "Move down M01.4" not in shown

    delete = find_delete(shown, "Delete outcome M01.3")
    assert delete.startswith("Delete learning outcome M01.3 and its 2 criteria?")
    shown = submit(client, shown, text="Delete outcome M01.3", follow=True).get_data(as_text=True)
    assert "Deleted learning outcome M01.3 and its criteria." in shown
    # Refs are stable identifiers: nothing was renumbered.
    assert outcomes(client) == [
        ("M01.2", DEMO["modules"][0]["outcomes"][1]["text"]),
        ("M01.1", DEMO["modules"][0]["outcomes"][0]["text"]),
        ("M01.5", "Plan a careers fair"),
        ("M01.4", DEMO["modules"][0]["outcomes"][3]["text"]),
    ]
    assert len(outcomes(client, V1)) == 4
    assert revisions(app) == [1, 2]

    # A new outcome never reuses a ref that a published revision gave out.
    submit(client, shown, field="add-outcome-text", data={"add-outcome-text": "Another"})
    assert outcomes(client)[-1] == ("M01.6", "Another")

    [added, _again] = events(app, "outcome_added")
    assert (added["before"], added["after"]) == (None, {"ref": "M01.5", "text": "Plan a fair"})
    [updated] = events(app, "outcome_updated")
    assert (updated["before"]["text"], updated["after"]["text"]) == ("Plan a fair", "Plan a careers fair")
    first_move, second_move = events(app, "outcome_moved")
    assert first_move["before"]["order"] == ["M01.1", "M01.2", "M01.3", "M01.4", "M01.5"]
    assert first_move["after"]["order"] == ["M01.1", "M01.2", "M01.3", "M01.5", "M01.4"]
    assert second_move["after"]["order"][:2] == ["M01.2", "M01.1"]
    [deleted] = events(app, "outcome_deleted")
    assert deleted["before"]["criteria"] == ["M01.3.1", "M01.3.2"]
    assert deleted["after"] is None


def find_delete(html: str, text: str) -> str:
    return find_form(html, text=text)["attrs"]["data-confirm"]


def test_course_leader_can_add_edit_move_and_delete_assessment_criteria(leader_with_draft, app):
    client = leader_with_draft
    shown = page(client, M01)
    assert 'type="checkbox"' in shown
    assert "Workplace observation" in shown
    response = send_criterion(
        client, shown, "add-criterion-M01.2", "Briefs an employer", ["portfolio", "observation"], follow=False
    )
    assert response.headers["Location"] == f"{M01}#criterion-M01.2.3"
    shown = page(client, response.headers["Location"])
    assert "Added assessment criterion M01.2.3." in shown
    assert criteria(client, 1)[-1] == ("M01.2.3", "Briefs an employer", ["portfolio", "observation"])

    shown = send_criterion(
        client, shown, "criterion-M01.2.3", "Briefs an employer on the event", ["assignment"]
    ).get_data(as_text=True)
    assert "Saved assessment criterion M01.2.3." in shown
    shown = submit(client, shown, text="Move up M01.2.3", follow=True).get_data(as_text=True)
    assert [c[0] for c in criteria(client, 1)] == ["M01.2.1", "M01.2.3", "M01.2.2"]
    assert criteria(client, 1)[1][1:] == ("Briefs an employer on the event", ["assignment"])
    shown = submit(client, shown, text="Delete criterion M01.2.1", follow=True).get_data(as_text=True)
    assert "Deleted assessment criterion M01.2.1." in shown
    assert [c[0] for c in criteria(client, 1)] == ["M01.2.3", "M01.2.2"]
    assert [c["ref"] for c in export(client, V1)["modules"][0]["outcomes"][1]["criteria"]] == [
        "M01.2.1",
        "M01.2.2",
    ]

    [updated] = events(app, "criterion_updated")
    assert updated["before"]["methods"] == ["portfolio", "observation"]
    assert updated["after"] == {
        "ref": "M01.2.3",
        "text": "Briefs an employer on the event",
        "methods": ["assignment"],
    }
    assert events(app, "criterion_moved")[0]["after"]["order"] == ["M01.2.1", "M01.2.3", "M01.2.2"]
    assert events(app, "criterion_deleted")[0]["before"]["ref"] == "M01.2.1"
    assert events(app, "criterion_added")[0]["before"] is None


def test_a_criterion_needs_known_methods_and_the_input_is_kept(leader_with_draft, app):
    client = leader_with_draft
    shown = page(client, M01)
    field = "criterion-M01.1.1"
    none = submit(
        client, shown, field=f"{field}-text", data={f"{field}-text": "Typed text", f"{field}-methods": []}
    )
    html = none.get_data(as_text=True)
    assert none.status_code == 422
    assert "Choose at least one assessment method." in html
    assert "Typed text" in html
    forged = submit(
        client, shown, field=f"{field}-text", data={f"{field}-methods": ["portfolio", "telepathy"]}
    )
    assert forged.status_code == 422
    assert "&#34;telepathy&#34; is not an assessment method." in forged.get_data(as_text=True)
    add = submit(
        client, shown, field="add-criterion-M01.1-text", data={"add-criterion-M01.1-text": "No methods"}
    )
    assert add.status_code == 422
    assert revisions(app) == [1]
    assert criteria(client, 0) == [
        (c["ref"], c["text"], c["methods"]) for c in DEMO["modules"][0]["outcomes"][0]["criteria"]
    ]


def test_course_leader_can_add_a_module_and_it_keeps_one_outcome_and_criterion(leader_with_draft, app):
    client = leader_with_draft
    new = page(client, f"{V2}/modules/new")
    response = submit(
        client,
        new,
        field="code",
        data={"code": "M15", "title": "Labour market information", "level": "6", "credits": "15"},
    )
    assert response.headers["Location"] == f"{V2}/modules/M15"
    shown = page(client, response.headers["Location"])
    assert "Added M15." in shown
    assert "This module has no learning outcomes yet." in shown
    shown = submit(
        client, shown, field="add-outcome-text", data={"add-outcome-text": "Use LMI"}, follow=True
    ).get_data(as_text=True)
    shown = send_criterion(client, shown, "add-criterion-M15.1", "Finds local LMI", ["portfolio"]).get_data(
        as_text=True
    )
    assert export(client, V2)["modules"][-1]["outcomes"] == [
        {
            "ref": "M15.1",
            "text": "Use LMI",
            "criteria": [{"ref": "M15.1.1", "text": "Finds local LMI", "methods": ["portfolio"]}],
        }
    ]
    last_criterion = submit(client, shown, text="Delete criterion M15.1.1")
    assert last_criterion.status_code == 422
    assert "M15.1.1 is the only assessment criterion of M15.1" in last_criterion.get_data(as_text=True)
    last_outcome = submit(client, shown, text="Delete outcome M15.1")
    assert last_outcome.status_code == 422
    assert "M15.1 is the module&#39;s only learning outcome" in last_outcome.get_data(as_text=True)
    assert len(export(client, V2)["modules"][-1]["outcomes"]) == 1
    [added] = events(app, "module_added")
    assert added["before"] is None
    assert added["after"]["code"] == "M15"
    with app.app_context():
        assert db.session.scalar(select(Module.revision).where(Module.code == "M15")) == 1


def test_a_module_code_must_be_new_to_the_version_and_well_formed(leader_with_draft, app):
    client = leader_with_draft
    new = page(client, f"{V2}/modules/new")
    for code, message in [
        ("M01", "M01 is already a module of this version."),
        ("m 1", "Enter a code of 2 to 20 capital letters, digits or hyphens"),
    ]:
        response = submit(
            client, new, field="code", data={"code": code, "title": "T", "level": "6", "credits": "15"}
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert message in html
        assert 'value="T"' in html
    assert len(export(client, V2)["modules"]) == 14
    assert events(app, "module_added") == []


def test_removing_a_module_an_award_uses_is_refused_and_an_unused_one_leaves_the_draft(
    leader_with_draft, app
):
    client = leader_with_draft
    refused = submit(client, page(client, M01), text="Remove M01 from version 2")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "M01 cannot be removed while awards still use it: CERT (compulsory). Take it out" in html
    refused = submit(client, page(client, f"{V2}/modules/M09"), text="Remove M09 from version 2")
    assert "PGCERT (option group" in refused.get_data(as_text=True)
    assert "MA (option group" in refused.get_data(as_text=True)

    submit(
        client,
        page(client, f"{V2}/modules/new"),
        field="code",
        data={"code": "M15", "title": "Spare", "level": "6", "credits": "15"},
    )
    response = submit(client, page(client, f"{V2}/modules/M15"), text="Remove M15 from version 2")
    assert response.headers["Location"] == V2
    assert "M15 is no longer part of version 2." in page(client, V2)
    assert [m["code"] for m in export(client, V2)["modules"]] == [m["code"] for m in DEMO["modules"]]
    assert client.get(f"{V2}/modules/M15").status_code == 404
    [removed] = events(app, "module_removed")
    assert removed["before"]["code"] == "M15"
    assert removed["after"] is None


def test_two_simultaneous_first_edits_make_one_copy_and_one_conflict(leader_with_draft, app, course_leader):
    with app.app_context():
        shown = db.session.scalar(select(Module).where(Module.code == "M01"))
        lock = {"expected_module_id": shown.id, "expected_version": shown.version}
        summary = shown.summary_md
    results = []

    def edit(title: str, hold: float) -> None:
        # A POST's transaction, as the view runs it: the first holds its lock a while before committing.
        with app.test_request_context(method="POST"):
            actor = db.session.get(User, course_leader.id)
            try:
                update_module(
                    actor,
                    find_version("CCQ", 2),
                    "M01",
                    **lock,
                    title=title,
                    level=6,
                    credits=15,
                    summary=summary,
                    cpd=True,
                )
                time.sleep(hold)
                db.session.commit()
                results.append("saved")
            except EditConflict:
                db.session.rollback()
                results.append("conflict")

    first = threading.Thread(target=edit, args=("First", 0.5))
    second = threading.Thread(target=edit, args=("Second", 0))
    first.start()
    time.sleep(0.1)
    second.start()
    first.join()
    second.join()
    # Whichever order the database let them in, one saves, the other is told, and only one copy exists.
    assert sorted(results) == ["conflict", "saved"]
    assert revisions(app) == [1, 2]

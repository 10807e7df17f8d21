"""The course leader's key journey in a real browser: import a qualification, see its rules add up, publish
it, open a cohort on it, invite a candidate, add a session and publish the calendar."""

from __future__ import annotations

import json
import uuid

import pytest

from qualification.demo import DEMO_SPEC
from tests.e2e.browser import playwright_or_skip
from tests.e2e.test_journeys import sign_in

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e


def test_course_leader_sets_up_next_year(page: Page, live_server, tmp_path):
    code = "T" + uuid.uuid4().hex[:6].upper()
    spec = json.loads(DEMO_SPEC.read_text())
    spec["code"] = code
    spec["title"] = "Careers Coordinator Qualification 2027"
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))

    sign_in(page, "leader@northmoor.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Qualifications").click()
    page.get_by_role("link", name="Import a spec").click()
    page.get_by_label("Spec file (JSON)").set_input_files(str(path))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text(f"Imported {code} as version 1 (draft).")).to_be_visible()
    expect(page.get_by_text("Rules add up")).to_have_count(3)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publish this version").click()
    expect(page.get_by_text(f"Version 1 of {code} is published.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cohorts").click()
    page.get_by_role("link", name="New cohort").click()
    page.get_by_label("Cohort name").fill("Certificate 2027")
    page.get_by_label("Award or CPD module").select_option(
        label=f"Professional Certificate in Careers Coordination ({code} v1)"
    )
    page.get_by_label("Start date").fill("2027-09-17")
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_text("Cohort Certificate 2027 created.")).to_be_visible()

    email = f"kim.{uuid.uuid4().hex[:6]}@school.example"
    page.get_by_label("Name", exact=True).fill("Kim Rowe")
    page.get_by_label("Email address").first.fill(email)
    page.get_by_label("School").fill("Brook Lane School")
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_text("Kim Rowe is in the cohort.")).to_be_visible()
    expect(page.get_by_role("cell", name="Brook Lane School")).to_be_visible()

    page.get_by_role("link", name="Add a session").click()
    page.get_by_label("Kind").select_option(label="Twilight session")
    page.get_by_label("Title").fill("Welcome twilight")
    page.get_by_label("Starts (UK time)").fill("2027-09-22T16:30")
    page.get_by_label("Ends (UK time)").fill("2027-09-22T18:00")
    page.get_by_label("Place").fill("Northmoor Campus")
    page.get_by_role("button", name="Add session").click()
    expect(page.get_by_text("Session added to the calendar.")).to_be_visible()

    page.get_by_role("button", name="Publish the calendar").click()
    expect(page.get_by_text("The calendar is published at a new address.")).to_be_visible()
    page.get_by_role("link", name="its public page").click()
    expect(page.get_by_text("Welcome twilight")).to_be_visible()
    assert "Kim Rowe" not in page.content()

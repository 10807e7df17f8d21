"""Issue 13 in a real browser: the course leader holds the exam board and ratifies Jo's award; Jo finds her
certificate on her transcript, downloads the PDF (its text names her, the award and the number), and lets the
public check show her name; someone with no account opens the check and sees it valid; the course leader
revokes it, and the same check says revoked.

On a server of its own: Jo's four modules are released before it starts (tests/e2e/award_setup.py), and the
university's signing key is made, as an operator would (`flask credentials keygen`)."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from core.db.timeutil import uk_today
from tests.e2e.browser import playwright_or_skip, sign_in
from tests.e2e.conftest import serve_demo
from tests.support.people import JO, LEADER

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

AWARD = "Professional Certificate in Careers Coordination"


@pytest.fixture(scope="module")
def award_server(tmp_path_factory):
    yield from serve_demo(
        tmp_path_factory,
        "e2e-award",
        settings={"WAYMARK_UNIVERSITY": "Northmoor University"},
        prepare=[["-m", "tests.e2e.award_setup"], ["credentials", "keygen"]],
    )


@pytest.fixture
def context(browser, award_server):
    contexts = []

    def make(**options):
        made = browser.new_context(base_url=award_server, accept_downloads=True, **options)
        made.set_default_timeout(15_000)
        contexts.append(made)
        return made

    yield make
    for made in contexts:
        made.close()


def _check(page, number: str):
    page.goto("/verify")
    page.get_by_label("Certificate number").fill(number.lower().replace("-", " "))
    page.get_by_role("button", name="Check the certificate").click()


def test_from_the_exam_board_to_a_check_anyone_can_make(context):
    leader = context().new_page()
    sign_in(leader, LEADER)
    leader.goto("/cohorts/1")
    leader.get_by_role("link", name="Exam board").first.click()
    expect(leader.get_by_role("heading", name="Jo Patel")).to_be_visible()
    leader.get_by_label("Date of the board").fill(uk_today().isoformat())
    leader.get_by_role("button", name="Record the board and issue the certificates").click()
    expect(leader.locator("main")).to_contain_text("WM-")

    jo = context().new_page()
    sign_in(jo, JO)
    jo.goto("/transcript")
    expect(jo.locator("main")).to_contain_text("Award ratified")
    number = re.search(r"WM(?:-[0-9A-Z]{4}){4}", jo.locator("main").inner_text()).group(0)
    with jo.expect_download() as download:
        jo.get_by_role("link", name=re.compile("Download the certificate")).first.click()
    text = PdfReader(download.value.path()).pages[0].extract_text()
    for expected in (number, "Jo Patel", AWARD, "Northmoor University"):
        assert expected in text
    jo.get_by_role("link", name=re.compile("Choose the name printed")).first.click()
    jo.get_by_label("Show my name to anyone who checks this certificate").check()
    jo.get_by_role("button", name="Save my choices").click()

    anyone = context().new_page()
    _check(anyone, number)
    main = anyone.locator("main")
    expect(main).to_contain_text("Valid")
    expect(main).to_contain_text("Jo Patel")
    expect(main).to_contain_text(AWARD)

    leader.goto("/cohorts/1/exam-boards")
    leader.get_by_role("link", name=number).first.click()
    leader.get_by_role("link", name="Revoke this certificate").click()
    leader.get_by_label("Why the certificate is revoked").fill(
        "Appeal upheld: the M03 evidence was not her own."
    )
    leader.get_by_role("button", name="Continue").click()
    leader.get_by_role("button", name=f"Yes, revoke certificate {number}").click()

    _check(anyone, number)
    expect(anyone.locator("main")).to_contain_text("Revoked")
    expect(anyone.locator("main")).not_to_contain_text("Appeal upheld")

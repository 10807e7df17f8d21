"""Each role's home page tells the truth (issue 11, section 6), in a real browser: every count on a home page
equals the rows of the page behind it, read as the person would read both.

The candidate's "Waiting" pieces are her submissions awaiting assessment; the assessor's waiting, overdue, to
plan and ready counts are the rows of his queue (filtered as the link filters it) and of "Ready for release";
the IQA's "decisions wait for your review" are the rows of the IQA work list, after Tom completes a decision
that is sampled; the examiner's "samples are shared with you" are the grants on their page, after the course
leader shares one; the course leader's sessions this week and unallocated and overdue work per cohort are
what the cohort page and the assessors' queues show.

On a server of its own: the IQA and examiner tests complete Jo's M01 and share a sample. Each test compares a
home page with the page behind it, never a number fixed in advance, so they hold in any order.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.browser import playwright_or_skip, sign_in, signed_in_page
from tests.e2e.conftest import server_of_its_own
from tests.support.people import EXAMINER, HELEN, JO, LEADER, SAM, TOM

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

UK = ZoneInfo("Europe/London")
VACS_QUESTIONS = (
    "Valid: does the evidence show these criteria?",
    "Authentic: is it the candidate's own work?",
    "Current: is it recent enough to show competence now?",
    "Sufficient: is there enough of it?",
)


# These journeys complete Jo's M01 and share a sample with the examiner.
live_server = server_of_its_own("e2e-home-pages")


def _home(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hello, "))


def _card(page: Page, heading: str):
    return page.get_by_role("region", name=heading, exact=True)


def _number(text: str, pattern: str) -> int:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in {text!r}"
    return int(found.group(1))


def _follow_count(card, link: str, none_text: str, open_list) -> int:
    """The number on the card's link (`link`, a pattern), after following it to its list; 0 when the card
    says there is none (`none_text`), the list then opened by `open_list`."""
    counted = card.get_by_role("link", name=re.compile(link))
    if counted.count():
        count = _number(counted.inner_text(), r"^(\d+)")
        counted.click()
        return count
    expect(card.get_by_text(none_text)).to_be_visible()
    open_list()
    return 0


def _rows(table) -> int:
    """The rows of a table that hold data (the heading row has column headers, not cells)."""
    return table.get_by_role("row").filter(has=table.page.get_by_role("cell")).count()


def _queue_rows(page: Page) -> int:
    """The rows of the assessor's queue as filtered (the empty state when nothing matches: 0)."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Assessment queue")
    table = page.get_by_role("table")
    if not table.count():
        expect(
            page.get_by_text(re.compile("^Nothing (is waiting for you|in your queue matches)"))
        ).to_be_visible()
        return 0
    expect(page.get_by_role("link", name=re.compile("^(Next|Older|Newer|Previous)"))).to_have_count(0)
    return _rows(table)


# The candidate ------------------------------------------------------------------------------------------


def test_candidate_home_waiting_equals_her_submissions_awaiting_assessment(page: Page):
    sign_in(page, JO)
    waiting = _card(page, "Waiting")
    said = waiting.get_by_text(re.compile(r"\d+ pieces? of your work waits? for assessment"))
    expect(said).to_be_visible()
    count = _number(said.inner_text(), r"(\d+) piece")
    items = waiting.get_by_role("listitem")
    expect(items).to_have_count(count)
    pieces = sorted(re.match(r"(M\d+), attempt (\d+)", t).groups() for t in items.all_inner_texts())
    assert count >= 1  # the demo's M01 attempt 1 waits

    items.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your submissions")
    awaiting = []
    for section in page.get_by_role("region", name=re.compile(r"^M\d+ ")).all():
        code = section.get_by_role("heading", level=2).inner_text().split()[0]
        for line in section.get_by_role("listitem").filter(has_text="Awaiting assessment").all_inner_texts():
            awaiting.append((code, re.match(r"Attempt (\d+)", line).group(1)))
    assert sorted(awaiting) == pieces


# The assessor -------------------------------------------------------------------------------------------


def test_assessor_home_counts_equal_his_queue(page: Page):
    sign_in(page, TOM)
    card = _card(page, "Assessment")
    waiting = card.get_by_role("link", name=re.compile(r"^\d+ waiting in your queue$"))
    count = _number(waiting.inner_text(), r"^(\d+)")
    assert count >= 1  # Jo's M01 and the observations to plan
    waiting.click()
    assert _queue_rows(page) == count

    _home(page)
    to_plan = card.get_by_role("link", name=re.compile(r"^\d+ modules? needs? an observation planned$"))
    count = _number(to_plan.inner_text(), r"^(\d+)")
    to_plan.click()
    assert _queue_rows(page) == count
    expect(page.locator("tbody tr").filter(has_not_text="Observation to plan")).to_have_count(0)

    _home(page)
    count = _follow_count(
        card, r"^\d+ overdue$", "None overdue", lambda: page.goto("/assessors/queue?overdue=y")
    )
    assert _queue_rows(page) == count

    _home(page)
    ready = card.get_by_role("link", name=re.compile(r"^\d+ ready for release$"))
    count = _number(ready.inner_text(), r"^(\d+)")
    ready.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ready for release")
    table = page.get_by_role("table")
    if count:
        assert _rows(table) == count
    else:
        expect(table).to_have_count(0)
        expect(page.get_by_text("No decisions are waiting to be released.")).to_be_visible()


# The IQA ------------------------------------------------------------------------------------------------


def _tom_completes_jo_m01(page: Page) -> None:
    """Tom marks Jo's M01 achieved (giving his reason where no allowed method backs a criterion) and completes
    it: one of his first decisions, so it is sampled for the IQA."""
    sign_in(page, TOM)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assessment queue").click()
    row = page.locator("tbody tr").filter(has_text="Jo Patel").filter(has_text="Submission: M01")
    row.get_by_role("button", name="Start marking M01 for Jo Patel").click()
    groups = page.get_by_role("group", name=re.compile(r"^M01\.\d+\.\d+: judgement$"))
    expect(groups.first).to_be_visible()
    for group in groups.all():
        ref = group.get_attribute("id").removeprefix("outcome-")
        group.get_by_label("Met", exact=True).check()
        page.get_by_label(f"Comment on {ref}").fill(f"{ref} is shown.")
        override = page.get_by_label(f"Reason for judging {ref} met without an allowed method")
        if override.count():
            override.fill("Seen in school on my visit.")
    for question in VACS_QUESTIONS:
        page.get_by_role("group", name=question).get_by_label("Yes", exact=True).check()
    page.get_by_label("Overall feedback to the candidate").fill("Well done, Jo.")
    page.get_by_role("group", name="Decision").get_by_label("Achieved", exact=True).check()
    page.get_by_role("button", name="Complete marking").click()
    expect(page.get_by_text("The decision was sampled for IQA review")).to_be_visible()


def _iqa_counts_equal_the_work_list(page: Page) -> int:
    _home(page)
    card = _card(page, "Quality assurance")
    count = _follow_count(
        card,
        r"^\d+ decisions? waits? for your review$",
        "No decisions are waiting for your review.",
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Quality assurance").click,
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Quality assurance")
    waiting = page.get_by_role("region", name="Waiting for your review")
    if count:
        assert _rows(waiting.get_by_role("table")) == count
    else:
        expect(waiting).to_have_count(0)
        expect(page.get_by_text("No sampled decisions are waiting for review.")).to_be_visible()

    _home(page)
    unsampled = card.get_by_role("link", name=re.compile(r"completed decisions? (was|were) not sampled"))
    if unsampled.count():
        could = _number(unsampled.inner_text(), r"^(\d+)")
        unsampled.click()
        assert _rows(page.get_by_role("region", name="Ready for release, not sampled")) == could
    else:
        expect(
            card.get_by_text("No completed decisions are waiting to be released unsampled.")
        ).to_be_visible()
    return count


def test_iqa_home_counts_equal_the_iqa_work_list(new_context):
    sam = signed_in_page(new_context, SAM)
    before = _iqa_counts_equal_the_work_list(sam)

    _tom_completes_jo_m01(new_context().new_page())

    after = _iqa_counts_equal_the_work_list(sam)
    assert after == before + 1
    sam.get_by_role("navigation", name="Main").get_by_role("link", name="Quality assurance").click()
    row = (
        sam.get_by_role("region", name="Waiting for your review")
        .get_by_role("row")
        .filter(has_text="Jo Patel")
    )
    expect(row).to_contain_text("M01 submission: Achieved")
    # Helen is an IQA of the cohort too: her home and work list agree as well.
    helen = signed_in_page(new_context, HELEN)
    assert _iqa_counts_equal_the_work_list(helen) == after


# The external examiner ----------------------------------------------------------------------------------


def _examiner_home_equals_the_grants(page: Page) -> int:
    _home(page)
    card = _card(page, "External examining")
    shared = card.get_by_role("link", name=re.compile(r"^\d+ samples? (is|are) shared with you$"))
    if not shared.count():
        expect(card.get_by_text("No sample is shared with you at the moment.")).to_be_visible()
        page.goto("/assessors/examiner")
        expect(page.get_by_text("You have no access to any sample at the moment.")).to_be_visible()
        return 0
    count = _number(shared.inner_text(), r"^(\d+)")
    lines = card.get_by_role("listitem").all_inner_texts()
    assert len(lines) == count
    shown = {}
    for line in lines:
        cohort, n, until = re.match(r"^(.+): (\d+) candidates?, until the end of (.+)$", line).groups()
        shown.setdefault((cohort, until), []).append(int(n))
    shared.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("External examining")
    grants = page.get_by_role("main").get_by_role("region")
    expect(grants).to_have_count(count)
    listed = {}
    for grant in grants.all():
        cohort = grant.get_by_role("heading", level=2).inner_text()
        until = _until(grant.get_by_text(re.compile(r"^Until the end of ")).inner_text())
        listed.setdefault((cohort, until), []).append(grant.get_by_role("link").count())
    assert {k: sorted(v) for k, v in listed.items()} == {k: sorted(v) for k, v in shown.items()}
    return count


def _until(text: str) -> str:
    return text.removeprefix("Until the end of ").removesuffix(".")


def test_examiner_home_samples_equal_the_grants_listed(new_context):
    ruth = signed_in_page(new_context, EXAMINER)
    before = _examiner_home_equals_the_grants(ruth)

    # The course leader shares a sample of two candidates with her.
    leader = signed_in_page(new_context, LEADER)
    leader.get_by_role("navigation", name="Main").get_by_role("link", name="Quality assurance").click()
    leader.get_by_role("link", name="external examiner access").first.click()
    leader.get_by_label("External examiner").select_option(label="Prof. Ruth Adeyemi (Eastbrook University)")
    leader.get_by_label("Jo Patel").check()
    leader.get_by_label("Chris Evans").check()
    leader.get_by_label("Last day of access").fill((date.today() + timedelta(days=30)).isoformat())  # noqa: DTZ011
    leader.get_by_role("button", name="Give access").click()
    expect(leader.get_by_text(re.compile(r"Access granted to 2 candidates until "))).to_be_visible()

    assert _examiner_home_equals_the_grants(ruth) == before + 1


# The course leader --------------------------------------------------------------------------------------


def _this_uk_week() -> tuple[date, date]:
    today = datetime.now(UK).date()
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=7)


def test_leader_home_counts_equal_the_cohort_page_and_the_queues(new_context):
    page = signed_in_page(new_context, LEADER)
    cohorts = _card(page, "Your cohorts").get_by_role("region")
    expect(cohorts.first).to_be_visible()
    for cohort in cohorts.all():
        lines = cohort.get_by_role("listitem").all_inner_texts()
        sessions = next(line for line in lines if "session" in line)
        week = (
            0 if sessions == "No sessions this week." else _number(sessions, r"^(\d+) sessions? this week$")
        )
        unallocated = next(line for line in lines if "assessor allocated" in line)
        overdue = next(line for line in lines if "overdue" in line)

        heading = cohort.get_by_role("heading", level=3)
        name = heading.inner_text()
        heading.get_by_role("link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        monday, next_monday = _this_uk_week()
        starts = [
            datetime.strptime(t, "%d %b %Y, %H:%M").date()  # noqa: DTZ007 - shown in UK time
            for t in page.get_by_role("region", name="Sessions").locator("time").all_inner_texts()
        ]
        assert starts, "the demo cohort has sessions"
        assert sum(monday <= d < next_monday for d in starts) == week

        # Every candidate of the cohort has an assessor when the home page says all work has one.
        table = page.get_by_role("table", name="Candidates and their assessors")
        without = [
            r
            for r in table.get_by_role("row").filter(has=page.get_by_role("cell")).all()
            if not r.get_by_role("cell").last.inner_text().strip()
        ]
        if unallocated == "All work has an assessor allocated.":
            assert without == []
        _home(page)

        # No marking overdue on the home page: the cohort's assessors' queues hold no overdue work.
        if overdue == "No marking is overdue.":
            for assessor in (TOM, HELEN):
                queue = signed_in_page(new_context, assessor)
                queue.goto("/assessors/queue?overdue=y")
                assert _queue_rows(queue) == 0
        else:
            assert _number(overdue, r"^(\d+) overdue") >= 1

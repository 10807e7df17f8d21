"""Announcements: the course leader (or a tutor) tells the cohort, or those behind on a module, something;
each candidate it is for hears in the app and by email (text and HTML), and the cohort page keeps it."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role, User
from core.audit.models import AuditEvent
from core.extensions import db
from core.mail.models import OutboxMessage
from core.notifications.models import Notification, NotificationPreference
from modules.study.models import EnrolmentStatus, ModuleEnrolment
from qualification.announcements.models import Announcement, AnnouncementRecipient
from qualification.cohorts.models import Cohort, CohortMember, MemberRole
from qualification.cohorts.queries import studies_of
from qualification.results.models import ModuleResult
from tests.support.cohorts import options
from tests.support.demo import demo_ids, load_study_demo
from tests.support.html import csrf_from, form_with, page_text, press, signed_in
from tests.support.people import CHRIS, DEMO_PASSWORD, JO, LEADER, MORGAN, TOM, make_user
from tests.support.queries import statements_for
from tests.support.submissions import add_item, submit

SEND = "Send the announcement"
WRITE = "Write an announcement"


@pytest.fixture
def demo(app):
    load_study_demo(app)
    cohort_id, ids = demo_ids(app)
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        studies = studies_of(cohort)
        name = cohort.name
    return SimpleNamespace(
        app=app,
        cohort_id=cohort_id,
        ids=ids,
        name=name,
        studies=studies,
        page=f"/cohorts/{cohort_id}",
        new=f"/cohorts/{cohort_id}/announcements/new",
    )


def _open_form(client, demo):
    """From the cohort page, follow "Write an announcement" to the form."""
    cohort_page = client.get(demo.page).get_data(as_text=True)
    assert f'href="{demo.new}"' in cohort_page
    assert WRITE in cohort_page
    page = client.get(demo.new)
    assert page.status_code == 200
    return page


def _announce(
    client, demo, *, title="Portfolio clinic on Thursday", body="Bring **one** piece.", to="cohort"
):
    page = _open_form(client, demo)
    return press(client, page, SEND, {"title": title, "body": body, "audience": to}, follow=False)


def _candidate_emails(app, cohort_id) -> set[str]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(User.email)
                .join(CohortMember, CohortMember.user_id == User.id)
                .where(CohortMember.cohort_id == cohort_id, CohortMember.role == MemberRole.CANDIDATE)
            )
        )


def _told(app) -> dict[str, tuple[int, list[OutboxMessage]]]:
    """email -> (announcement notifications in the app, announcement emails queued)."""
    with app.app_context():
        notes = dict(
            db.session.execute(
                select(User.email, func.count(Notification.id))
                .join(Notification, Notification.user_id == User.id)
                .where(Notification.kind == "announcement")
                .group_by(User.email)
            ).all()
        )
        mails: dict[str, list[OutboxMessage]] = {}
        for message in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.category == "notification:announcement")
        ):
            db.session.expunge(message)
            mails.setdefault(message.to_address, []).append(message)
    return {email: (notes.get(email, 0), mails.get(email, [])) for email in set(notes) | set(mails)}


def _rows(app) -> tuple[int, int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Announcement, AnnouncementRecipient, Notification, OutboxMessage)
        )


# To the whole cohort ------------------------------------------------------------------------------------


def test_course_leader_can_announce_to_the_cohort(demo):
    app = demo.app
    leader = signed_in(app, LEADER)
    response = _announce(leader, demo, body="Bring **one** piece of evidence.\n\n<script>alert(1)</script>")
    assert response.headers["Location"].endswith(f"{demo.page}#announcements")
    candidates = _candidate_emails(app, demo.cohort_id)
    shown = page_text(leader.get(demo.page))
    assert f'"Portfolio clinic on Thursday" is sent to {len(candidates)} candidates' in shown
    assert "Sent to everyone in the cohort" in shown

    told = _told(app)
    assert set(told) == candidates
    for email in candidates:
        notes, mails = told[email]
        assert notes == 1
        (mail,) = mails
        assert mail.subject == "Announcement: Portfolio clinic on Thursday"
        for body in (mail.body_text, mail.body_html):
            assert "Bring one piece of evidence." in body
            assert demo.name in body
            assert demo.studies in body
            assert f"http://waymark.test/cohorts/{demo.cohort_id}/announcements#announcement-" in body
        assert "<script" not in mail.body_html
        assert mail.body_html.startswith("<!DOCTYPE html>")
        assert '<html lang="en-GB"' in mail.body_html
    with app.app_context():
        announcement = db.session.scalars(select(Announcement)).one()
        assert announcement.recipient_count == len(candidates)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "announcement_posted"))
        assert event.actor_label == LEADER
        assert event.object_id == str(announcement.id)

    # Each candidate reads it on the cohort page (Markdown rendered, the script gone) and in their list.
    jo = signed_in(app, JO)
    page = jo.get(demo.page).get_data(as_text=True)
    assert "Portfolio clinic on Thursday" in page
    assert "<strong>one</strong>" in page
    assert "<script>alert" not in page  # the sanitiser keeps its words as text, never as a script
    assert "Sent to everyone" not in page_text(jo.get(demo.page))  # who it went to is for the staff
    notes = page_text(jo.get("/notifications/"))
    assert "Announcement: Portfolio clinic on Thursday" in notes
    assert f"Cohort: {demo.name}, studying {demo.studies}" in notes


def test_the_outbox_shows_an_announcement_as_text_and_as_html(demo):
    app = demo.app
    _announce(signed_in(app, LEADER), demo)
    make_user(app, "root@uni.example", name="Ada Admin", roles=(Role.ADMIN,), password=DEMO_PASSWORD)
    outbox = signed_in(app, "root@uni.example").get("/admin/outbox/").get_data(as_text=True)
    assert "Plain text" in outbox
    assert "HTML version" in outbox
    # The HTML is escaped into a sandboxed frame's srcdoc: never part of the page itself.
    assert '<iframe class="mail-html" sandbox srcdoc="&lt;!DOCTYPE html&gt;' in outbox


def test_a_candidate_who_chose_the_digest_hears_in_the_app_and_not_by_email_yet(demo):
    app = demo.app
    with app.app_context():
        db.session.add(NotificationPreference(user_id=demo.ids[CHRIS], delivery="digest", digest_hour=17))
        db.session.commit()
    _announce(signed_in(app, LEADER), demo)
    told = _told(app)
    assert told[CHRIS] == (1, [])
    assert told[JO][0] == 1
    assert len(told[JO][1]) == 1


def test_a_tutor_of_the_cohort_can_announce(demo):
    app = demo.app
    tutor = make_user(
        app, "tutor@northmoor.example", name="Tia Tutor", roles=(Role.ASSESSOR,), password=DEMO_PASSWORD
    )
    with app.app_context():
        db.session.add(CohortMember(cohort_id=demo.cohort_id, user_id=tutor.id, role=MemberRole.TUTOR))
        db.session.commit()
    response = _announce(signed_in(app, tutor.email), demo, title="Reading for week 3")
    assert response.status_code == 302
    with app.app_context():
        announcement = db.session.scalars(select(Announcement)).one()
        assert (announcement.title, announcement.author_id) == ("Reading for week 3", tutor.id)


# To those behind on a module ----------------------------------------------------------------------------


def _achieved(app, code: str, *candidate_ids: int) -> None:
    """A result on each candidate's transcript (prior learning, outside any cohort)."""
    with app.app_context():
        for candidate_id in candidate_ids:
            db.session.add(
                ModuleResult(
                    candidate_id=candidate_id,
                    family="CCQ",
                    module_code=code,
                    title=code,
                    level=6,
                    credits=15,
                    how="apl",
                    achieved_on=date(2026, 11, 1),
                    source="test",
                )
            )
        db.session.commit()


def _behind_on_m01(app, ids) -> set[str]:
    """Jo hands M01 in; Morgan has achieved it (a result on the transcript). Chris is behind."""
    add_item(app, JO, "Careers plan 2026", maps=[("M01", "M01.1.1", "The plan")])
    submit(signed_in(app, JO), "M01", follow=False)
    _achieved(app, "M01", ids[MORGAN])
    with app.app_context():
        # Behind, as the rows say: studying M01 here, no result, no submission waiting or achieved.
        enrolled = set(
            db.session.scalars(
                select(User.email)
                .join(ModuleEnrolment, ModuleEnrolment.candidate_id == User.id)
                .where(ModuleEnrolment.module_code == "M01", ModuleEnrolment.status == EnrolmentStatus.ACTIVE)
            )
        )
    return enrolled - {JO, MORGAN}


def test_course_leader_can_announce_to_only_those_behind_on_a_module(demo):
    app = demo.app
    behind = _behind_on_m01(app, demo.ids)
    assert behind == {CHRIS}
    leader = signed_in(app, LEADER)
    choices = options(_open_form(leader, demo).get_data(as_text=True), "audience")
    assert choices["Candidates behind on M01 Communicating and Working with Others in CEIAG"] == "behind:M01"

    response = _announce(leader, demo, title="M01: three weeks left", to="behind:M01")
    assert response.status_code == 302
    assert '"M01: three weeks left" is sent to 1 candidate and kept' in page_text(leader.get(demo.page))
    told = _told(app)
    assert set(told) == behind
    assert told[CHRIS][0] == 1
    assert len(told[CHRIS][1]) == 1
    with app.app_context():
        recipients = set(
            db.session.scalars(
                select(User.email).join(AnnouncementRecipient, AnnouncementRecipient.user_id == User.id)
            )
        )
        assert recipients == behind

    # Chris reads it on the cohort page; Jo (handed in) does not; the staff read it, and who it went to.
    assert "M01: three weeks left" in page_text(signed_in(app, CHRIS).get(demo.page))
    assert "M01: three weeks left" not in page_text(signed_in(app, JO).get(demo.page))
    assert "M01: three weeks left" not in page_text(signed_in(app, JO).get(f"{demo.page}/announcements"))
    staff_view = page_text(signed_in(app, TOM).get(demo.page))
    assert "M01: three weeks left" in staff_view
    assert "Sent to the candidates behind on M01 (1 candidate)" in staff_view


def test_nobody_behind_is_refused_in_words_and_nothing_is_sent(demo):
    app = demo.app
    _achieved(app, "M02", *(demo.ids[email] for email in (JO, CHRIS, MORGAN)))
    before = _rows(app)
    response = _announce(signed_in(app, LEADER), demo, to="behind:M02")
    assert response.status_code == 422
    assert "Nobody is behind on M02" in page_text(response)
    assert _rows(app) == before


# Refusals ------------------------------------------------------------------------------------------------


def test_candidate_cannot_post_an_announcement(demo):
    app = demo.app
    jo = signed_in(app, JO)
    cohort_page = jo.get(demo.page)
    assert WRITE not in page_text(cohort_page)
    assert jo.get(demo.new).status_code == 403
    before = _rows(app)
    data = {
        "csrf_token": csrf_from(cohort_page.get_data(as_text=True)),
        "form_key": "k" * 32,
        "audience": "cohort",
        "title": "Party at mine",
        "body": "Everyone welcome.",
    }
    assert jo.post(demo.new, data=data).status_code == 403
    assert _rows(app) == before


def test_someone_outside_the_cohort_is_not_told_it_exists(demo):
    outsider = make_user(demo.app, "other-leader@uni.example", roles=(Role.ASSESSOR,), password=DEMO_PASSWORD)
    client = signed_in(demo.app, outsider.email)
    assert client.get(demo.new).status_code == 404
    assert client.get(f"{demo.page}/announcements").status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "   "}, "Give the announcement a title."),
        ({"body": ""}, "Write the announcement."),
        ({"title": "x" * 201}, "Keep the title to 200 characters."),
        ({"audience": "behind:M99"}, "Choose who the announcement is for."),
        ({"audience": "everyone"}, "Choose who the announcement is for."),
    ],
)
def test_course_leader_gets_a_clear_message_for_bad_input_and_nothing_is_sent(demo, changes, message):
    app = demo.app
    before = _rows(app)
    leader = signed_in(app, LEADER)
    page = _open_form(leader, demo)
    data = {"title": "Clinic", "body": "Come along.", "audience": "cohort", **changes}
    response = press(leader, page, SEND, data, follow=False)
    assert response.status_code == 422
    text = page_text(response)
    assert "There is a problem" in text
    assert message in text
    assert _rows(app) == before


def test_a_double_click_sends_one_announcement(demo):
    app = demo.app
    leader = signed_in(app, LEADER)
    form = form_with(_open_form(leader, demo), SEND)
    data = form.data(SEND, {"title": "Clinic", "body": "Come along.", "audience": "cohort"})
    first = leader.post(demo.new, data=data)
    second = leader.post(demo.new, data=data)  # the same form again: the second click
    assert first.status_code == second.status_code == 302
    candidates = _candidate_emails(app, demo.cohort_id)
    with app.app_context():
        assert db.session.scalar(select(func.count(Announcement.id))) == 1
    assert {email: (n, len(m)) for email, (n, m) in _told(app).items()} == dict.fromkeys(candidates, (1, 1))


def test_the_announcement_pages_cost_the_same_however_many_there_are(demo):
    app = demo.app
    _announce(signed_in(app, LEADER), demo)
    jo = signed_in(app, JO)
    pages = (demo.page, f"{demo.page}/announcements")
    small = [statements_for(app, jo, url) for url in pages]
    with app.app_context():
        authors = [make_user(app, f"tutor{n}@northmoor.example", name=f"Tutor {n}").id for n in range(3)]
        for n in range(30):
            db.session.add(
                Announcement(
                    cohort_id=demo.cohort_id,
                    author_id=authors[n % 3],
                    title=f"Notice {n}",
                    body_md="Words.",
                    audience="cohort",
                    recipient_count=0,
                    form_key=f"key-{n:032d}",
                )
            )
        db.session.commit()
    assert [statements_for(app, jo, url) for url in pages] == small
    listing = page_text(jo.get(f"{demo.page}/announcements"))
    assert listing.index("Notice 29") < listing.index("Notice 28")  # newest first
    assert "Notice 9" not in listing  # the next page holds the older ones
    assert "Notice 9" in page_text(jo.get(f"{demo.page}/announcements?before={_id_of(app, 'Notice 10')}"))


def _id_of(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Announcement.id).where(Announcement.title == title))

"""Cohort forums: threads and replies through the forms, follow-up email, editing, reports and moderation."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.accounts.models import User
from core.audit.models import AuditEvent
from core.db.querycount import count_queries
from core.db.timeutil import utcnow
from core.extensions import db
from core.mail.models import OutboxMessage
from core.web.access import rule_for
from qualification.cohorts.models import Cohort
from qualification.forums import services
from qualification.forums.models import Forum, Post, PostReport, Thread
from qualification.forums.permissions import EDIT_WINDOW, edit_window_open
from qualification.forums.queries import PAGE_SIZE
from tests.support.demo import demo_ids, load_demo_data
from tests.support.html import csrf_from, form_post, signed_in
from tests.support.people import AISHA, CHRIS, JO, TOM

HIDDEN_NOTICE = "This post was hidden by a moderator"


@pytest.fixture
def demo(app):
    load_demo_data(app, content=False)
    cohort_id, ids = demo_ids(app)
    return SimpleNamespace(cohort_id=cohort_id, ids=ids, url=f"/forums/cohort/{cohort_id}")


def _start(client, demo, key="general", title="Running a careers fair on no budget", body="Any tips?"):
    page = f"{demo.url}/{key}"
    response = form_post(client, page, {"title": title, "body": body}, action=f"{page}/threads")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/forums/threads/(\d+)$", response.headers["Location"]).group(1))


def _post_ids(app, thread_id) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Post.id).where(Post.thread_id == thread_id).order_by(Post.id)))


def _missing(html: str, *texts: str) -> list[str]:
    return [t for t in texts if t not in html]


def _found(html: str, *texts: str) -> list[str]:
    return [t for t in texts if t in html]


def _reply(client, thread_id, body):
    return _on_thread(client, thread_id, f"/forums/threads/{thread_id}/replies", {"body": body})


def _on_thread(client, thread_id, action, data=None):
    """POST one of the thread page's forms (CSRF token from the page)."""
    token = csrf_from(client.get(f"/forums/threads/{thread_id}").get_data(as_text=True))
    return client.post(action, data={**(data or {}), "csrf_token": token})


def test_candidate_can_start_threads_in_the_general_and_a_module_forum(app, demo):
    jo = signed_in(app, JO)
    listing = jo.get(demo.url).get_data(as_text=True)
    assert _missing(listing, "General discussion", "M01 Communicating and Working with Others", "M05 ") == []
    assert "M06 " not in listing  # the Certificate's modules only
    assert "You study this module" in listing
    assert jo.get(f"{demo.url}/M06").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(Forum.id))) == 0  # reading made no forum rows

    general = _start(jo, demo)
    m01 = _start(jo, demo, "M01", "Needs conversations in Year 9", "How do you *start* them?")
    page = jo.get(f"/forums/threads/{m01}").get_data(as_text=True)
    assert _missing(page, "Needs conversations in Year 9", "<em>start</em>", "Stop following") == []
    assert "Running a careers fair on no budget" in jo.get(f"{demo.url}/general").get_data(as_text=True)
    with app.app_context():
        forums = {f.module_code: f for f in db.session.scalars(select(Forum))}
        assert set(forums) == {None, "M01"}
        assert db.session.get(Thread, general).forum_id == forums[None].id
    listing = jo.get(demo.url).get_data(as_text=True)
    assert listing.count("<td>1</td>") == 2

    general_url = f"{demo.url}/general"
    refused = form_post(jo, general_url, {"title": "", "body": ""}, action=f"{general_url}/threads")
    assert refused.status_code == 422
    assert "Give the thread a title." in refused.get_data(as_text=True)


def test_reply_emails_the_other_followers_only(app, demo):
    thread_id = _start(signed_in(app, JO), demo)
    chris = signed_in(app, CHRIS)
    response = _reply(chris, thread_id, "We asked **local employers** to run stalls.\n\n<b>free</b>")
    assert response.status_code == 302
    assert "local employers" in chris.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        post_id = _post_ids(app, thread_id)[-1]
        mails = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.category == "notification:forum_reply")
        ).all()
        assert [m.to_address for m in mails] == [JO]
        body = mails[0].body_text
        assert f"http://waymark.test/forums/threads/{thread_id}#post-{post_id}" in body
        assert "We asked local employers to run stalls." in body
        assert _found(body, "<", "**") == []
        assert "Chris Evans replied" in body

    # Chris follows the thread; Jo's answer now reaches him, and Jo gets nothing for her own reply.
    assert _on_thread(chris, thread_id, f"/forums/threads/{thread_id}/subscribe").status_code == 302
    _reply(signed_in(app, JO), thread_id, "Thanks!")
    with app.app_context():
        recipients = db.session.scalars(
            select(OutboxMessage.to_address).where(OutboxMessage.category == "notification:forum_reply")
        ).all()
        assert sorted(recipients) == [CHRIS, JO]


def test_markdown_is_sanitised_in_the_page(app, demo):
    jo = signed_in(app, JO)
    body = (
        "Hi <script>alert('x')</script> [click me](javascript:alert(1)) <img src=x onerror=alert(1)> **ok**"
    )
    thread_id = _start(jo, demo, body=body)
    page = jo.get(f"/forums/threads/{thread_id}").get_data(as_text=True)
    assert "<strong>ok</strong>" in page
    assert _found(page, "<script>alert", "javascript:", "onerror") == []


def test_author_can_edit_within_30_minutes_but_not_after(app, demo):
    jo = signed_in(app, JO)
    thread_id = _start(jo, demo, body="Frist draft")
    post_id = _post_ids(app, thread_id)[0]
    edit_url = f"/forums/posts/{post_id}/edit"
    page = jo.get(edit_url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = form_post(jo, edit_url, {"body": "First draft", "version": version})
    assert response.status_code == 302
    shown = jo.get(f"/forums/threads/{thread_id}").get_data(as_text=True)
    assert _missing(shown, "First draft", "(edited") == []

    with app.app_context():
        post = db.session.get(Post, post_id)
        post.created_at = utcnow() - timedelta(minutes=31)
        post.edited_at = None
        db.session.commit()
        version = str(post.version)
    late = jo.get(edit_url)
    assert late.status_code == 409
    assert "Posts can be edited for 30 minutes" in late.get_data(as_text=True)
    token = csrf_from(jo.get(f"/forums/threads/{thread_id}").get_data(as_text=True))
    refused = jo.post(edit_url, data={"body": "Too late", "version": version, "csrf_token": token})
    assert refused.status_code == 409
    assert "Posts can be edited for 30 minutes" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Post, post_id).body_md == "First draft"


def test_a_stale_edit_gets_409_and_keeps_the_text(app, demo):
    jo = signed_in(app, JO)
    post_id = _post_ids(app, _start(jo, demo, body="Version one"))[0]
    edit_url = f"/forums/posts/{post_id}/edit"
    page = jo.get(edit_url).get_data(as_text=True)
    old_version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    assert form_post(jo, edit_url, {"body": "Version two", "version": old_version}).status_code == 302

    stale = form_post(jo, edit_url, {"body": "My words from an old tab", "version": old_version})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "My words from an old tab</textarea>" in html
    assert "Version two" in html  # the post as it is now
    with app.app_context():
        assert db.session.get(Post, post_id).body_md == "Version two"


def test_reported_post_reaches_the_queue_and_hiding_it_hides_the_text(app, demo):
    thread_id = _start(signed_in(app, JO), demo, body="Buy my revision guides at example.com")
    post_id = _post_ids(app, thread_id)[0]
    chris = signed_in(app, CHRIS)
    report_url = f"/forums/posts/{post_id}/report"
    assert (
        _on_thread(chris, thread_id, report_url, {f"report-{post_id}-reason": "Advertising"}).status_code
        == 302
    )
    again = _on_thread(chris, thread_id, report_url, {f"report-{post_id}-reason": "Still advertising"})
    assert again.status_code == 409
    assert chris.get(f"{demo.url}/reports").status_code == 403

    assessor = signed_in(app, TOM)
    queue = assessor.get(f"{demo.url}/reports").get_data(as_text=True)
    assert _missing(queue, "Advertising", "Chris Evans", "Buy my revision guides") == []

    hide = _on_thread(
        assessor, thread_id, f"/forums/posts/{post_id}/hide", {f"hide-{post_id}-reason": "Spam"}
    )
    assert hide.status_code == 302
    seen_by_chris = chris.get(f"/forums/threads/{thread_id}").get_data(as_text=True)
    assert HIDDEN_NOTICE in seen_by_chris
    assert "Buy my revision guides" not in seen_by_chris
    seen_by_staff = assessor.get(f"/forums/threads/{thread_id}").get_data(as_text=True)
    assert _missing(seen_by_staff, HIDDEN_NOTICE, "Buy my revision guides", "Spam") == []
    assert "No open reports" in assessor.get(f"{demo.url}/reports").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(PostReport.resolved_by_id)) == demo.ids[TOM]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "forum.post_hidden"))
        assert (event.actor_role, event.object_type, event.object_id) == (
            "assessor",
            "ForumPost",
            str(post_id),
        )

    assert _on_thread(assessor, thread_id, f"/forums/posts/{post_id}/unhide").status_code == 302
    assert "Buy my revision guides" in chris.get(f"/forums/threads/{thread_id}").get_data(as_text=True)


def test_moderator_can_resolve_reports_and_keep_the_post(app, demo):
    thread_id = _start(signed_in(app, JO), demo, body="Our school dropped work experience")
    post_id = _post_ids(app, thread_id)[0]
    chris = signed_in(app, CHRIS)
    empty = _on_thread(chris, thread_id, f"/forums/posts/{post_id}/report", {f"report-{post_id}-reason": " "})
    assert empty.status_code == 422
    assert "Say why you are reporting this post." in empty.get_data(as_text=True)
    _on_thread(chris, thread_id, f"/forums/posts/{post_id}/report", {f"report-{post_id}-reason": "Off topic"})

    assessor = signed_in(app, TOM)
    queue_url = f"{demo.url}/reports"
    token = csrf_from(assessor.get(queue_url).get_data(as_text=True))
    resolved = assessor.post(f"/forums/posts/{post_id}/resolve", data={"csrf_token": token, "back": "queue"})
    assert resolved.headers["Location"] == queue_url  # back to the queue it was resolved from
    assert "No open reports" in assessor.get(queue_url).get_data(as_text=True)
    assert "Our school dropped work experience" in chris.get(f"/forums/threads/{thread_id}").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.actor_role).where(AuditEvent.action == "forum.reports_resolved")
        )


def test_candidate_cannot_hide_posts_nor_staff_edit_others_posts(app, demo):
    thread_id = _start(signed_in(app, JO), demo)
    post_id = _post_ids(app, thread_id)[0]
    assert signed_in(app, TOM).get(f"/forums/posts/{post_id}/edit").status_code == 403
    chris = signed_in(app, CHRIS)
    refused = _on_thread(
        chris, thread_id, f"/forums/posts/{post_id}/hide", {f"hide-{post_id}-reason": "Dislike"}
    )
    assert refused.status_code == 403
    assert _on_thread(chris, thread_id, f"/forums/threads/{thread_id}/lock").status_code == 403
    with app.app_context():
        assert db.session.get(Post, post_id).hidden_at is None


def test_a_locked_thread_takes_no_replies(app, demo):
    jo = signed_in(app, JO)
    thread_id = _start(jo, demo)
    assessor = signed_in(app, TOM)
    assert _on_thread(assessor, thread_id, f"/forums/threads/{thread_id}/lock").status_code == 302
    page = jo.get(f"/forums/threads/{thread_id}").get_data(as_text=True)
    assert "takes no more replies" in page
    assert "Post reply" not in page
    token = csrf_from(page)
    refused = jo.post(f"/forums/threads/{thread_id}/replies", data={"body": "Hello?", "csrf_token": token})
    assert refused.status_code == 409
    with app.app_context():
        assert len(_post_ids(app, thread_id)) == 1
        locked = select(AuditEvent.actor_role).where(AuditEvent.action == "forum.thread_locked")
        assert db.session.scalar(locked) == "assessor"


def test_someone_outside_the_cohort_gets_404_everywhere(app, demo):
    jo = signed_in(app, JO)
    thread_id = _start(jo, demo)
    post_id = _post_ids(app, thread_id)[0]
    outsider = signed_in(app, AISHA)
    pages = (demo.url, f"{demo.url}/general", f"{demo.url}/reports", f"/forums/threads/{thread_id}")
    for url in (*pages, f"/forums/posts/{post_id}/edit"):
        assert outsider.get(url).status_code == 404, url
    token = csrf_from(outsider.get("/account").get_data(as_text=True))
    for url in (
        f"{demo.url}/general/threads",
        f"/forums/threads/{thread_id}/replies",
        f"/forums/threads/{thread_id}/subscribe",
        f"/forums/threads/{thread_id}/lock",
        f"/forums/posts/{post_id}/edit",
        f"/forums/posts/{post_id}/report",
        f"/forums/posts/{post_id}/hide",
        f"/forums/posts/{post_id}/resolve",
    ):
        data = {"csrf_token": token, "title": "t", "body": "b", f"report-{post_id}-reason": "r"}
        assert outsider.post(url, data=data).status_code == 404, url


def _seed_thread(app, demo, replies: int) -> int:
    """A thread with some replies from two people, made through the services (quicker than the forms)."""
    with app.app_context():
        cohort = db.session.get(Cohort, demo.cohort_id)
        jo, chris = db.session.get(User, demo.ids[JO]), db.session.get(User, demo.ids[CHRIS])
        thread = services.start_thread(
            jo, cohort, "M02", title=f"Thread of {replies}", body_md="Opening post"
        )
        for n in range(replies):
            services.reply_to_thread(chris if n % 2 else jo, thread, body_md=f"Reply {n}")
        db.session.commit()
        return thread.id


@pytest.mark.parametrize("email", [JO, TOM])
def test_thread_page_runs_the_same_number_of_queries_for_3_or_30_posts(app, demo, email):
    small, large = _seed_thread(app, demo, 2), _seed_thread(app, demo, 29)
    client = signed_in(app, email)
    with app.app_context():
        engine = db.engine
    counts = []
    for thread_id in (small, large):
        client.get(f"/forums/threads/{thread_id}")  # warm-up (first use of the connection)
        with count_queries(engine) as statements:
            assert client.get(f"/forums/threads/{thread_id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_threads_are_paged_newest_activity_first(app, demo):
    with app.app_context():
        cohort = db.session.get(Cohort, demo.cohort_id)
        jo = db.session.get(User, demo.ids[JO])
        start = utcnow() - timedelta(days=10)
        for n in range(PAGE_SIZE + 5):
            services.start_thread(
                jo, cohort, None, title=f"Topic {n:02d}", body_md="x", now=start + timedelta(hours=n)
            )
        db.session.commit()
    client = signed_in(app, JO)
    first = client.get(f"{demo.url}/general").get_data(as_text=True)
    titles = re.findall(r">Topic (\d\d)</a>", first)
    assert titles == [f"{n:02d}" for n in range(PAGE_SIZE + 4, 4, -1)]
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert re.findall(r">Topic (\d\d)</a>", second) == ["04", "03", "02", "01", "00"]
    newer = re.search(r'href="([^"]+)" rel="prev"', second).group(1).replace("&amp;", "&")
    assert re.findall(r">Topic (\d\d)</a>", client.get(newer).get_data(as_text=True)) == titles


def test_a_cohort_has_one_forum_of_each_kind(app, demo):
    with app.app_context():
        cohort = db.session.get(Cohort, demo.cohort_id)
        ids = {code: forum.id for code, forum in services.ensure_forums(cohort).items()}
        assert list(ids) == [None, "M01", "M02", "M03", "M04", "M05"]
        assert {code: forum.id for code, forum in services.ensure_forums(cohort).items()} == ids
        db.session.commit()
        db.session.add(Forum(cohort_id=cohort.id, module_code=None, title="A second general forum"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_every_forum_route_declares_a_rule(app):
    endpoints = [
        r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("qualification.forums.")
    ]
    assert len(endpoints) == 17
    assert all(rule_for(app, endpoint) is not None for endpoint in endpoints)


@pytest.mark.parametrize(
    ("age", "open_"), [(timedelta(0), True), (EDIT_WINDOW, True), (EDIT_WINDOW * 1.01, False)]
)
def test_edit_window_is_thirty_minutes(age, open_):
    now = utcnow()
    assert edit_window_open(SimpleNamespace(created_at=now - age), now) is open_

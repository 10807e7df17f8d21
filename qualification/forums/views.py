"""Cohort forums (`forums` blueprint): forum list, threads, posts, following, reports and moderation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.errors import require
from core.extensions import db
from core.forms import submit
from core.web.access import SIGNED_IN, rule
from core.web.words import plural
from qualification.cohorts.queries import cohort_or_404
from qualification.forums import queries, services
from qualification.forums import services as moderation
from qualification.forums.forms import EditPostForm, HideForm, ReplyForm, ReportForm, ThreadForm
from qualification.forums.models import Forum, Post, PostReport, Subscription, Thread  # noqa: F401
from qualification.forums.permissions import (
    TEMPLATE_PREDICATES,
    can_moderate_forums,
    can_read_forums,
    can_report_post,
)

# All five models are imported above although few are used: core/app.py imports this module, which is how
# the mapper and Alembic's autogenerate learn about the forum tables.
bp = Blueprint("forums", __name__, url_prefix="/forums")
for _predicate in TEMPLATE_PREDICATES:
    bp.add_app_template_global(_predicate)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


# Loading ----------------------------------------------------------------------------------------------


def _thread_or_404(thread_id: int) -> Thread:
    thread = queries.load_thread(thread_id)
    # 404, not 403: people outside a cohort should not learn what its members discuss.
    if thread is None or not can_read_forums(current_user, thread.forum.cohort):
        abort(404)
    return thread


def _post_or_404(post_id: int) -> Post:
    post = queries.load_post(post_id)
    if post is None or not can_read_forums(current_user, post.thread.forum.cohort):
        abort(404)
    return post


def _forum_or_404(cohort, forum_key: str) -> tuple[str | None, str]:
    code = queries.module_code_of(forum_key)
    title = queries.forum_title(cohort, code)
    if title is None:
        abort(404)
    return code, title


def _encode(cursor) -> str | None:
    if cursor is None:
        return None
    moment, thread_id = cursor
    return f"{(moment - EPOCH) // MICROSECOND}.{thread_id}"


def _decode(value: str | None):
    """A page cursor from the address; a mangled one just means the first page."""
    try:
        micros, thread_id = (value or "").split(".")
        return EPOCH + timedelta(microseconds=int(micros)), int(thread_id)
    except (ValueError, OverflowError):
        return None


def _thread_url(thread_id: int, post_id: int | None = None) -> str:
    return url_for("qualification.forums.show_thread", thread_id=thread_id) + (
        f"#post-{post_id}" if post_id else ""
    )


# Pages ------------------------------------------------------------------------------------------------


@bp.route("/cohort/<int:cohort_id>")
@rule(SIGNED_IN)
def list_forums(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    moderator = can_moderate_forums(current_user, cohort)
    return render_template(
        "qualification/forums/list.html",
        cohort=cohort,
        forums=queries.forum_summaries(current_user, cohort),
        open_reports=queries.open_report_total(cohort) if moderator else 0,
    )


@bp.route("/cohort/<int:cohort_id>/reports")
@rule(SIGNED_IN)
def list_reports(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    require(can_moderate_forums(current_user, cohort), moderation.MODERATORS_ONLY)
    return render_template(
        "qualification/forums/reports.html",
        cohort=cohort,
        reported_posts=queries.open_reports_by_post(cohort),
    )


def _forum_page(cohort, forum_key: str, form: ThreadForm | None = None, status: int = 200):
    code, title = _forum_or_404(cohort, forum_key)
    forum = queries.find_forum(cohort, code)
    page = queries.thread_page(
        forum, before=_decode(request.args.get("before")), after=_decode(request.args.get("after"))
    )

    def link(**cursor):
        return url_for("qualification.forums.show_forum", cohort_id=cohort.id, forum_key=forum_key, **cursor)

    context = {
        "cohort": cohort,
        "forum_key": forum_key,
        "title": title,
        "page": page,
        "form": form or ThreadForm(),
        "older_url": link(before=_encode(page.older)) if page.older else None,
        "newer_url": link(after=_encode(page.newer)) if page.newer else None,
    }
    return render_template("qualification/forums/forum.html", **context), status


@bp.route("/cohort/<int:cohort_id>/<forum_key>")
@rule(SIGNED_IN)
def show_forum(cohort_id: int, forum_key: str):
    return _forum_page(cohort_or_404(cohort_id), forum_key)


@bp.route("/cohort/<int:cohort_id>/<forum_key>/threads", methods=["POST"])
@rule(SIGNED_IN)
def start_thread(cohort_id: int, forum_key: str):
    cohort = cohort_or_404(cohort_id)
    code, _title = _forum_or_404(cohort, forum_key)
    form = ThreadForm()
    outcome = submit(
        form,
        lambda: services.start_thread(
            current_user, cohort, code, title=form.title.data, body_md=form.body.data
        ),
    )
    if outcome:
        flash("Your thread is started. You will get an email when someone replies.", "success")
        return redirect(_thread_url(outcome.result.id))
    return _forum_page(cohort, forum_key, form, 422)


def _thread_page(thread: Thread, status: int = 200, **forms):
    cohort = thread.forum.cohort
    posts = queries.thread_posts(thread)
    moderator = can_moderate_forums(current_user, cohort)
    reported = queries.reported_by(current_user, thread)
    failed = forms.pop("failed", {})
    report_forms = {
        p.id: failed.get(("report", p.id)) or ReportForm(prefix=f"report-{p.id}")
        for p in posts
        # Moderators hide a post themselves rather than report it to each other.
        if not moderator and p.id not in reported and can_report_post(current_user, cohort, p)
    }
    hide_forms = (
        {p.id: failed.get(("hide", p.id)) or HideForm(prefix=f"hide-{p.id}") for p in posts if not p.hidden}
        if moderator
        else {}
    )
    context = {
        "cohort": cohort,
        "thread": thread,
        "posts": posts,
        "members": {m.user_id: m for m in cohort.members},
        "subscribed": queries.is_subscribed(current_user, thread),
        "reported": reported,
        "report_counts": queries.open_report_counts(thread) if moderator else {},
        "report_forms": report_forms,
        "hide_forms": hide_forms,
        "reply_form": forms.pop("reply_form", None) or ReplyForm(),
    }
    return render_template("qualification/forums/thread.html", **context), status


@bp.route("/threads/<int:thread_id>")
@rule(SIGNED_IN)
def show_thread(thread_id: int):
    return _thread_page(_thread_or_404(thread_id))


@bp.route("/threads/<int:thread_id>/replies", methods=["POST"])
@rule(SIGNED_IN)
def reply_to_thread(thread_id: int):
    thread = _thread_or_404(thread_id)
    form = ReplyForm()
    outcome = submit(form, lambda: services.reply_to_thread(current_user, thread, body_md=form.body.data))
    if outcome:
        flash("Your reply is posted.", "success")
        return redirect(_thread_url(thread.id, outcome.result.id))
    return _thread_page(thread, 422, reply_form=form)


def _edit_page(post: Post, form: EditPostForm, status: int = 200, conflict: str | None = None):
    return render_template(
        "qualification/forums/edit_post.html", post=post, form=form, conflict=conflict
    ), status


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@rule(SIGNED_IN)
def edit_post(post_id: int):
    post = _post_or_404(post_id)
    services.require_editable(current_user, post)
    form = EditPostForm()
    if request.method == "GET":
        form.body.data, form.version.data = post.body_md, str(post.version)
        return _edit_page(post, form)
    outcome = submit(
        form,
        lambda: services.edit_post(
            current_user, post, body_md=form.body.data, expected_version=form.expected_version()
        ),
        conflicts=services.EditConflict,
        stale=services.CONFLICT,
    )
    if outcome:
        flash("Your post is updated.", "success")
        return redirect(_thread_url(post.thread_id, post.id))
    if outcome.conflict:
        # The author's text stays in the form; the page shows the post as it is now, with its new version.
        post = _post_or_404(post_id)
        form.version.data = str(post.version)
    return _edit_page(post, form, outcome.status, conflict=outcome.conflict and services.CONFLICT)


# Following, reporting, moderation ----------------------------------------------------------------------


def _thread_action(thread_id: int, service, message: str):
    thread = _thread_or_404(thread_id)
    service(current_user, thread)
    db.session.commit()
    flash(message, "success")
    return redirect(_thread_url(thread.id))


# Following a thread and moderating it: one button each, the same shape (load, act, commit, say, back to the
# thread), so the routes are made from this table: (path, endpoint, service, what the person is told).
THREAD_ACTIONS = (
    ("subscribe", "subscribe_to_thread", services.subscribe_to_thread,
     "You are following this thread: replies come by email."),
    ("unsubscribe", "unsubscribe_from_thread", services.unsubscribe_from_thread,
     "You no longer follow this thread and get no emails about it."),
    ("lock", "lock_thread", moderation.lock_thread, "Thread locked: it takes no more replies."),
    ("unlock", "unlock_thread", moderation.unlock_thread, "Thread unlocked: members can reply again."),
    ("pin", "pin_thread", moderation.pin_thread, "Thread pinned to the top of its forum."),
    ("unpin", "unpin_thread", moderation.unpin_thread, "Thread unpinned."),
)  # fmt: skip


def _thread_action_view(service, message: str):
    @rule(SIGNED_IN)
    def view(thread_id: int):
        return _thread_action(thread_id, service, message)

    return view


for _path, _endpoint, _service, _message in THREAD_ACTIONS:
    bp.add_url_rule(
        f"/threads/<int:thread_id>/{_path}",
        endpoint=_endpoint,
        view_func=_thread_action_view(_service, _message),
        methods=["POST"],
    )


def _post_with_reason(post_id: int, form_class, prefix: str, service, message: str):
    post = _post_or_404(post_id)
    form = form_class(prefix=f"{prefix}-{post.id}")
    if submit(form, lambda: service(current_user, post, reason=form.reason.data)):
        flash(message, "success")
        return redirect(_thread_url(post.thread_id, post.id))
    return _thread_page(post.thread, 422, failed={(prefix, post.id): form})


@bp.route("/posts/<int:post_id>/report", methods=["POST"])
@rule(SIGNED_IN)
def report_post(post_id: int):
    return _post_with_reason(
        post_id,
        ReportForm,
        "report",
        services.report_post,
        "Thank you. The cohort's moderators will look at it.",
    )


@bp.route("/posts/<int:post_id>/hide", methods=["POST"])
@rule(SIGNED_IN)
def hide_post(post_id: int):
    return _post_with_reason(
        post_id, HideForm, "hide", moderation.hide_post, "Post hidden. Its open reports are resolved."
    )


@bp.route("/posts/<int:post_id>/unhide", methods=["POST"])
@rule(SIGNED_IN)
def unhide_post(post_id: int):
    post = _post_or_404(post_id)
    moderation.unhide_post(current_user, post)
    db.session.commit()
    flash("Post shown to the cohort again.", "success")
    return redirect(_thread_url(post.thread_id, post.id))


@bp.route("/posts/<int:post_id>/resolve", methods=["POST"])
@rule(SIGNED_IN)
def resolve_reports(post_id: int):
    post = _post_or_404(post_id)
    count = moderation.resolve_reports(current_user, post)
    db.session.commit()
    flash(f"{plural(count, 'report')} resolved; the post stays as it is.", "success")
    if request.form.get("back") == "queue":
        return redirect(url_for("qualification.forums.list_reports", cohort_id=post.thread.forum.cohort_id))
    return redirect(_thread_url(post.thread_id, post.id))

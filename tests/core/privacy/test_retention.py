"""Retention and erasure as the operator and the administrator use them: `flask privacy retention` reports
first and changes nothing; with --apply, a candidate who left long enough ago keeps no personal field
anywhere except those docs/privacy.md lists (the name printed on a ratified certificate); records whose
period has not passed are untouched; the audit chain still verifies. An administrator's erasure on request
shows what goes and what is kept, refuses without the confirmation, and records what was kept and why."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import JSON, String, Text, cast, func, select

from core.accounts.models import LoginSession, User
from core.audit.models import AuditEvent
from core.db.timeutil import UTC, utcnow
from core.extensions import db
from core.privacy.rules import retention_days
from qualification.cohorts.models import CohortMember
from qualification.membership.services import withdraw_candidate
from tests.support.evidence import audit_rows
from tests.support.html import csrf_from, page_text, signed_in
from tests.support.people import JO, LEADER, user_id
from tests.support.privacy import HER_WORDS, jo_with_every_kind_of_record

ADMIN = "admin@northmoor.example"
NAME = "Jo Patel"
# The only places her words may stay (docs/privacy.md, "What is kept").
ALLOWED = {("certificates", "name_on_certificate")}


def _left(app, days: int) -> None:
    """Jo withdrew `days` ago (withdrawn through the service, then the clock moved on)."""
    with app.app_context():
        jo = db.session.scalar(select(User).where(User.email == JO))
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == jo.id))
        withdraw_candidate(leader, member, reason="Moved to a school abroad", now=utcnow())
        member.withdrawn_at = datetime.now(UTC) - timedelta(days=days)
        db.session.commit()


def _where_found(app, *needles: str) -> set[tuple[str, str]]:
    """Every (table, column) whose text holds any of the needles."""
    found = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text | JSON):
                    continue
                text = cast(column, Text) if isinstance(column.type, JSON) else column
                for needle in needles:
                    hit = db.session.scalar(
                        select(func.count()).select_from(table).where(text.contains(needle))
                    )
                    if hit:
                        found.add((table.name, column.name))
    return found


def _rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_dry_run_reports_and_changes_nothing(app, runner):
    jo_with_every_kind_of_record(app)
    _left(app, days=7 * 365)
    before = _where_found(app, JO, NAME, HER_WORDS)
    # Her words are in many places before (the check below is not empty by construction).
    assert {
        ("users", "email"),
        ("users", "name"),
        ("evidence_versions", "body_md"),
        ("forum_posts", "body_md"),
    } <= before
    assert any(table == "audit_events" for table, _ in before)
    assert any(table == "notifications" for table, _ in before)
    result = runner.invoke(args=["privacy", "retention"])
    assert result.exit_code == 0, result.output
    assert f"User {user_id(app, JO)} " in result.output
    assert "Would apply sign-in, messages, study, community, portfolio, judgements, account" in result.output
    assert "Dry run: nothing was changed" in result.output
    assert _where_found(app, JO, NAME, HER_WORDS) == before


def test_retention_leaves_no_personal_field_behind_but_those_listed(app, runner):
    jo_with_every_kind_of_record(app)
    _left(app, days=7 * 365)
    assert runner.invoke(args=["privacy", "retention", "--apply"]).exit_code == 0
    assert _where_found(app, JO, NAME, HER_WORDS) <= ALLOWED
    with app.app_context():
        jo = db.session.get(User, user_id_by_row(app))
        assert jo.name == "Former candidate"
        assert jo.disabled_at is not None
    # Her results stay, and the audit trail still verifies after its rows about her were redacted.
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    kept = audit_rows(app, "privacy.retention_applied")[-1]
    assert "module_results" in kept["kept"]
    assert kept["audit_redacted"] > 0
    # Nothing is due twice.
    again = runner.invoke(args=["privacy", "retention"])
    assert "Nobody's records are past their retention period." in again.output


def user_id_by_row(app) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.name == "Former candidate"))


def test_only_the_groups_whose_period_has_passed_are_applied(app, runner):
    jo_with_every_kind_of_record(app)
    _left(app, days=100)  # past sign-in's 90 days, not the year of the rest
    result = runner.invoke(args=["privacy", "retention", "--apply"])
    assert "Applied sign-in\n" in result.output
    assert ("evidence_versions", "body_md") in _where_found(app, HER_WORDS)  # her writing is still there
    with app.app_context():
        jo = db.session.scalar(select(User).where(User.email == JO))
        assert jo is not None
        assert (
            db.session.scalar(select(func.count(LoginSession.id)).where(LoginSession.user_id == jo.id)) == 0
        )


def test_someone_still_studying_is_not_due(app, runner):
    jo_with_every_kind_of_record(app)
    result = runner.invoke(args=["privacy", "retention"])
    assert "Nobody's records are past their retention period." in result.output


def test_an_administrator_erases_on_request_after_seeing_what_is_kept(app, runner):
    jo_with_every_kind_of_record(app)
    admin = signed_in(app, ADMIN)
    jo_id = user_id(app, JO)
    url = f"/admin/accounts/{jo_id}/erase"
    page = admin.get(url)
    text = page_text(page)
    assert "What will be kept, and why" in text
    assert "results: an award must stay verifiable" in text
    token = csrf_from(page.get_data(as_text=True))
    refused = admin.post(url, data={"csrf_token": token, "reason": "Request of 1 Dec, ref DP-42"})
    assert refused.status_code == 422
    assert "Tick the box to confirm" in page_text(refused)
    assert _where_found(app, JO)  # nothing changed
    done = admin.post(
        url,
        data={"csrf_token": token, "reason": "Request of 1 Dec, ref DP-42", "confirm": "y"},
        follow_redirects=True,
    )
    assert "Erased." in page_text(done)
    assert _where_found(app, JO, NAME, HER_WORDS) <= ALLOWED
    erased = audit_rows(app, "privacy.erased")
    assert erased[-1]["reason"] == "Request of 1 Dec, ref DP-42"
    assert "module_results" in erased[-1]["kept"]
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    # She can no longer sign in.
    client = app.test_client()
    response = client.post("/login", data={"email": JO, "password": "waymark-demo-2026"})
    assert "Hello" not in response.get_data(as_text=True)


def test_only_an_administrator_erases(app):
    jo_with_every_kind_of_record(app)
    leader = signed_in(app, LEADER)
    assert leader.get(f"/admin/accounts/{user_id(app, JO)}/erase").status_code in (403, 404)
    assert _rows(app, AuditEvent) > 0
    assert audit_rows(app, "privacy.erased") == []


def test_a_deployment_sets_its_own_periods(app, runner):
    jo_with_every_kind_of_record(app)
    _left(app, days=40)
    app.config["WAYMARK_RETENTION_DAYS"] = retention_days("sign-in=30,study=30")
    result = runner.invoke(args=["privacy", "retention"])
    assert "Would apply sign-in, study\n" in result.output


def test_a_period_the_rules_do_not_know_stops_the_app_at_start():
    with pytest.raises(ValueError, match="no group 'evidence'"):
        retention_days("evidence=10")
    with pytest.raises(ValueError, match="whole number of days"):
        retention_days("study=a year")
    assert retention_days("")["portfolio"] == 3 * 365

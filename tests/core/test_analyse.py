"""Commands that load data in bulk leave the planner's statistics of what they loaded fresh (ANALYZE): a
database just imported is not planned as if it were empty (issue 15)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.db.database import analyse
from core.extensions import db
from qualification.demo import DEMO_SPEC


def _analysed(app) -> dict[str, int]:
    """table -> how often it was analysed (PostgreSQL), or 1 for each table SQLite holds statistics on."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            rows = db.session.execute(
                text(
                    "SELECT relname, analyze_count FROM pg_stat_user_tables"
                    " WHERE schemaname = current_schema()"
                )
            )
            return dict(rows.all())
        has = db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))
        return (
            dict.fromkeys(db.session.scalars(text("SELECT DISTINCT tbl FROM sqlite_stat1")), 1) if has else {}
        )


def _newly(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {t for t, n in after.items() if n > before.get(t, 0)}


def test_importing_a_qualification_analyses_the_tables_it_filled(app, runner):
    before = _analysed(app)
    result = runner.invoke(args=["qualification", "import", str(DEMO_SPEC)])
    assert result.exit_code == 0, result.output
    newly = _newly(before, _analysed(app))
    assert {"modules", "learning_outcomes", "assessment_criteria", "qualification_versions"} <= newly
    assert "submissions" not in newly  # only what it loaded


def test_loading_the_demo_analyses_the_tables_it_filled(app, runner):
    before = _analysed(app)
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    newly = _newly(before, _analysed(app))
    assert {"users", "cohort_members", "assessor_allocations", "module_enrolments", "modules"} <= newly


def test_analyse_with_no_table_named_analyses_them_all(app, runner):
    """What the benchmark's generator runs after its bulk load."""
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        db.session.execute(
            text("DELETE FROM sqlite_stat1") if db.engine.dialect.name == "sqlite" else text("SELECT 1")
        )
        db.session.commit()
    before = _analysed(app)
    with app.app_context():
        analyse()
        db.session.commit()
    assert {"users", "submissions", "audit_events"} <= _newly(before, _analysed(app))


def test_postgresql_connections_do_not_compile_statements(app):
    """JIT compilation of a long statement planned without statistics took seconds (issue 15)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: SQLite has no JIT")
        assert db.session.scalar(text("SHOW jit")) == "off"

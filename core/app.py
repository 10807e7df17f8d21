"""The application factory: the composition root, the one place that imports every area."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import assessors.examiner_views  # adds external examiner access to the assessors blueprint
import assessors.marking_views  # adds the queue, marking and release to the assessors blueprint
import assessors.quality_views  # adds internal quality assurance to the assessors blueprint
import assessors.views
import assessors.witness_views
import assessors.workplace_views  # adds observations and sign-off to the assessors blueprint
import modules.authoring_file_views  # adds attaching files to the authoring blueprint
import modules.authoring_views
import modules.planner_views  # adds the planner routes to the study blueprint
import modules.views
import portfolio.file_views
import portfolio.reflection_views  # adds finishing a reflection (as evidence) to the portfolio blueprint
import portfolio.submission_views
import portfolio.views
import qualification.award_views
import qualification.booking_views  # adds booking and attendance routes to the cohorts blueprint
import qualification.calendar_views  # adds the calendar routes to the cohorts blueprint
import qualification.cohort_views
import qualification.compare_views
import qualification.editor_views
import qualification.forums.views
import qualification.pathway_views  # adds the pathway routes to the cohorts blueprint
import qualification.report_views  # adds the cohort report to the cohorts blueprint
import qualification.transcript_views  # the transcript; adds the staff view to the cohorts blueprint
import qualification.views
from assessors.marking_views import assessor_panel
from assessors.permissions import can_quality_assure, can_use_queue, is_examiner
from assessors.report_counts import COHORT_REPORT_COUNTS
from core import cli, models_registry  # noqa: F401  (models_registry: every model known to Alembic)
from core.access import install_route_gate
from core.accounts import admin_views as account_admin_views
from core.accounts import views as auth_views
from core.accounts.login import init_login
from core.accounts.permissions import can_invite, can_manage_accounts, can_view_outbox
from core.audit import views as audit_views
from core.config import load_config
from core.database import configure_engine
from core.errors import register_error_handlers
from core.extensions import csrf, db, login_manager, migrate
from core.formatting import register_filters
from core.mail import views as mail_views
from core.markdown import register_markdown_filter
from core.navigation import navigation
from core.notifications import views as notification_views
from core.querycount import install_query_header
from core.security import WaymarkFlask, install_security
from core.uploads import UploadRequest
from core.views import bp as core_bp
from core.views import current_theme
from modules.home import study_panel
from modules.permissions import can_author_content, can_plan_study
from portfolio.permissions import can_use_portfolio
from qualification.home import cohort_panel
from qualification.permissions import can_edit_qualifications, can_manage_cohort

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build a configured Waymark app."""
    instance = Path(os.environ.get("WAYMARK_INSTANCE_DIR") or ROOT / "instance")
    app = WaymarkFlask(
        "waymark",
        root_path=str(ROOT),
        instance_path=str(instance),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.request_class = UploadRequest  # file parts are written straight into the file store
    app.config.update(load_config(instance))
    if overrides:
        app.config.update(overrides)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    if app.config["WAYMARK_PROXY_HOPS"]:
        hops = app.config["WAYMARK_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_prefix=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    # Before CSRFProtect, so even a refused form gets its request id (header, error page, logs).
    install_security(app)
    csrf.init_app(app)
    install_query_header(app)
    login_manager.init_app(app)
    init_login(login_manager)
    configure_engine(app)

    register_error_handlers(app)
    register_markdown_filter(app)
    register_filters(app)
    app.jinja_env.globals.update(
        navigation=navigation,
        can_invite=can_invite,
        can_manage_accounts=can_manage_accounts,
        can_view_outbox=can_view_outbox,
        can_manage_cohorts=can_manage_cohort,
    )
    app.context_processor(lambda: {"theme": current_theme()})

    for blueprint in (
        core_bp,
        auth_views.bp,
        account_admin_views.admin_bp,
        account_admin_views.people_bp,
        mail_views.bp,
        audit_views.bp,
        notification_views.bp,
        modules.views.bp,
        modules.authoring_views.bp,
        qualification.views.bp,
        qualification.views.catalogue_bp,
        qualification.cohort_views.bp,
        qualification.forums.views.bp,
        qualification.compare_views.bp,
        qualification.award_views.bp,
        qualification.editor_views.bp,
        qualification.transcript_views.bp,
        portfolio.views.bp,
        portfolio.submission_views.bp,
        portfolio.file_views.bp,
        assessors.views.bp,
        assessors.witness_views.bp,
    ):
        app.register_blueprint(blueprint)
    # Menu entries of the areas: (label, endpoint, predicate), shown when the predicate allows.
    app.extensions["waymark_home_panels"] = [study_panel, cohort_panel, assessor_panel]
    # Cohort report columns owned by higher packages: (key, heading, cohort id -> {candidate id: count}).
    app.extensions["waymark_cohort_report_counts"] = COHORT_REPORT_COUNTS
    app.extensions["waymark_nav"] = [
        ("Study planner", "study.planner", can_plan_study),
        ("Portfolio", "portfolio.list_items", can_use_portfolio),
        ("Submissions", "submissions.list_submissions", can_use_portfolio),
        ("Transcript", "transcripts.show_transcript", can_use_portfolio),
        ("Cohorts", "cohorts.list_cohorts", lambda user: True),
        ("Qualifications", "qualification.list_all", can_edit_qualifications),
        ("Module content", "authoring.list_modules", can_author_content),
        ("Assessment queue", "assessors.show_queue", can_use_queue),
        ("Quality assurance", "assessors.list_iqa_work", can_quality_assure),
        ("External examining", "assessors.list_examiner_grants", is_examiner),
    ]
    # Registered last so it runs after the request id is set (hooks run in registration order).
    install_route_gate(app)
    cli.register(app)
    return app

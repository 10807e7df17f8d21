"""The application factory and its configuration: the composition root, the one place that imports every area.

Each area lists its own blueprints (`<area>/blueprints.py`); this module registers those five parents and
wires what the areas offer each other (home panels, menu entries, report columns) without their importing
upwards.
"""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from assessors import blueprints as assessors_blueprints
from assessors.examiner.queries import examiner_panel
from assessors.history.queries import audit_labels
from assessors.marking.queries import attestations
from assessors.permissions import can_quality_assure, can_use_queue, is_examiner
from assessors.quality.queries import iqa_panel
from assessors.queries import COHORT_REPORT_COUNTS, cohort_activity
from assessors.queue.queries.leader import leader_panel
from assessors.queue.queries.page import assessor_panel, unallocated_by_candidate, unallocated_count
from assessors.services import move_unstarted_work
from core import blueprints as core_blueprints
from core import cli
from core.accounts.permissions import can_invite, can_manage_accounts, can_view_outbox
from core.accounts.queries import init_login
from core.db import registry  # noqa: F401  (every model known to Alembic)
from core.db.database import configure_engine
from core.db.querycount import install_query_header
from core.errors import register_error_handlers
from core.extensions import csrf, db, login_manager, migrate
from core.files.uploads import UploadRequest
from core.mfa.rules import required_roles_setting
from core.privacy.rules import retention_days
from core.sso.rules import providers_from_env
from core.sso.services.oidc import init_sso, sign_in_buttons, signout_offer
from core.web.access import install_route_gate
from core.web.api import install_api
from core.web.assets import install_assets
from core.web.cookies import SlidingSessionInterface
from core.web.formatting import current_theme, register_filters
from core.web.markdown import register_markdown_filter
from core.web.navigation import navigation
from core.web.security import WaymarkFlask, install_security
from modules import blueprints as modules_blueprints
from modules.permissions import can_author_content, can_plan_study
from modules.study.queries import study_panel
from portfolio import blueprints as portfolio_blueprints
from portfolio.permissions import can_use_portfolio
from portfolio.services import tell_leader_on_joining, waiting_work, watch_unallocated
from portfolio.submissions.queries import closed_modules, module_handed_in, waiting_panel
from qualification import blueprints as qualification_blueprints
from qualification.cohorts.queries import cohort_panel
from qualification.cohorts.services import allocate_on_joining
from qualification.deadlines.queries import deadlines_panel
from qualification.membership.queries import candidates_left, refusal
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

    app.session_interface = SlidingSessionInterface()
    db.init_app(app)
    # First of the response hooks, so that its compression runs after every other hook (they run in reverse).
    install_assets(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    # Before CSRFProtect, so even a refused form gets its request id (header, error page, logs).
    install_security(app)
    # Before CSRFProtect too (hooks run in registration order): the CSRF check reads request.form, which
    # parses the whole body and spools its file parts to disk; a request the route refuses (an anonymous
    # upload) is answered without a byte of its body read.
    install_route_gate(app)
    csrf.init_app(app)
    install_query_header(app)
    login_manager.init_app(app)
    init_login(login_manager)
    init_sso(app)
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
        sso_providers=sign_in_buttons,
        sso_signout_offer=signout_offer,
    )
    app.context_processor(lambda: {"theme": current_theme()})

    # The areas in import order; each parent carries its capabilities' blueprints (`area.capability.view`).
    for area in (
        core_blueprints,
        modules_blueprints,
        qualification_blueprints,
        portfolio_blueprints,
        assessors_blueprints,
    ):
        app.register_blueprint(area.bp)
    # The JSON API's document, written from the API blueprints the areas registered (qualification.api).
    install_api(app)
    # Home panels of the areas, in page order: (user) -> {"template": ..., ...} or None.
    app.extensions["waymark_home_panels"] = [
        study_panel,
        waiting_panel,
        cohort_panel,
        deadlines_panel,
        leader_panel,
        assessor_panel,
        iqa_panel,
        examiner_panel,
    ]
    # Modules with no study left for a candidate (submitted, achieved, claimed by APL): "Tonight" skips them.
    app.extensions["waymark_closed_modules"] = [closed_modules]
    # Cohort report columns owned by higher packages (qualification.results.queries.report.ReportColumns, or
    # a bare (key, heading, cohort id -> {candidate id: count})), and the events its charts count.
    app.extensions["waymark_cohort_report_counts"] = COHORT_REPORT_COUNTS
    app.extensions["waymark_cohort_report_activity"] = [cohort_activity]
    # The audit trail's objects in words ("Decision on M01 attempt 1 (Jo Patel)"), for the admin's audit page.
    app.extensions["waymark_audit_labels"] = [audit_labels]
    # What assessors attest per criterion (observations, sign-offs), for the candidate's gap view.
    app.extensions["waymark_attestations"] = [attestations]
    # Who has handed a module in (submitted or achieved), so an announcement to those behind leaves them out.
    app.extensions["waymark_module_handed_in"] = [module_handed_in]
    # What happens when an invited person joins: candidates get an assessor by their cohort's rule; one still
    # without brings work that waits with nobody (observations to plan), which their course leader is told of.
    app.extensions["waymark_on_joining"] = [allocate_on_joining, tell_leader_on_joining]
    # How much work waits with no assessor in a cohort, for those who see it (the cohort page links to it).
    app.extensions["waymark_unallocated_count"] = [unallocated_count]
    # The same work per candidate (the queue's rule), and the watch that tells the leader when a candidate's
    # choice of options starts it (qualification's pathway cannot import the portfolio).
    app.extensions["waymark_unallocated_work"] = [unallocated_by_candidate]
    app.extensions["waymark_unallocated_watch"] = [watch_unallocated]
    # Who has left (every membership ended) and when, for retention (core/privacy).
    app.extensions["waymark_left_on"] = [candidates_left]
    # A candidate moved to another cohort: their work no assessor has started goes with them.
    app.extensions["waymark_on_transfer"] = [move_unstarted_work]
    # A candidate's work waiting for a decision in a cohort, by kind (their membership page shows it).
    app.extensions["waymark_waiting_work"] = [waiting_work]
    # Why a candidate's study may not change (withdrawn from the cohort): (user, cohort id) -> why, or None.
    app.extensions["waymark_study_refusals"] = [refusal]
    # Menu entries of the areas: (label, endpoint, predicate), shown when the predicate allows.
    app.extensions["waymark_nav"] = [
        ("Study planner", "modules.planner.planner", can_plan_study),
        ("Portfolio", "portfolio.evidence.list_items", can_use_portfolio),
        ("Submissions", "portfolio.submissions.list_submissions", can_use_portfolio),
        ("Transcript", "qualification.results.show_transcript", can_use_portfolio),
        ("Cohorts", "qualification.cohorts.list_cohorts", lambda user: True),
        ("Qualifications", "qualification.versions.list_all", can_edit_qualifications),
        ("Module content", "modules.authoring.list_modules", can_author_content),
        ("Assessment queue", "assessors.queue.show_queue", can_use_queue),
        ("Quality assurance", "assessors.quality.list_iqa_work", can_quality_assure),
        ("External examining", "assessors.examiner.list_examiner_grants", is_examiner),
    ]
    cli.register(app)
    return app


# Configuration ----------------------------------------------------------------------------------------


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder.

    Several app servers must share one key, so production sets SECRET_KEY (docs/operations.md).
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two processes starting at once must not write two different keys.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _base_url() -> str:
    """The site address put in emailed and in-app links: WAYMARK_BASE_URL, else this machine on the port the
    server listens on (PORT or FLASK_RUN_PORT, as `PORT=5203 ./run.sh` sets it), so links reach the app."""
    configured = os.environ.get("WAYMARK_BASE_URL", "").strip()
    if configured:
        return configured.rstrip("/")
    port = os.environ.get("PORT") or os.environ.get("FLASK_RUN_PORT") or "5000"
    return f"http://127.0.0.1:{port}"


def load_config(instance_path: Path) -> dict:
    """Build the app's config dict from the environment."""
    instance_path = Path(instance_path)
    # SQLite cannot create its file in a folder that does not exist, whatever SECRET_KEY says.
    instance_path.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'waymark.db'}"
    # psycopg 3 is the driver we ship; accept the common postgres:// spellings too.
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            database_url = "postgresql+psycopg://" + database_url[len(prefix) :]
    idle_hours = _env_int("WAYMARK_IDLE_HOURS", 8)
    https = _env_bool("WAYMARK_HTTPS", False)
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # No pool_pre_ping: SQLite has no connection to lose, and core/db/postgres.py pings a PostgreSQL
        # connection only after it was idle (a round trip per request otherwise).
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "WAYMARK_DATA_DIR": os.environ.get("WAYMARK_DATA_DIR") or str(instance_path / "data"),
        "WAYMARK_SQLITE_BUSY_MS": _env_int("WAYMARK_SQLITE_BUSY_MS", 5000),
        # Evening study is interrupted: 8 hours idle by default, 30 days with "remember me".
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=idle_hours),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "REMEMBER_COOKIE_DURATION": timedelta(days=_env_int("WAYMARK_REMEMBER_DAYS", 30)),
        "WAYMARK_SESSION_MAX_HOURS": _env_int("WAYMARK_SESSION_MAX_HOURS", 24),
        "SESSION_COOKIE_NAME": "waymark_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_NAME": "waymark_remember",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "WAYMARK_HTTPS": https,
        "WAYMARK_PROXY_HOPS": _env_int("WAYMARK_PROXY_HOPS", 0),
        # A form left open all evening must still submit: CSRF tokens live as long as the session.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": _env_int("WAYMARK_MAX_REQUEST_MB", 60) * 1024 * 1024,
        "WAYMARK_MAX_UPLOAD_MB": _env_int("WAYMARK_MAX_UPLOAD_MB", 50),
        "WAYMARK_BASE_URL": _base_url(),
        # Digital credentials: the signing keys' folder (outside the database and its backups), and the
        # issuer named in every credential (the university; its home page, else this site).
        "WAYMARK_CREDENTIAL_KEY_DIR": os.environ.get("WAYMARK_CREDENTIAL_KEY_DIR")
        or str(instance_path / "credential-keys"),
        # The credential's issuer is the awarding body printed on the certificate unless set apart.
        "WAYMARK_ISSUER_NAME": os.environ.get("WAYMARK_ISSUER_NAME", "").strip()
        or os.environ.get("WAYMARK_UNIVERSITY", "").strip()
        or "Northmoor University",
        "WAYMARK_ISSUER_URL": os.environ.get("WAYMARK_ISSUER_URL", "").strip(),
        # Wrong passwords for one account from one address before that address waits (1, 2, 4 ... minutes).
        "WAYMARK_LOGIN_FREE_FAILURES": _env_int("WAYMARK_LOGIN_FREE_FAILURES", 5),
        "WAYMARK_LOGIN_LONGEST_WAIT_MINUTES": _env_int("WAYMARK_LOGIN_LONGEST_WAIT_MINUTES", 15),
        # Failures for one account from all addresses after which only addresses with none get a free try.
        "WAYMARK_LOGIN_ACCOUNT_CEILING": _env_int("WAYMARK_LOGIN_ACCOUNT_CEILING", 100),
        "WAYMARK_LOGIN_MEMORY_HOURS": _env_int("WAYMARK_LOGIN_MEMORY_HOURS", 24),
        # Wrong second-factor codes per account (the password was right: no stranger can make these).
        "WAYMARK_LOGIN_MAX_FAILURES_ACCOUNT": _env_int("WAYMARK_LOGIN_MAX_FAILURES_ACCOUNT", 5),
        "WAYMARK_LOGIN_MAX_FAILURES_ADDRESS": _env_int("WAYMARK_LOGIN_MAX_FAILURES_ADDRESS", 20),
        "WAYMARK_LOGIN_WINDOW_MINUTES": _env_int("WAYMARK_LOGIN_WINDOW_MINUTES", 15),
        # The public certificate check, per address and window: unknown numbers and name checks together,
        # and name checks against one certificate from anywhere (a name is guessed one try at a time).
        "WAYMARK_VERIFY_MAX_LOOKUPS": _env_int("WAYMARK_VERIFY_MAX_LOOKUPS", 20),
        "WAYMARK_VERIFY_MAX_NAME_CHECKS": _env_int("WAYMARK_VERIFY_MAX_NAME_CHECKS", 10),
        # The awarding body printed on certificates and transcripts and named on the public check.
        "WAYMARK_UNIVERSITY": os.environ.get("WAYMARK_UNIVERSITY", "").strip() or "Northmoor University",
        # Single sign-on (docs/operations.md): the OpenID providers; may staff still use passwords?
        "WAYMARK_OIDC_PROVIDERS": providers_from_env(os.environ),
        "WAYMARK_PASSWORD_SIGNIN_FOR_STAFF": _env_bool("WAYMARK_PASSWORD_SIGNIN_FOR_STAFF", True),
        # Requests each API token may make in a minute (429 with Retry-After past it).
        "WAYMARK_API_PER_MINUTE": _env_int("WAYMARK_API_PER_MINUTE", 120),
        # Multi-factor sign-in (core/mfa): the roles that must use it (unset: the four staff roles whose
        # decisions reach awards; empty: nobody), and the keys that seal authenticator secrets (newest
        # first; unset: derived from SECRET_KEY).
        "WAYMARK_MFA_REQUIRED_ROLES": required_roles_setting(os.environ.get("WAYMARK_MFA_REQUIRED_ROLES")),
        "WAYMARK_MFA_KEYS": [
            k.strip() for k in os.environ.get("WAYMARK_MFA_KEYS", "").split(",") if k.strip()
        ],
        # Bench mode adds X-Query-Count to responses (bench/ reads it); never needed in production.
        "WAYMARK_BENCH": _env_bool("WAYMARK_BENCH", False),
        # How long each group of a leaver's records is kept (docs/privacy.md): the defaults, or as set here.
        "WAYMARK_RETENTION_DAYS": retention_days(os.environ.get("WAYMARK_RETENTION_DAYS")),
        # Who the privacy notice and accessibility statement tell people to contact.
        "WAYMARK_PRIVACY_CONTACT": os.environ.get("WAYMARK_PRIVACY_CONTACT", ""),
        "WAYMARK_ACCESSIBILITY_CONTACT": os.environ.get("WAYMARK_ACCESSIBILITY_CONTACT", ""),
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "log"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Waymark <no-reply@waymark.invalid>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": _env_int("SMTP_PORT", 587),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _env_bool("SMTP_STARTTLS", True),
        "SMTP_TIMEOUT": _env_int("SMTP_TIMEOUT", 20),
    }

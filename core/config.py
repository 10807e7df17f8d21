"""Configuration from environment variables, with defaults that are safe on a single machine."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


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
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
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
        "WAYMARK_BASE_URL": os.environ.get("WAYMARK_BASE_URL", "http://127.0.0.1:5000"),
        "WAYMARK_LOGIN_MAX_FAILURES_ACCOUNT": _env_int("WAYMARK_LOGIN_MAX_FAILURES_ACCOUNT", 5),
        "WAYMARK_LOGIN_MAX_FAILURES_ADDRESS": _env_int("WAYMARK_LOGIN_MAX_FAILURES_ADDRESS", 20),
        "WAYMARK_LOGIN_WINDOW_MINUTES": _env_int("WAYMARK_LOGIN_WINDOW_MINUTES", 15),
        # Bench mode adds X-Query-Count to responses (bench/ reads it); never needed in production.
        "WAYMARK_BENCH": _env_bool("WAYMARK_BENCH", False),
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "log"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Waymark <no-reply@waymark.invalid>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": _env_int("SMTP_PORT", 587),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _env_bool("SMTP_STARTTLS", True),
        "SMTP_TIMEOUT": _env_int("SMTP_TIMEOUT", 20),
    }

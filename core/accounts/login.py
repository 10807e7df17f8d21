"""Flask-Login wiring: the cookie names a server-side login session, checked on every request."""

from flask import request
from flask_login import LoginManager

from core.accounts.sessions import load_session_user


def client_ip() -> str:
    """The client's address (ProxyFix has already applied trusted X-Forwarded-For hops)."""
    return request.remote_addr or "unknown"


def init_login(login_manager: LoginManager) -> None:
    """Configure Flask-Login to load users from live login sessions only."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    # Our sessions are server-side and revocable; Flask-Login's IP/agent fingerprinting would only sign
    # people out when a school's proxy changes address mid-evening.
    login_manager.session_protection = None

    @login_manager.user_loader
    def _load(session_token: str):
        return load_session_user(session_token)

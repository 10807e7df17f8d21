"""The session cookie: signed, sliding (the idle timeout runs from the last request), re-signed at most once a
minute.

Flask re-signs and re-sends a permanent session's cookie on every request when SESSION_REFRESH_EACH_REQUEST is
on, which is how the idle timeout slides. Signing costs as much as a page's database reads, and the timeout is
counted in hours, so the cookie is refreshed only when it was signed more than REFRESH_AFTER ago: the idle
timeout then slides in steps of a minute, and a page that changes the session still sends it at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

REFRESH_AFTER = timedelta(minutes=1)


class SlidingSession(SecureCookieSession):
    # When the cookie this session came from was signed (None: a new session, or one to send anyway).
    signed_at: datetime | None = None


class SlidingSessionInterface(SecureCookieSessionInterface):
    session_class = SlidingSession

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or datetime.now(UTC) - signed_at >= REFRESH_AFTER

    def save_session(self, app, session, response) -> None:
        # A static file is the same for everyone: no cookie, and no `Vary: Cookie`, which would make a
        # browser fetch the year-long cached stylesheet again whenever the session cookie changed.
        if request.endpoint == "static" and not session.modified:
            return
        super().save_session(app, session, response)

"""The WSGI entry point: `flask` finds `app` here from the repository root; `gunicorn wsgi:app` serves it."""

from core.app import create_app

app = create_app()

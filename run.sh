#!/bin/sh
# Run Waymark locally: make the virtual environment, install, migrate SQLite, load the demo, then serve it on
# http://127.0.0.1:5000 (or $PORT) with gunicorn and the mail sender (.serve.sh).
set -eu
cd "$(dirname "$0")"
. ./.venv-setup.sh
ensure_venv ""

export FLASK_APP=wsgi.py
# Links in email and notifications follow the port unless WAYMARK_BASE_URL says otherwise (core/app.py).
export PORT="${PORT:-5000}"
# The demo's staff sign in with the password alone unless you ask for multi-factor sign-in (README, Demo
# logins): production requires it of administrators, course leaders, IQAs and examiners.
export WAYMARK_MFA_REQUIRED_ROLES="${WAYMARK_MFA_REQUIRED_ROLES-}"
# Every worker process must sign cookies with the same key: without SECRET_KEY the app keeps one in
# instance/secret_key, made once (core/app.py).
echo "Migrating the database..."
.venv/bin/flask db upgrade
.venv/bin/flask demo load
exec ./.serve.sh

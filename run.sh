#!/bin/sh
# Run Waymark locally: make the virtual environment, install, migrate SQLite, load the demo, serve on :5000 (or $PORT).
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
echo "Migrating the database..."
.venv/bin/flask db upgrade
.venv/bin/flask demo load
# Email waits in the outbox; this sender delivers it (to the log, in the demo) without blocking any request.
.venv/bin/flask mail send --loop --interval 5 >instance/mail.log 2>&1 &
sender=$!
trap 'kill $sender 2>/dev/null || true' EXIT INT TERM
echo "Waymark is at http://127.0.0.1:${PORT:-5000}/ (Ctrl-C to stop)"
.venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"

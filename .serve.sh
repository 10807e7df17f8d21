#!/bin/sh
# run.sh's serving part, on a migrated database: gunicorn on 127.0.0.1:$PORT, as production serves (several
# processes, each with its own database connections and caches), and the mail sender, restarted whenever it
# stops. Ctrl-C (or TERM) stops both: gunicorn lets requests under way finish first.
#   WAYMARK_BIN   where gunicorn and flask are (.venv/bin)
#   WEB_CONCURRENCY, WAYMARK_THREADS   gunicorn worker processes (2) and threads in each (4)
set -eu
bin="${WAYMARK_BIN:-.venv/bin}"
instance="${WAYMARK_INSTANCE_DIR:-instance}"
port="${PORT:-5000}"
restart_pause="${WAYMARK_SENDER_RESTART_SECONDS:-5}"
mkdir -p "$instance"

# The mail sender delivers the outbox (to the log, in the demo) without blocking any request. Should it stop
# (a crash, a database restart), it is started again after a pause; its output goes to instance/mail.log.
supervise_sender() {
    child=""
    trap 'kill "$child" 2>/dev/null; exit 0' TERM
    while :; do
        "$bin/flask" mail send --loop --interval 5 >>"$instance/mail.log" 2>&1 &
        child=$!
        echo "$(date '+%Y-%m-%d %H:%M:%S') mail sender started (pid $child)" >>"$instance/mail.log"
        status=0
        wait "$child" || status=$?
        echo "$(date '+%Y-%m-%d %H:%M:%S') mail sender stopped (exit $status); restarting in ${restart_pause}s" \
            >>"$instance/mail.log"
        sleep "$restart_pause" &
        child=$!
        wait "$child" || true
    done
}
supervise_sender &
supervisor=$!

# gunicorn in a process group of its own, so that Ctrl-C reaches this script alone, which then asks gunicorn
# for a graceful stop (TERM: requests under way finish; the terminal's INT would cut them off).
# Two worker processes (a laptop has two cores or more; the database, not Python, is what requests wait
# for), four threads each, so that a slow upload or PDF does not hold up everyone else. SQLite takes several
# processes: WAL, a busy timeout and BEGIN IMMEDIATE for writes (core/db/database.py).
"$bin/python" -c 'import os, sys; os.setpgid(0, 0); os.execv(sys.argv[1], sys.argv[1:])' \
    "$bin/gunicorn" wsgi:app \
    --bind "127.0.0.1:$port" \
    --workers "${WEB_CONCURRENCY:-2}" --threads "${WAYMARK_THREADS:-4}" \
    --graceful-timeout 10 \
    --access-logfile - \
    --no-control-socket &
server=$!

stop() {
    trap - INT TERM
    kill -TERM "$server" 2>/dev/null || true
    kill -TERM "$supervisor" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    wait "$supervisor" 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
echo "Waymark is at http://127.0.0.1:$port/ (gunicorn; Ctrl-C to stop)"
status=0
wait "$server" || status=$?
# gunicorn stopped by itself (it could not bind the port, say): stop the sender too.
stop
exit "$status"

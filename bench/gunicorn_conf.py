"""gunicorn settings the benchmark adds to the command line: a worker tells the runner it is ready (the app
loaded, no request served yet) by writing its pid into WAYMARK_BENCH_READY_DIR, so the runner can read its
memory before the first request (bench/server.py)."""

import os
from pathlib import Path


def post_worker_init(worker):
    folder = os.environ.get("WAYMARK_BENCH_READY_DIR")
    if folder:
        Path(folder, str(worker.pid)).write_text("ready", encoding="ascii")

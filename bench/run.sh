#!/bin/sh
# Run the benchmark in the project's own virtual environment (made like test.sh and run.sh make it).
# Arguments go to bench/run.py: --tier S|M, --both, --database URL, --workers N, ... (see bench/README.md).
set -eu
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
    # W0's floor (and W1's ratio) need a native load generator: without it they are reported as FAIL.
    echo "bench: wrk is missing - install it with: sudo apt-get install wrk   (Debian 12: wrk 4.1.0)" >&2
fi
. ./.venv-setup.sh
ensure_venv ""
exec .venv/bin/python bench/run.py "$@"

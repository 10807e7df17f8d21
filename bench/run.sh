#!/bin/sh
# Run the benchmark in the project's own virtual environment (made like test.sh and run.sh make it).
# Arguments go to bench/run.py: --tier S|M, --database URL, --clients N, ... (see bench/README.md).
set -eu
cd "$(dirname "$0")/.."
. ./.venv-setup.sh
ensure_venv ""
exec .venv/bin/python bench/run.py "$@"

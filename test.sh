#!/bin/sh
# Run the whole test suite in the project's own virtual environment. Extra arguments go to pytest.
set -eu
cd "$(dirname "$0")"
. ./.venv-setup.sh
ensure_venv "[dev]"
exec .venv/bin/python -m pytest "$@"

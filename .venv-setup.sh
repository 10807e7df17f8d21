# Shared by run.sh and test.sh: create .venv with Python 3.11+ and install the project into it when
# pyproject.toml has changed since the last install.
ensure_venv() {
    extras="$1"
    if [ ! -x .venv/bin/python ]; then
        py=""
        for candidate in python3.13 python3.12 python3.11 python3; do
            if command -v "$candidate" >/dev/null 2>&1 &&
                "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
                py="$candidate"
                break
            fi
        done
        if [ -z "$py" ]; then
            echo "Waymark needs Python 3.11 or newer (with venv). Install it and try again." >&2
            exit 1
        fi
        echo "Creating the virtual environment with $py..."
        "$py" -m venv .venv
        .venv/bin/python -m pip install --quiet --upgrade pip
    fi
    stamp=".venv/.installed$extras"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        echo "Installing Waymark and its dependencies..."
        .venv/bin/python -m pip install --quiet -e ".$extras"
        touch "$stamp"
    fi
    mkdir -p instance
}

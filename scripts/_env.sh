# Shared setup for scripts/*: sourced, not executed.
# Creates the venv and installs the project into it; builds the node binary.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

find_python() {
    for cand in python3.11 python3.12 python3.13 python3; do
        if command -v "$cand" >/dev/null 2>&1 &&
           "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
            echo "$cand"; return 0
        fi
    done
    echo "error: Python >= 3.11 is required" >&2
    return 1
}

# Installs (or refreshes, when pyproject.toml changed) the project and its test extras.
ensure_venv() {
    if [ ! -x "$PY" ]; then
        echo "==> creating virtualenv in .venv"
        "$(find_python)" -m venv "$VENV"
    fi
    local stamp="$VENV/.abci-mpc-installed"
    local want
    want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "==> installing abci-mpc and test dependencies"
        "$PY" -m pip install -q --upgrade pip
        "$PY" -m pip install -q -e "$ROOT[test]"
        echo "$want" > "$stamp"
    fi
}

# Builds build/bin/abci-mpc-node from cometbft/ (a no-op when it is up to date).
ensure_node() {
    if [ -x "$ROOT/scripts/build-node" ]; then
        "$ROOT/scripts/build-node"
    fi
}

# Shared by scripts/demo and scripts/test: a project virtualenv with the given extras.
# Usage: source scripts/_env.sh EXTRAS   (EXTRAS like "demo" or "dev")
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SIGMASIGHT_VENV:-$ROOT/.venv}"

find_python() {
    for candidate in python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c "import sys; sys.exit(sys.version_info < (3, 11))" 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "error: SigmaSight needs Python 3.11 or newer on PATH" >&2
    return 1
}

ensure_venv() {
    local extras="$1"
    if [ ! -x "$VENV/bin/python" ]; then
        echo "==> creating virtualenv $VENV"
        "$(find_python)" -m venv "$VENV"
    fi
    if [ ! -x "$VENV/bin/uv" ]; then
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv>=0.4"
    fi
    echo "==> installing sigmasight[$extras]"
    "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" -e "$ROOT[$extras]"
    # Bytecode for every installed module and ours: uv installs none, and where
    # PYTHONDONTWRITEBYTECODE is set (as on the machines here) every process would
    # compile numpy, scipy, numba... from source again (numba's start: 1.5 s -> 0.4 s).
    # Up-to-date files are skipped, so a later run takes a few seconds.
    "$VENV/bin/python" -m compileall -q -j 0 \
        "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
        "$ROOT/src" >/dev/null 2>&1 || echo "==> note: some modules could not be byte-compiled"
    # numba's compiled kernels, cached on disk beside their source: without them a fresh
    # checkout's first run compiles them itself (~2.5 s); a later install finds them.
    "$VENV/bin/python" -c \
        'from sigmasight.analytics.risk_metrics import warm_kernels; warm_kernels()' \
        || echo "==> note: the compiled kernels could not be cached"
}

"""Start-up time of the ``sigmasight`` command, against Python's and Typer's own.

Run: ``.venv/bin/python benchmarks/bench_cli.py [--runs 7]``.
Each command runs in a fresh process (as a user starts it); prints the best and the
median wall time of ``--runs`` runs, and the ratio to two floors measured in the same
run: a bare interpreter and an interpreter that only imports Typer. The target
(/work/shared/PERFORMANCE.md) is ``sigmasight --help`` under 0.5 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_SECONDS = 0.5


def _times(command: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        out.append(time.perf_counter() - began)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    script = shutil.which("sigmasight", path=str(Path(sys.executable).parent))
    if script is None:
        sys.exit("sigmasight is not installed next to this interpreter (pip install -e .)")
    cases = {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "python -c 'import typer' (floor)": [sys.executable, "-c", "import typer"],
        "sigmasight --help": [script, "--help"],
        "sigmasight --version": [script, "--version"],
        "sigmasight batch --help": [script, "batch", "--help"],
    }
    results = {name: _times(command, args.runs) for name, command in cases.items()}
    typer_floor = min(results["python -c 'import typer' (floor)"])
    print(f"{'command':36} {'best':>8} {'median':>8} {'x typer':>8}")
    for name, times in results.items():
        best, median = min(times), statistics.median(times)
        print(f"{name:36} {best:7.3f}s {median:7.3f}s {best / typer_floor:7.2f}x")
    best_help = min(results["sigmasight --help"])
    verdict = "met" if best_help <= TARGET_SECONDS else "NOT met"
    print(f"target: sigmasight --help <= {TARGET_SECONDS} s: {verdict} ({best_help:.3f} s)")


if __name__ == "__main__":
    main()

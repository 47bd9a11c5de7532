"""The command line starts fast: help and version import no heavy module.

``benchmarks/bench_cli.py`` measures the time; this test checks the cause that makes it
slow, which does not depend on how loaded the machine is: a module such as pandas,
numpy, SQLAlchemy or FastAPI imported before any command runs.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from sigmasight import __version__

HEAVY = (
    "pandas",
    "numpy",
    "scipy",
    "sqlalchemy",
    "fastapi",
    "pydantic",
    "uvicorn",
    "plotly",
    "dask",
    "exchange_calendars",
    "structlog",
    "rich",
)
PROBE = """
import sys
sys.argv = ["sigmasight", *sys.argv[1:]]
from sigmasight.cli.main import main
try:
    main()
except SystemExit as exit:
    code = exit.code or 0
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print("HEAVY=" + ",".join(heavy))
sys.exit(code)
"""


def _run(*args: str) -> tuple[int, str, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out, _, heavy = result.stdout.rpartition("HEAVY=")
    return result.returncode, out, [m for m in heavy.strip().split(",") if m]


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (("--help",), ()),
        (("--version",), ()),
        # Typer itself imports pydantic to describe some commands' options.
        (("batch", "--help"), ("pydantic",)),
        (("portfolio", "--help"), ("pydantic",)),
        (("data", "check", "--help"), ("pydantic",)),
    ],
)
def test_help_and_version_import_no_heavy_module(
    args: tuple[str, ...], allowed: tuple[str, ...]
) -> None:
    code, out, heavy = _run(*args)
    assert code == 0, out
    unexpected = [m for m in heavy if m not in allowed]
    assert unexpected == [], f"`sigmasight {' '.join(args)}` imported {unexpected}"


def test_version_is_documented_and_printed() -> None:
    code, out, _ = _run("--version")
    assert code == 0
    assert out.strip() == f"sigmasight {__version__}"
    _code, out, _ = _run("--help")
    assert "--version  Print SigmaSight's version (sigmasight X.Y.Z) and exit." in out


def test_bench_default_end_is_the_synthetic_default() -> None:
    from sigmasight.cli import bench
    from sigmasight.services.synthetic import DEFAULT_END

    assert DEFAULT_END.isoformat() == bench.DEFAULT_END

"""The shared figures sit below the entry points: the charts import none of them, and
the reports take their charts from :mod:`sigmasight.charts`, not from the dashboard."""

from __future__ import annotations

import ast
from pathlib import Path

import sigmasight

PACKAGE = Path(sigmasight.__file__).parent
ENTRY_POINTS = ("sigmasight.api", "sigmasight.cli", "sigmasight.web", "sigmasight.reports")
#: What the reports still read from the dashboard package: its number formats (the CLI
#: reads them too; no page code, no chart).
REPORTS_FROM_WEB = {"sigmasight.web.formatting"}


def _imports(folder: str) -> dict[str, set[str]]:
    """Every ``sigmasight`` module each file of ``folder`` imports, function-level too."""
    found: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        found[path.name] = {n for n in names if n.startswith("sigmasight.")}
    return found


def _under(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_charts_import_no_entry_point() -> None:
    crossing = {
        f: sorted(n for n in names if _under(n, ENTRY_POINTS))
        for f, names in _imports("charts").items()
    }
    assert len(crossing) >= 7  # the walk found the modules
    assert {f: n for f, n in crossing.items() if n} == {}


def test_reports_take_their_charts_from_the_shared_module() -> None:
    found = _imports("reports")
    every = set().union(*found.values())
    assert "sigmasight.charts.performance" in every  # the walk sees function-level imports
    web = {
        n
        for n in every
        if _under(n, ("sigmasight.web",)) and not _under(n, tuple(REPORTS_FROM_WEB))
    }
    assert web == set()
    assert not any(_under(n, ("sigmasight.api", "sigmasight.cli")) for n in every)

"""The demo, portfolio and data commands end to end on a fresh SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sigmasight.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'demo.db'}"
    result = runner.invoke(app, ["demo", "--no-serve", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "Long/Short Equity Fund" in result.stdout
    assert "demo@sigmasight.dev" in result.stdout
    return url


def test_demo_twice_reports_already_loaded(demo_database: str) -> None:
    result = runner.invoke(app, ["demo", "--no-serve", "--database-url", demo_database])
    assert result.exit_code == 0, result.output
    assert "prices: 0 rows stored now" in result.stdout
    assert result.stdout.count("already loaded") == 3


def test_list_and_show(demo_database: str) -> None:
    listed = runner.invoke(app, ["portfolio", "list", "--database-url", demo_database])
    assert listed.exit_code == 0, listed.output
    assert "Concentrated Growth" in listed.stdout
    shown = runner.invoke(app, ["portfolio", "show", "2", "--database-url", demo_database])
    assert shown.exit_code == 0, shown.output
    assert "AMD" in shown.stdout
    missing = runner.invoke(app, ["portfolio", "show", "99", "--database-url", demo_database])
    assert missing.exit_code == 2
    assert "no portfolio 99" in missing.output


def test_template_imports_cleanly(demo_database: str, tmp_path: Path) -> None:
    template = tmp_path / "template.csv"
    assert runner.invoke(app, ["portfolio", "template", "-o", str(template)]).exit_code == 0
    args = ["portfolio", "import", str(template), "--name", "From template"]
    result = runner.invoke(
        app, [*args, "--today", "2026-11-22", "--equity", "100000", "--database-url", demo_database]
    )
    assert result.exit_code == 0, result.output
    assert "Imported" in result.stdout


def test_bad_import_lists_every_error_and_writes_nothing(
    demo_database: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Symbol,Quantity,Entry Price Per Share,Entry Date\n"
        "AAPL,0,150,2022-01-03\n"
        "MSFT,5,-1,2022-01-03\n",
        encoding="utf-8",
    )
    args = ["portfolio", "import", str(bad), "--name", "Bad", "--today", "2022-12-28"]
    result = runner.invoke(app, [*args, "--database-url", demo_database])
    assert result.exit_code == 1
    assert "ZERO_QUANTITY" in result.stdout
    assert "NON_POSITIVE_PRICE" in result.stdout
    assert "nothing was imported" in result.output
    listed = runner.invoke(app, ["portfolio", "list", "--database-url", demo_database])
    assert "Bad" not in listed.stdout


def test_data_check_is_clean_on_demo_prices(demo_database: str) -> None:
    result = runner.invoke(app, ["data", "check", "--database-url", demo_database])
    assert result.exit_code == 0, result.output
    assert "No findings" in result.stdout
    # issue #13 item 6: the demo's single (adjusted) price series is stated as a limitation
    stdout = " ".join(result.stdout.split())
    assert "Limitation: 26 symbol(s) with adjusted closes only" in stdout
    assert "include later dividend adjustments" in stdout

"""The demo, portfolio and data commands end to end on a fresh SQLite database."""

from __future__ import annotations

import sqlite3
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
    args += ["--equity", "100000"]
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


def test_batch_run_on_a_weekend_runs_the_previous_session(demo_database: str) -> None:
    result = runner.invoke(
        app, ["batch", "run", "--date", "2022-12-24", "--database-url", demo_database]
    )
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first == (
        "2022-12-24 is not a trading session: computing the previous session, 2022-12-23."
    )
    assert "status succeeded" in result.stdout


def test_batch_run_after_the_last_price_is_refused_in_one_line(demo_database: str) -> None:
    result = runner.invoke(
        app, ["batch", "run", "--date", "2022-12-30", "--database-url", demo_database]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "2022-12-30 is after the last priced session, 2022-12-28" in lines[0]
    path = demo_database.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        (latest,) = connection.execute(
            "SELECT max(snapshot_date) FROM portfolio_snapshots"
        ).fetchone()
    assert latest == "2022-12-28"  # no incomplete snapshot became the latest


def test_show_formats_figures_like_the_pages(demo_database: str) -> None:
    shown = runner.invoke(app, ["portfolio", "show", "3", "--database-url", demo_database])
    assert shown.exit_code == 0, shown.output
    msft = next(line for line in shown.stdout.splitlines() if "│ MSFT " in line)
    cells = [c.strip() for c in msft.split("│")]
    assert cells[1:3] == ["MSFT", "Long"]
    assert cells[4:6] == ["4,000", "330.09"]  # as the holdings page shows them (entry: that close)
    assert cells[3].startswith("Listed")  # "Listed security", wrapped on a narrow terminal
    for code in ("│ LP ", "│ SC ", "PUBLIC", "OPTIONS", "PRIVATE", "4000.", "280.0 "):
        assert code not in shown.stdout
    listed = runner.invoke(app, ["portfolio", "list", "--database-url", demo_database])
    assert "Roth IRA" in listed.stdout
    assert "6,000,000 " in listed.stdout  # money without cents, as on the pages
    assert "roth_ira" not in listed.stdout


def test_data_check_says_what_it_checked(demo_database: str) -> None:
    path = demo_database.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        rows, symbols, first, last = connection.execute(
            "SELECT count(*), count(DISTINCT symbol), min(date), max(date) FROM daily_prices"
        ).fetchone()
    result = runner.invoke(
        app, ["data", "check", "--database-url", demo_database], terminal_width=400
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert f"Checked {rows:,} stored prices of {symbols} symbols from {first} to {last}" in said
    assert "gaps of more than 5 sessions" in said
    assert "split-like jumps" in said
    one = runner.invoke(
        app, ["data", "check", "AAPL", "NOPE", "--database-url", demo_database], terminal_width=400
    )
    assert one.exit_code == 1
    assert "of 1 symbols" in one.stdout
    assert "No stored prices for: NOPE." in one.stdout

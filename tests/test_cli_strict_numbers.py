"""`portfolio import --equity` takes a plain positive decimal only (issue 14, item 8)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sigmasight.cli.main import app
from tests.api.conftest import sqlite_api_url as sqlite_api_url  # the shared demo DB


def test_cli_refuses_a_negative_equity(sqlite_api_url: str, tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text("Symbol,Quantity,Entry Price Per Share,Entry Date\nAAPL,1,150,2022-06-01\n")
    args = [
        "portfolio",
        "import",
        str(book),
        "--name",
        "Negative",
        "--database-url",
        sqlite_api_url,
    ]
    for equity in ("-5", "١٠٠٠", "1_000", "1e5"):
        result = CliRunner().invoke(app, [*args, "--equity", equity])
        assert result.exit_code == 2, result.output
        assert "--equity" in result.output

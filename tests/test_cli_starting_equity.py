"""`portfolio import` requires a positive starting equity (issue 13, item 9). Outside
tests/api: a CliRunner there would leave logging bound to a closed stream."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sigmasight.cli.main import app
from tests.api.conftest import sqlite_api_url as sqlite_api_url  # the shared demo DB
from tests.api.test_no_server_errors_from_input import CSV


def test_cli_import_requires_starting_equity(sqlite_api_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    book = tmp_path / "book.csv"
    book.write_bytes(CSV)
    base = ["portfolio", "import", str(book), "--database-url", sqlite_api_url]
    missing = runner.invoke(app, [*base, "--name", "CLI none"])
    assert missing.exit_code == 2
    assert "--equity" in missing.output
    for equity in ("0", "-5"):
        refused = runner.invoke(app, [*base, "--name", f"CLI {equity}", "--equity", equity])
        assert refused.exit_code == 2, refused.output
        assert "greater than 0" in refused.output

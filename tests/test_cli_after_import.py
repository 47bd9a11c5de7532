"""`portfolio import` computes the new book; `batch run` names what it skipped
(issue 13, item 10)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from typer.testing import CliRunner

from sigmasight.cli.main import app
from tests.api.conftest import sqlite_api_url as sqlite_api_url  # the shared demo DB

HEADER = "Symbol,Quantity,Entry Price Per Share,Entry Date\n"


def test_cli_import_computes_the_template_against_the_demo_data(
    sqlite_api_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    template = tmp_path / "template.csv"
    assert runner.invoke(app, ["portfolio", "template", "-o", str(template)]).exit_code == 0
    name = f"Template {uuid.uuid4().hex[:6]}"
    args = ["portfolio", "import", str(template), "--name", name, "--equity", "250000"]
    result = runner.invoke(app, [*args, "--database-url", sqlite_api_url])
    assert result.exit_code == 0, result.output
    assert "Computed 2021-12-28 to 2022-12-28: succeeded." in " ".join(result.output.split())


def test_cli_batch_names_skipped_portfolios(sqlite_api_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    book = tmp_path / "book.csv"
    book.write_text(HEADER + "TSLA,10,100,2022-06-01\nVOO,5,300,2022-06-01\n", encoding="utf-8")
    name = f"Unpriced {uuid.uuid4().hex[:6]}"
    args = ["portfolio", "import", str(book), "--name", name, "--equity", "10000", "--no-compute"]
    imported = runner.invoke(app, [*args, "--database-url", sqlite_api_url])
    assert imported.exit_code == 0, imported.output
    pid = re.search(r"into portfolio (\d+)", imported.output)
    assert pid, imported.output
    run = ["batch", "run", "--portfolio", pid.group(1), "--database-url", sqlite_api_url]
    result = runner.invoke(app, run)
    assert f"portfolio {pid.group(1)}: computed without TSLA, VOO: no prices" in " ".join(
        result.output.split()
    )

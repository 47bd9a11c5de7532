"""The command line: version, migrations in an empty directory, one-line errors."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sigmasight import __version__
from sigmasight.cli.main import app

runner = CliRunner()


@pytest.fixture
def in_empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIGMASIGHT_DATABASE_URL", raising=False)
    monkeypatch.delenv("SIGMASIGHT_ENVIRONMENT", raising=False)
    return tmp_path


def _sqlite_tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        # SQLite's own tables (sqlite_sequence, made by AUTOINCREMENT) cannot be dropped.
        query = (
            "SELECT name FROM sqlite_master "
            "WHERE type='table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'"
        )
        rows = connection.execute(query).fetchall()
    return {name for (name,) in rows}


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"sigmasight {__version__}"


def test_upgrade_in_empty_directory_then_downgrade_leaves_nothing(in_empty_dir: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    database = in_empty_dir / "data" / "sigmasight.db"
    assert "users" in _sqlite_tables(database)
    assert "up to date" in result.stdout

    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 0
    assert "up to date" in result.stdout

    result = runner.invoke(app, ["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert _sqlite_tables(database) == set()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("notaurl", "malformed database URL 'notaurl'"),
        ("oracle://scott@db/x", "unsupported database 'oracle'"),
        ("postgresql://postgres@127.0.0.1:1/x", "database error: "),
    ],
)
def test_bad_database_url_is_one_line(in_empty_dir: Path, url: str, message: str) -> None:
    env = {**os.environ, "SIGMASIGHT_DATABASE_URL": url}
    completed = subprocess.run(
        [sys.executable, "-m", "sigmasight", "db", "current"],
        capture_output=True,
        text=True,
        env=env,
        cwd=in_empty_dir,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert "Traceback" not in completed.stderr


def test_default_secret_is_refused_in_production(in_empty_dir: Path) -> None:
    result = runner.invoke(app, ["db", "current"], env={"SIGMASIGHT_ENVIRONMENT": "production"})
    assert result.exit_code == 2
    assert "SIGMASIGHT_JWT_SECRET must be set" in result.output


def test_help_explains_commands() -> None:
    result = runner.invoke(app, ["db", "--help"])
    assert result.exit_code == 0
    for command in ("upgrade", "downgrade", "current"):
        assert command in result.stdout


def test_serve_on_a_port_in_use_names_the_option(in_empty_dir: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        f"error: port {port} on 127.0.0.1 is already in use; choose another with --port"
    ]

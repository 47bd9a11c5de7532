"""The ``sigmasight`` command."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from sigmasight import __version__
from sigmasight.cli import analytics, batch, bench, data, db, demo, portfolio, serve
from sigmasight.logging import configure_logging

app = typer.Typer(
    name="sigmasight",
    help="SigmaSight: point-in-time portfolio risk analytics. "
    "Start with `sigmasight demo`, then `sigmasight --help` for every command.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(portfolio.app, name="portfolio")
app.add_typer(data.app, name="data")
app.add_typer(batch.app, name="batch")
app.add_typer(bench.app, name="bench")
app.add_typer(analytics.app, name="analytics")
app.command(name="demo")(demo.demo)
app.command(name="serve")(serve.serve)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"sigmasight {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """SigmaSight command line."""
    level = os.environ.get("SIGMASIGHT_LOG_LEVEL", "WARNING").upper()
    configure_logging(level if level in {"DEBUG", "INFO", "WARNING", "ERROR"} else "WARNING")


def main() -> None:
    app()

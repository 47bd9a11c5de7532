"""The ``sigmasight`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from sigmasight.cli import (
    analytics,
    batch,
    bench,
    data,
    db,
    demo,
    performance,
    portfolio,
    rebalance,
    serve,
    worker,
)

app = typer.Typer(
    name="sigmasight",
    help="SigmaSight: point-in-time portfolio risk analytics. "
    "Start with `sigmasight demo`, then `sigmasight --help` for every command.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Plain help: rendering it with rich would import rich and markdown at every start.
    rich_markup_mode=None,
)
app.add_typer(db.app, name="db")
app.add_typer(portfolio.app, name="portfolio")
app.add_typer(data.app, name="data")
app.add_typer(batch.app, name="batch")
app.add_typer(bench.app, name="bench")
app.add_typer(analytics.app, name="analytics")
app.add_typer(rebalance.app, name="rebalance")
app.command(name="demo")(demo.demo)
app.command(name="report")(performance.report)
app.command(name="serve")(serve.serve)
app.command(name="worker")(worker.worker)
app.add_typer(analytics.app, name="analytics")


def _print_version(value: bool) -> None:
    if value:
        from sigmasight import __version__

        typer.echo(f"sigmasight {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print SigmaSight's version (sigmasight X.Y.Z) and exit.",
        ),
    ] = False,
) -> None:
    """SigmaSight command line. Logging is set up by each command that does work
    (:func:`sigmasight.cli.common.load_settings`), so help is never slowed by it."""


def main() -> None:
    app()

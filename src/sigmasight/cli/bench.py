"""``sigmasight bench``: synthetic data for scale work."""

from __future__ import annotations

import time
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from sigmasight.cli.common import (
    console,
    fail,
    load_settings,
    rich_console,
    unit_of_work_factory,
)

if TYPE_CHECKING:
    from rich.progress import Progress
    from rich.table import Table

    from sigmasight.services.synthetic import SyntheticReport

#: Last session of a synthetic universe by default (the demo data's last session).
DEFAULT_END = "2022-12-28"

app = typer.Typer(
    rich_markup_mode=None,
    help="Synthetic universes for benchmarks and scale tests.",
    no_args_is_help=True,
)


@app.command()
def generate(
    symbols: Annotated[int, typer.Option(min=1, help="Synthetic securities (plus ^GSPC).")],
    portfolios: Annotated[int, typer.Option(min=0, help="Portfolios (100 per bench user).")],
    positions: Annotated[int, typer.Option(min=0, help="Positions per portfolio.")],
    days: Annotated[int, typer.Option(min=2, help="NYSE sessions of daily prices.")],
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same data.")] = 0,
    end: Annotated[str, typer.Option(help="Last session (YYYY-MM-DD).")] = DEFAULT_END,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Database to fill (use a dedicated one).")
    ] = None,
) -> None:
    """Fill the database with factor-model prices, bench users and long/short books.

    The market index ^GSPC gets the synthetic market path, so use a database of its
    own. Safe to rerun: prices are upserted, existing users and portfolios are skipped.
    """
    from sigmasight.services.synthetic import generate_universe

    try:
        last = date.fromisoformat(end)
    except ValueError as exc:
        fail(f"bad date: {exc}")
    settings = load_settings(database_url)
    with unit_of_work_factory(settings, upgrade=True) as uow_factory:
        started = time.perf_counter()
        with _progress() as progress:
            try:
                report = generate_universe(
                    uow_factory,
                    symbols=symbols,
                    portfolios=portfolios,
                    positions=positions,
                    days=days,
                    seed=seed,
                    end=last,
                    progress=progress,
                )
            except ValueError as exc:
                fail(str(exc))
        seconds = time.perf_counter() - started
    console.print(_summary(report, seconds))


def _progress() -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=rich_console(),
    )


def _summary(report: SyntheticReport, seconds: float) -> Table:
    from rich.table import Table

    table = Table(
        title="Synthetic universe",
        caption=f"sessions {report.first_session} .. {report.last_session}",
    )
    table.add_column("item")
    table.add_column("rows", justify="right")
    table.add_row("securities", f"{report.securities:,}")
    table.add_row("price rows", f"{report.price_rows:,}")
    table.add_row("users", _created(report.users_created, report.users_existing))
    table.add_row("portfolios", _created(report.portfolios_created, report.portfolios_existing))
    table.add_row("positions", f"{report.positions_created:,}")
    table.add_row("seconds", f"{seconds:,.1f}")
    rate = report.rows_written / seconds if seconds > 0 else float("nan")
    table.add_row("rows/s", f"{rate:,.0f}")
    return table


def _created(created: int, existing: int) -> str:
    return f"{created:,} new, {existing:,} existing" if existing else f"{created:,}"

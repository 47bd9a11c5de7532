"""``sigmasight demo``: the main job of the Quick start."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sigmasight.cli.common import console, load_settings, unit_of_work_factory
from sigmasight.services import demo as demo_service
from sigmasight.services.market_data import stored_series
from sigmasight.services.portfolios import list_portfolios


def demo(
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Database to use (default: SQLite).")
    ] = None,
) -> None:
    """Create the database, load the bundled real prices and three demo portfolios.

    Safe to run again: nothing already loaded is fetched or written twice.
    """
    settings = load_settings(database_url)
    with unit_of_work_factory(settings, upgrade=True) as uow_factory:
        with console.status("Loading demo securities, prices and portfolios..."):
            report = demo_service.load_demo(uow_factory)
        _print_prices(report, stored_series(uow_factory))
        _print_portfolios(uow_factory, report)
    console.print(
        f"Demo login: [bold]{demo_service.DEMO_EMAIL}[/] / [bold]{demo_service.DEMO_PASSWORD}[/]"
        f"   data as of {demo_service.DEMO_AS_OF.isoformat()}"
    )


def _print_prices(report: demo_service.DemoReport, series: list) -> None:  # type: ignore[type-arg]
    prices = report.prices
    table = Table(title="Demo market data (adjusted closes from the skfolio wheel)")
    for column in ("symbol", "first", "last", "rows"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for item in series:
        table.add_row(item.symbol, item.first.isoformat(), item.last.isoformat(), f"{item.rows:,}")
    console.print(table)
    console.print(
        f"prices: {prices.rows_stored:,} rows stored now, {prices.rows_rejected:,} rejected, "
        f"{len(prices.ranges)} fetches; securities profiled: {report.securities}"
    )


def _print_portfolios(
    uow_factory: demo_service.UowFactory, report: demo_service.DemoReport
) -> None:
    table = Table(title="Demo portfolios")
    for column in ("id", "name", "account", "equity", "positions", "status"):
        table.add_column(column)
    for summary in list_portfolios(uow_factory, report.user_id):
        status = "created" if summary.name in report.created else "already loaded"
        table.add_row(
            str(summary.id),
            summary.name,
            summary.account_type.value,
            f"{summary.equity_balance:,.2f}",
            str(summary.positions),
            status,
        )
    console.print(table)

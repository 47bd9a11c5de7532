"""``sigmasight demo``: the main job of the Quick start."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from sigmasight.cli.batch import execute
from sigmasight.cli.common import console, load_settings, unit_of_work_factory
from sigmasight.cli.serve import serve
from sigmasight.web.formatting import label, money, num, pct

if TYPE_CHECKING:
    from sigmasight.services import demo as demo_service
    from sigmasight.services.batch import RiskSummary


def demo(
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Database to use (default: SQLite).")
    ] = None,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the dashboard at the end.")
    ] = True,
    port: Annotated[int, typer.Option(help="Port of the dashboard.")] = 8000,
) -> None:
    """Create the database, load the bundled real prices and three demo portfolios.

    Safe to run again: nothing already loaded is fetched or written twice.
    """
    from sigmasight.services import demo as demo_service
    from sigmasight.services.batch import risk_summaries
    from sigmasight.services.market_data import stored_series

    settings = load_settings(database_url)
    with unit_of_work_factory(settings, upgrade=True) as uow_factory:
        with console.status("Loading demo securities, prices and portfolios..."):
            report = demo_service.load_demo(uow_factory)
        _print_prices(report, stored_series(uow_factory))
        _print_portfolios(uow_factory, report)
    batch_report = execute(
        demo_service.DEMO_BACKFILL_START, demo_service.DEMO_AS_OF, None, None, database_url
    )
    with unit_of_work_factory(settings) as uow_factory:
        _print_risk(risk_summaries(uow_factory, report.user_id, demo_service.DEMO_AS_OF))
    if not batch_report.ok:
        raise typer.Exit(1)
    if serve_after:
        console.print(
            f"Dashboard: http://127.0.0.1:{port}/  (log in as {demo_service.DEMO_EMAIL} / "
            f"{demo_service.DEMO_PASSWORD}; Ctrl-C stops it)"
        )
        serve(port=port, database_url=database_url)
    console.print(
        f"Demo login: [bold]{demo_service.DEMO_EMAIL}[/] / [bold]{demo_service.DEMO_PASSWORD}[/]"
        f"   data as of {demo_service.DEMO_AS_OF.isoformat()}"
    )


def _print_prices(report: demo_service.DemoReport, series: list) -> None:  # type: ignore[type-arg]
    from rich.table import Table

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
    from rich.table import Table

    from sigmasight.services.portfolios import list_portfolios

    table = Table(title="Demo portfolios")
    for column in ("id", "name", "account", "equity", "positions", "status"):
        table.add_column(column)
    for summary in list_portfolios(uow_factory, report.user_id):
        status = "created" if summary.name in report.created else "already loaded"
        table.add_row(
            str(summary.id),
            summary.name,
            label(summary.account_type),
            money(float(summary.equity_balance)),
            str(summary.positions),
            status,
        )
    console.print(table)


def _print_risk(summaries: list[RiskSummary]) -> None:
    from rich.table import Table

    from sigmasight.services.demo import DEMO_AS_OF

    table = Table(title=f"Risk on {DEMO_AS_OF.isoformat()} (point in time)")
    table.add_column("metric")
    for item in summaries:
        table.add_column(item.name, justify="right")
    snaps = [item.snapshot for item in summaries]
    lines: list[tuple[str, list[str]]] = [
        ("NAV", [num(s.nav, 0) for s in snaps]),
        ("day P&L", [num(s.daily_pnl, 0) for s in snaps]),
        (
            "long / short exposure (delta-adj.)",
            [f"{num(s.long_exposure, 0)} / {num(s.short_exposure, 0)}" for s in snaps],
        ),
        ("gross leverage (gross / NAV)", [num(s.leverage) for s in snaps]),
        (
            "private holdings (% of NAV)",
            [
                pct(s.private_value / s.nav if s.private_value and s.nav > 0 else None)
                for s in snaps
            ],
        ),
        (
            "beta weighted (mean security R²)",
            [f"{num(s.beta_weighted)} ({num(s.beta_weighted_r_squared)})" for s in snaps],
        ),
        (
            "beta direct (n)",
            [f"{num(s.beta_direct)} ({s.beta_direct_observations})" for s in snaps],
        ),
        (
            "volatility 21d / 63d",
            [f"{pct(s.volatility_21d)} / {pct(s.volatility_63d)}" for s in snaps],
        ),
        (
            "HAR forecast 21d",
            [
                pct(s.volatility_expected_21d)
                + (" (realized)" if s.volatility_har_fallback else "")
                for s in snaps
            ],
        ),
        (
            "trend, percentile",
            [f"{s.volatility_trend or '–'}, {num(s.volatility_percentile, 0)}" for s in snaps],
        ),
        (
            "HHI (effective N)",
            [f"{num(s.hhi, 0)} ({num(s.effective_positions, 1)})" for s in snaps],
        ),
        ("top 3 (% of gross market value)", [pct(s.top3_weight) for s in snaps]),
    ]
    for metric, values in lines:
        table.add_row(metric, *values)
    console.print(table)

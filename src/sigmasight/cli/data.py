"""``sigmasight data``: inspect stored market data."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from sigmasight.cli.common import console, fail, load_settings, unit_of_work_factory

app = typer.Typer(
    rich_markup_mode=None, help="Check the market data in the database.", no_args_is_help=True
)


@app.command()
def check(
    symbols: Annotated[
        list[str] | None, typer.Argument(help="Symbols to check (default: all).")
    ] = None,
    start: Annotated[str, typer.Option(help="First date (YYYY-MM-DD).")] = "1990-01-02",
    end: Annotated[str, typer.Option(help="Last date (YYYY-MM-DD).")] = "2099-12-31",
    database_url: Annotated[str | None, typer.Option("--database-url")] = None,
) -> None:
    """Check the stored prices and say what was checked: missing or non-positive prices,
    duplicates, non-sessions, gaps, split-like jumps, flat and stale series. Exits 1 when
    an error is found, nothing was stored or a named symbol has no prices."""
    from rich.table import Table

    from sigmasight.marketdata.calendar import TradingCalendar
    from sigmasight.services.data_check import check_stored
    from sigmasight.services.market_data import ADJUSTED_ONLY_LIMITATION, adjusted_only_symbols

    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        fail(f"bad date: {exc}")
    settings = load_settings(database_url)
    calendar = TradingCalendar(end=max(last, first.replace(year=first.year + 1)))
    with unit_of_work_factory(settings) as uow_factory:
        checked = check_stored(uow_factory, calendar, symbols or None, first, last)
        adjusted_only = adjusted_only_symbols(uow_factory, symbols or None, first, last)
    report = checked.report
    if checked.rows:
        console.print(
            f"Checked {checked.rows:,} stored prices of {len(checked.symbols):,} symbols "
            f"from {checked.first} to {checked.last} for: {'; '.join(checked.checks)}.",
            highlight=False,
        )
    else:
        console.print(f"No stored prices between {first} and {last}: nothing to check.")
    if checked.missing:
        console.print(f"No stored prices for: {', '.join(checked.missing)}.", highlight=False)
    table = Table(title="Data quality")
    for column in ("symbol", "date", "severity", "code", "message"):
        table.add_column(column)
    for finding in report:
        day = finding.date.isoformat() if finding.date else "-"
        table.add_row(finding.symbol, day, finding.severity.value, finding.code, finding.message)
    if len(table.rows):
        console.print(table)
    elif checked.rows:
        console.print("No findings: the stored prices look clean.")
    if adjusted_only:
        console.print(
            f"Limitation: {len(adjusted_only)} symbol(s) with {ADJUSTED_ONLY_LIMITATION}: "
            + ", ".join(adjusted_only)
        )
    if not report.ok or not checked.rows or checked.missing:
        raise typer.Exit(1)


@app.command()
def metrics(
    symbol: Annotated[str, typer.Argument(help="Symbol, e.g. AAPL or SPX-OHLC.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Session (YYYY-MM-DD); default: latest.")
    ] = None,
    database_url: Annotated[str | None, typer.Option("--database-url")] = None,
) -> None:
    """Stored asset metrics of a security: indicators, returns, one-year risk, and why
    any figure is missing (the same service as the API and the security page)."""
    from rich.table import Table

    from sigmasight.services.analytics import asset_metrics as service

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        fail(f"bad date: {exc}")
    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        try:
            found = service.security_metrics(uow_factory, symbol.strip().upper(), day)
        except service.NoAssetMetricsError as exc:
            fail(str(exc), code=1)
    table = Table(title=f"{found.symbol} as of {found.as_of.isoformat()}")
    for column in ("figure", "value", "note"):
        table.add_column(column)
    groups = (found.indicators, {f"return {k}": v for k, v in found.returns.items()}, found.risk)
    for group in groups:
        for name, value in group.items():
            key = name.removeprefix("return ")
            shown = "–" if value is None else f"{value:,.6g}"
            table.add_row(name, shown, found.reasons.get(key, ""))
    console.print(table)

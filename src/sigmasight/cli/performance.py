"""``sigmasight analytics performance`` and ``sigmasight analytics benchmarks``.

Heavy modules (rich, the services) are imported inside the commands: `--help` stays fast."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from sigmasight.cli.common import console, fail, load_settings, unit_of_work_factory
from sigmasight.cli.portfolio import DatabaseOption, OwnerOption, _owner_id

PortfolioArg = Annotated[int, typer.Argument(help="Portfolio id (see `portfolio list`).")]
benchmarks_app = typer.Typer(
    rich_markup_mode=None, help="List, add or remove a portfolio's benchmarks.",
    no_args_is_help=True,
)  # fmt: skip


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f} %"


def _day(text: str | None, option: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        fail(f"{option} must be a date YYYY-MM-DD, not {text!r}")


def performance(
    portfolio_id: PortfolioArg,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date; default: latest.")] = None,
    start: Annotated[str | None, typer.Option("--start", help="Default: inception.")] = None,
    window: Annotated[str, typer.Option(help="Benchmark window: 3m, 1y, 3y, inception.")] = "1y",
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Time-weighted and money-weighted returns, period returns and the primary
    benchmark's comparison of PORTFOLIO_ID."""
    from rich.table import Table

    from sigmasight.services.analytics import errors
    from sigmasight.services.analytics import performance as service

    day, first = _day(as_of, "--as-of"), _day(start, "--start")
    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        owner_id = _owner_id(uow_factory, owner)
        try:
            view = service.performance(uow_factory, owner_id, portfolio_id, day, first)
            try:
                bench = service.benchmark_comparison(
                    uow_factory, owner_id, portfolio_id, view.as_of, None, window
                )
            except service.NoBenchmarkMetricsError as exc:
                bench, missing = None, str(exc)
        except (
            errors.PortfolioNotFoundError,
            errors.NoSnapshotError,
            errors.InvalidRangeError,
            errors.InvalidParameterError,
        ) as exc:
            fail(str(exc))
    twr = view.twr
    annual = f", annualised {_pct(twr.annualized)}" if twr.annualized is not None else ""
    mwr = _pct(view.mwr.xirr) if view.mwr.xirr is not None else f"none ({view.mwr.reason})"
    console.print(
        f"[bold]Portfolio {view.portfolio_id}[/] from {view.start} to {view.as_of} "
        f"({twr.sessions} sessions): TWR {_pct(twr.cumulative)}{annual}; XIRR {mwr}"
    )
    table = Table(title="Period returns (annualised beyond one year)")
    for name in ("period", "return", "annualised"):
        table.add_column(name)
    for name, p in view.periods.items():
        table.add_row(name, _pct(p.total), _pct(p.annualized) if p.annualized is not None else "")
    console.print(table)
    if bench is None:
        console.print(f"benchmark: {missing}")
    else:
        console.print(
            f"Against {bench.benchmark} over {bench.window} ({bench.observations} sessions): "
            f"excess {_pct(bench.excess_return)}, tracking error {_pct(bench.tracking_error)}, "
            f"information ratio {_num(bench.information_ratio)}, beta {_num(bench.beta)}, "
            f"alpha {_pct(bench.alpha)}, correlation {_num(bench.correlation)}, up capture "
            f"{_num(bench.up_capture)}, down capture {_num(bench.down_capture)}, hit rate "
            f"{_pct(bench.hit_rate)}"
        )
    console.print(f"flow timing: {view.flow_timing}")


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


@benchmarks_app.command("list")
def list_benchmarks(
    portfolio_id: PortfolioArg, owner: OwnerOption = None, database_url: DatabaseOption = None
) -> None:
    """The benchmarks of PORTFOLIO_ID (the primary starred)."""
    from sigmasight.services import benchmarks as service
    from sigmasight.services.analytics.errors import PortfolioNotFoundError

    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        owner_id = _owner_id(uow_factory, owner)
        try:
            found = service.list_benchmarks(uow_factory, owner_id, portfolio_id)
        except PortfolioNotFoundError as exc:
            fail(str(exc))
    for b in found:
        legs = " + ".join(f"{100 * leg.weight:g}% {leg.symbol}" for leg in b.legs)
        ident = "default" if b.id is None else f"id {b.id}"
        star = "*" if b.is_primary else " "
        console.print(f"{star} {b.name} ({ident}): {legs}, rebalanced {b.rebalance}")


@benchmarks_app.command("add")
def add_benchmark(
    portfolio_id: PortfolioArg,
    legs: Annotated[
        list[str], typer.Argument(help="SYMBOL or SYMBOL=WEIGHT ... (weights summing to 1).")
    ],
    rebalance: Annotated[str, typer.Option(help="daily or monthly.")] = "daily",
    name: Annotated[str | None, typer.Option(help="Label; default from the legs.")] = None,
    primary: Annotated[bool, typer.Option("--primary", help="Make it the primary.")] = False,
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Attach a symbol or a fixed-weight blend to PORTFOLIO_ID (nothing written if invalid)."""
    from sigmasight.services import benchmarks as service
    from sigmasight.services.analytics.errors import PortfolioNotFoundError

    parsed = []
    for text in legs:
        symbol, _, weight = text.partition("=")
        try:
            parsed.append(service.BenchmarkLeg(symbol, float(weight) if weight else 1.0))
        except ValueError:
            fail(f"not SYMBOL=WEIGHT: {text!r}")
    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        owner_id = _owner_id(uow_factory, owner)
        try:
            added = service.add_benchmark(
                uow_factory, owner_id, portfolio_id, parsed, rebalance, name, primary
            )
        except service.BenchmarkError as exc:
            fail(f"{exc.code}: {exc}")
        except PortfolioNotFoundError as exc:
            fail(str(exc))
    console.print(f"added benchmark {added.name} (id {added.id}); figures at the next batch run")


@benchmarks_app.command("remove")
def remove_benchmark(
    portfolio_id: PortfolioArg,
    benchmark_id: Annotated[int, typer.Argument(help="Benchmark id (see `benchmarks list`).")],
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Detach a benchmark from PORTFOLIO_ID."""
    from sigmasight.services import benchmarks as service
    from sigmasight.services.analytics.errors import PortfolioNotFoundError

    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        owner_id = _owner_id(uow_factory, owner)
        try:
            service.remove_benchmark(uow_factory, owner_id, portfolio_id, benchmark_id)
        except (service.BenchmarkNotFoundError, PortfolioNotFoundError) as exc:
            fail(f"not found: {exc}")
    console.print(f"removed benchmark {benchmark_id}")


def report(
    portfolio_id: PortfolioArg,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date; default: latest.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="html, pdf, md or json.")] = "html",
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="File; default: tearsheet-ID-DATE.EXT.")
    ] = None,
    owner: OwnerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write the tearsheet of PORTFOLIO_ID: performance against the benchmarks, period
    and monthly returns, attribution, drawdowns, rolling volatility and beta, risk
    metrics, exposures, sectors, factors and top risk contributors."""
    import time
    from pathlib import Path

    from sigmasight.reports.tearsheet import FORMATS, PdfUnavailableError, render
    from sigmasight.services.analytics import errors
    from sigmasight.services.tearsheet import build_tearsheet

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    day = _day(as_of, "--as-of")
    settings = load_settings(database_url)
    started = time.perf_counter()
    with unit_of_work_factory(settings) as uow_factory:
        owner_id = _owner_id(uow_factory, owner)
        try:
            sheet = build_tearsheet(uow_factory, owner_id, portfolio_id, day)
        except (errors.PortfolioNotFoundError, errors.NoSnapshotError) as exc:
            fail(str(exc))
    try:
        body = render(sheet, fmt, settings.chromium)
    except PdfUnavailableError as exc:
        fail(f"no PDF: {exc}", code=1)
    path = Path(output or f"tearsheet-{portfolio_id}-{sheet.as_of.isoformat()}.{fmt}")
    path.write_bytes(body)
    seconds = time.perf_counter() - started
    console.print(f"wrote {path} ({len(body):,} bytes, {seconds:.2f} s)")

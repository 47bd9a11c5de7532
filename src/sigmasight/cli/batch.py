"""``sigmasight batch``: daily run and backfill of the risk history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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

    from sigmasight.batch.executor import Executor
    from sigmasight.batch.runner import RunReport

app = typer.Typer(
    rich_markup_mode=None, help="Compute and store risk history (idempotent: reruns update)."
)

PortfolioOption = Annotated[
    list[int] | None, typer.Option("--portfolio", help="Only this portfolio id (repeatable).")
]
SchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler address (default: local).")
]
DatabaseOption = Annotated[str | None, typer.Option("--database-url")]


def _date(text: str | None, name: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        fail(f"{name} must be a date YYYY-MM-DD, not {text!r}")


@contextmanager
def _executor(scheduler: str | None) -> Iterator[Executor]:
    from sigmasight.batch.executor import DaskExecutor, LocalExecutor

    if scheduler is None:
        yield LocalExecutor()
        return
    try:
        executor = DaskExecutor.connect(scheduler)
    except (OSError, TimeoutError) as exc:
        fail(f"cannot reach Dask scheduler {scheduler}: {exc}")
    try:
        yield executor
    finally:
        executor.client.close()


def execute(
    start: date | None,
    end: date | None,
    portfolio: list[int] | None,
    scheduler: str | None,
    database_url: str | None,
) -> RunReport:
    from rich.progress import TaskID

    from sigmasight.marketdata.calendar import TradingCalendar
    from sigmasight.services.batch import backfill as run_backfill
    from sigmasight.services.batch import latest_market_date
    from sigmasight.services.market_data import build_provider_chain

    settings = load_settings(database_url)
    with unit_of_work_factory(settings) as uow_factory:
        last = end or latest_market_date(uow_factory)
        if last is None:
            fail("no market prices stored yet; run `sigmasight demo` or load prices first")
        first = start or last
        if first > last:
            fail(f"start {first} is after end {last}")
        calendar = TradingCalendar(end=max(last, date(2035, 12, 31)))
        try:
            chain = build_provider_chain(settings)
        except ValueError as exc:
            fail(str(exc))
        with _executor(scheduler) as executor, _progress() as progress:
            tasks: dict[str, TaskID] = {}

            def on_step(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = progress.add_task(step, total=total or 1)
                progress.update(tasks[step], completed=done if total else 1)

            report = run_backfill(
                uow_factory,
                chain,
                calendar,
                first,
                last,
                portfolio_ids=portfolio,
                executor=executor,
                progress=on_step,
            )
    if report.status == "failed" and not report.snapshots and 0 in report.errors:
        fail(f"batch {report.run_id[:8]} failed: {report.errors[0]}", code=1)
    print_report(report)
    return report


@contextmanager
def _progress() -> Iterator[Progress]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=rich_console(), transient=True) as progress:
        yield progress


def print_report(report: RunReport) -> None:
    from rich.table import Table

    table = Table(title=f"Batch {report.run_id[:8]}: {report.start} to {report.end}")
    for column in ("step", "seconds"):
        table.add_column(column)
    for step, seconds in report.timings.items():
        table.add_row(step, f"{seconds:.3f}")
    console.print(table)
    console.print(
        f"status [bold]{report.status}[/]: {report.portfolios} portfolios, "
        f"{report.snapshots:,} snapshots, {report.security_rows:,} security rows"
    )
    for key, reason in report.errors.items():
        where = "run" if key == 0 else key if isinstance(key, str) else f"portfolio {key}"
        console.print(f"[red]failed[/] {where}: {reason}")
    for key, reason in report.skipped.items():
        console.print(f"[yellow]portfolio {key}[/]: {reason}")


@app.command()
def run(
    day: Annotated[
        str | None, typer.Option("--date", help="Session to compute (default: last priced).")
    ] = None,
    portfolio: PortfolioOption = None,
    scheduler: SchedulerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Compute one day's figures. Exit code 1 when any portfolio failed."""
    from sigmasight.marketdata.calendar import DEFAULT_CALENDAR_END, TradingCalendar
    from sigmasight.services.sessions import session_on_or_before

    when = _date(day, "--date")
    if when is not None:
        session = session_on_or_before(when, TradingCalendar(end=max(when, DEFAULT_CALENDAR_END)))
        if session.moved:
            console.print(
                f"{when.isoformat()} is not a trading session: "
                f"computing the previous session, {session.session.isoformat()}."
            )
        when = session.session
    report = execute(when, when, portfolio, scheduler, database_url)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def backfill(
    start: Annotated[str, typer.Option("--start", help="First date (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--end", help="Last date (YYYY-MM-DD).")],
    portfolio: PortfolioOption = None,
    scheduler: SchedulerOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Compute every session in [START, END], each from data up to its own date."""
    report = execute(
        _date(start, "--start"), _date(end, "--end"), portfolio, scheduler, database_url
    )
    if not report.ok:
        raise typer.Exit(1)

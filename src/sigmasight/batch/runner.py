"""Batch runs: daily run and backfill, idempotent and crash-safe.

Every write is an upsert on a natural key, computed only from data up to its own date,
so a run killed anywhere and started again converges to the state of an uninterrupted
run. Steps and their timings are recorded in ``batch_runs``.
"""

from __future__ import annotations

import gc
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import structlog
from sqlalchemy import func, select

from sigmasight.batch import steps as families
from sigmasight.batch.asset_panels import history_start
from sigmasight.batch.columns import extend, row_count, take
from sigmasight.batch.compute import PartitionResult
from sigmasight.batch.executor import Executor, LocalExecutor
from sigmasight.batch.inputs import BatchInputs
from sigmasight.batch.load import Books, Panels, build_inputs, load_start, read_books
from sigmasight.batch.queue import settle_dead_runs
from sigmasight.batch.security import aligned_returns, security_metrics
from sigmasight.batch.skips import skip_reasons
from sigmasight.batch.steps import SecurityContext, SecurityStep, TableRows
from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.memory import retain_freed_memory
from sigmasight.services.market_data import ensure_prices
from sigmasight.storage.history import (
    BatchRun,
    BenchmarkSectorWeight,
    PortfolioSnapshot,
)
from sigmasight.storage.models import DailyPrice
from sigmasight.storage.repositories import upsert_columns, upsert_rows
from sigmasight.storage.uow import UnitOfWork

log = structlog.get_logger("sigmasight.batch")
UowFactory = Callable[[], UnitOfWork]
Progress = Callable[[str, int, int], None]  # (step, done, total)


@dataclass
class RunReport:
    run_id: str
    start: date
    end: date
    status: str = "running"
    portfolios: int = 0
    snapshots: int = 0
    security_rows: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    #: portfolio id -> reason it failed; 0 -> the run failed; "step:NAME" -> a family failed
    errors: dict[int | str, str] = field(default_factory=dict)
    #: Portfolios that got no figure, or lacked some prices, with the reason.
    skipped: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


#: Most books in a partition, and the book-dates a partition of a long run aims at: a
#: partition's rows are held until written, and the runner writes one partition while
#: the executor computes the next ones, so smaller partitions bound the memory and
#: leave less writing after the last computation. Measured on a backfill of 1,000 books
#: x 252 sessions (SQLite, 2 cores): 250 books a partition 58.3 s and 4.0 GB peak RSS,
#: 125 books 55.4 s and 2.5 GB. Fewer books than :data:`MIN_PARTITION_BOOKS` would
#: repeat per-partition work (the correlation summaries' shared covariance) too often.
MAX_PARTITION_BOOKS = 250
MIN_PARTITION_BOOKS = 25
PARTITION_BOOK_DATES = 32_000


@dataclass(frozen=True)
class BatchOptions:
    portfolio_ids: Sequence[int] | None = None
    #: books a partition; None: :func:`partition_books` of the run's dates
    partition_size: int | None = None
    fetch_prices: bool = True


def partition_books(dates: int) -> int:
    """Books a partition for a run of ``dates`` run dates (:data:`PARTITION_BOOK_DATES`)."""
    return min(MAX_PARTITION_BOOKS, max(MIN_PARTITION_BOOKS, PARTITION_BOOK_DATES // max(dates, 1)))


@contextmanager
def _timed(report: RunReport, step: str) -> Iterator[None]:
    began = time.perf_counter()
    try:
        yield
    finally:  # a failed step's time is recorded too
        _add_time(report, step, time.perf_counter() - began)
        log.info("batch.step", run_id=report.run_id, step=step, seconds=report.timings[step])


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a run builds and writes its rows.

    A backfill holds millions of row values in columns until they are written, and each
    full collection walks all of them again: 15-18 % of the portfolio step, measured.
    None of them is part of a reference cycle (reference counting frees them), and the
    collector is switched back on, if it was on, however the run ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """One BLAS/LAPACK thread while this process runs a batch (restored after).

    The batch's products are many small or skinny ones (stacks of 30 x 30 covariances and
    their eigen-decompositions, (W, 30) windows per book) that a multi-threaded OpenBLAS
    wakes its threads for, one call at a time. Measured on this 2-core machine with other
    work running: a stack of 250 eigen-decompositions of 30 x 30, 0.6-2.1 s with two
    threads against 0.03 s with one; even the largest product of a run (252 x 5,000
    returns, transposed times itself) took 1.02 s against 0.43 s. Set on the driver
    only: Dask's nanny starts its workers with one thread already, and changing the
    limit inside a worker's task thread hung it."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def run_batch(
    uow_factory: UowFactory,
    chain: ProviderChain,
    calendar: TradingCalendar,
    start: date,
    end: date,
    *,
    options: BatchOptions | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    run_id: str | None = None,
) -> RunReport:
    """Compute and persist every figure for the sessions in ``[start, end]``.

    ``run_id`` adopts a ``queued`` row recorded beforehand (the API records one so the
    caller can poll it); without it the run records a new row.
    """
    options = options or BatchOptions()
    executor = executor or LocalExecutor()
    report = RunReport(run_id or str(uuid.uuid4()), start, end)
    retain_freed_memory()  # a batch worker keeps the blocks it frees (sigmasight.memory)
    _open_run(uow_factory, report, "backfill" if start < end else "daily")
    try:
        with _collector_paused(), _one_blas_thread():
            _execute(uow_factory, chain, calendar, report, options, executor, progress)
    except Exception as exc:
        report.status = "failed"
        refused = isinstance(exc, UnpricedDateError)
        report.errors[0] = str(exc) if refused else f"{type(exc).__name__}: {exc}"
        event = log.info if refused else log.error  # a refusal is the caller's to show
        event(
            "batch.refused" if refused else "batch.failed",
            run_id=report.run_id,
            error=report.errors[0],
        )
    _close_run(uow_factory, report)
    return report


def _execute(
    uow_factory: UowFactory,
    chain: ProviderChain,
    calendar: TradingCalendar,
    report: RunReport,
    options: BatchOptions,
    executor: Executor,
    progress: Progress | None,
) -> None:
    step = progress or (lambda *_: None)
    with _timed(report, "books"), uow_factory() as uow:
        books = read_books(uow, options.portfolio_ids)
        first = load_start(books, calendar, report.start)
    report.portfolios = len(books.portfolios)
    if options.fetch_prices:
        with _timed(report, "prices"):
            step("prices", 0, 1)
            since = history_start(calendar, report.start, first)  # 5-year returns
            ensure_prices(uow_factory, chain, calendar, books.fetch_symbols, since, report.end)
            _store_benchmark_weights(uow_factory, chain, report.start, report.end)
    _refuse_unpriced_end(uow_factory, calendar, report.end)
    with _timed(report, "load"):
        inputs = _load(uow_factory, books, calendar, first, report)
    rows = inputs.rows_for(report.start, report.end)
    if rows.stop <= rows.start:
        raise ValueError(f"no trading session between {report.start} and {report.end}")
    with _timed(report, "security_analytics"):
        step("security analytics", 0, 1)
        returns = aligned_returns(inputs.prices)
        metrics = security_metrics(inputs, returns, rows)
    context = SecurityContext(inputs, returns, metrics)
    for family in families.SECURITY_STEPS:
        _security_step(uow_factory, family, context, report)
    with _timed(report, "portfolios"):
        dates = rows.stop - rows.start
        parts = _portfolios(inputs, returns, metrics, options, executor, step, dates)
        held, written = _write_partitions(uow_factory, parts, report)
    for table in held:
        _finish_table(uow_factory, families.FINISH_STEPS_BY_MODEL[table.model], table, report)
    failed = [k for k in report.errors if isinstance(k, int)]
    report.skipped = skip_reasons(inputs, written, failed, report.end)
    report.status = "partial" if report.errors else "succeeded"


def _load(
    uow_factory: UowFactory, books: Books, calendar: TradingCalendar, first: date, report: RunReport
) -> BatchInputs:
    """The run's inputs. On PostgreSQL the books' closes, the largest read (1.5 s of
    server time for 5,000 symbols x 5 years), come on a second connection while the
    first reads the rest; SQLite reads them in this process anyway."""
    end = report.end
    with uow_factory() as uow:
        if uow.session.get_bind().dialect.name != "postgresql":
            return build_inputs(uow, books, calendar, first, end, report.start)

        def read() -> Panels:
            with uow_factory() as other:
                return other.prices.close_panels(books.symbols, first, end)

        with ThreadPoolExecutor(1, thread_name_prefix="closes") as pool:
            panels = pool.submit(read)
            return build_inputs(uow, books, calendar, first, end, report.start, panels.result)


class UnpricedDateError(ValueError):
    """A run that ends after the last stored market close: its figures would be marks of
    stale prices, stored as the newest snapshot. Refused before anything is written."""


def _refuse_unpriced_end(uow_factory: UowFactory, calendar: TradingCalendar, end: date) -> None:
    """Refuse a run whose last session has no market-index close (after fetching)."""
    session = end if calendar.is_session(end) else calendar.previous_session(end)
    with uow_factory() as uow:
        last = uow.session.scalar(
            select(func.max(DailyPrice.date)).where(DailyPrice.symbol == MARKET_INDEX_SYMBOL)
        )
    if last is None:
        raise UnpricedDateError(f"no {MARKET_INDEX_SYMBOL} prices are stored; nothing to compute")
    if session > last:
        raise UnpricedDateError(
            f"{session.isoformat()} is after the last priced session, {last.isoformat()} "
            f"(no {MARKET_INDEX_SYMBOL} close yet); run up to {last.isoformat()} at most"
        )


def _portfolios(
    inputs: BatchInputs,
    returns: np.ndarray,
    metrics: object,
    options: BatchOptions,
    executor: Executor,
    step: Progress,
    dates: int,
) -> Iterator[PartitionResult]:
    P = inputs.portfolios.id.size
    size = max(options.partition_size or partition_books(dates), 1)
    parts = [inputs.subset(np.arange(i, min(i + size, P))) for i in range(0, P, size)]
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        step("portfolios", done, P)

    step("portfolios", 0, P)
    return executor.map_partitions(parts, returns, metrics, advance)  # type: ignore[arg-type]


def _security_step(
    uow_factory: UowFactory, family: SecurityStep, context: SecurityContext, report: RunReport
) -> None:
    """One security-level family: computed and written on its own, so a failure costs
    only its rows (recorded under ``step:NAME``)."""
    try:
        with _timed(report, f"step.{family.name}"):
            tables = family.compute(context)
        with _timed(report, "persist_securities"), uow_factory() as uow:
            for table in tables:
                upsert_columns(uow.session, table.model, table.columns, key=table.key)
            uow.commit()
    except Exception as exc:
        report.errors[f"step:{family.name}"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        log.error("batch.step_failed", run_id=report.run_id, step=family.name, error=str(exc))
        return
    report.security_rows += sum(row_count(t.columns) for t in tables)


def _write_partitions(
    uow_factory: UowFactory, results: Iterator[PartitionResult], report: RunReport
) -> tuple[list[TableRows], list[int]]:
    """Write each partition's tables (snapshots first) as its result comes, while the
    executor computes the next ones; return the finishing steps' tables, merged over
    the partitions, and the ids of the portfolios that got a snapshot row.

    Each table of each partition is one transaction. A run killed between two of them
    leaves the earlier partitions written: its rerun upserts the same rows again."""
    held: dict[str, TableRows] = {}
    written: list[np.ndarray] = []
    for result in results:
        for portfolio_id, reason in result.errors.items():
            report.errors[portfolio_id] = reason
        for name, seconds in result.timings.items():
            _add_time(report, f"step.{name}", seconds)
        written.append(np.asarray(result.rows.get("portfolio_id", []), dtype=np.int64))
        began = time.perf_counter()
        for table in sorted(result.tables.values(), key=lambda t: t.model is not PortfolioSnapshot):
            if table.model in families.FINISH_STEPS_BY_MODEL:
                merged = held.setdefault(table.table, TableRows(table.model, table.key, {}))
                extend(merged.columns, table.columns)
                continue
            table_began = time.perf_counter()
            _persist_portfolio_table(uow_factory, table, report)
            _add_time(report, f"persist.{table.table}", time.perf_counter() - table_began)
        _add_time(report, "persist_snapshots", time.perf_counter() - began)
    ids = np.unique(np.concatenate(written)) if written else np.empty(0, dtype=np.int64)
    return list(held.values()), ids.tolist()


def _add_time(report: RunReport, step: str, seconds: float) -> None:
    """Add to a step's time without logging it (a step that runs once per partition)."""
    report.timings[step] = round(report.timings.get(step, 0.0) + seconds, 4)


def _finish_table(
    uow_factory: UowFactory, finish: families.FinishStep, table: TableRows, report: RunReport
) -> None:
    """Complete a held-back table from the written history, then persist it."""
    with _timed(report, f"step.{finish.name}"):
        columns, errors = finish.complete(uow_factory, table.columns)
    for portfolio_id, reason in errors.items():
        report.errors.setdefault(portfolio_id, f"{finish.name}: {reason}")
    with _timed(report, f"persist.{table.table}"):
        _persist_portfolio_table(uow_factory, TableRows(table.model, table.key, columns), report)


def _persist_portfolio_table(uow_factory: UowFactory, table: TableRows, report: RunReport) -> None:
    """A partition's rows of a table in one transaction; on a write error, portfolio by
    portfolio."""
    counted = table.model is PortfolioSnapshot
    rows = table.columns
    try:
        with uow_factory() as uow:
            upsert_columns(uow.session, table.model, rows, key=table.key)
            uow.commit()
        if counted:
            report.snapshots += row_count(rows)
        return
    except Exception as exc:
        log.warning(
            "batch.bulk_write_failed", run_id=report.run_id, table=table.table, error=str(exc)
        )
    by_portfolio: dict[int, list[int]] = {}
    for index, portfolio_id in enumerate(rows.get("portfolio_id", [])):
        by_portfolio.setdefault(int(portfolio_id), []).append(index)
    for portfolio_id, indices in by_portfolio.items():
        try:
            with uow_factory() as uow:
                upsert_columns(uow.session, table.model, take(rows, indices), key=table.key)
                uow.commit()
            if counted:
                report.snapshots += len(indices)
        except Exception as exc:
            report.errors.setdefault(portfolio_id, f"{type(exc).__name__}: {exc}".splitlines()[0])


def _store_benchmark_weights(
    uow_factory: UowFactory, chain: ProviderChain, start: date, end: date
) -> None:
    """Every benchmark snapshot a run date in ``[start, end]`` may use: the latest published
    on or before ``start`` and each published after it up to ``end``. The providers answer
    "the latest on or before a day", so the run walks back one snapshot at a time."""
    rows: list[dict[str, object]] = []
    day = end
    while True:
        weights = chain.sector_weights(MARKET_INDEX_SYMBOL, day)
        rows += [
            {
                "benchmark": w.benchmark,
                "as_of": w.as_of,
                "sector": w.sector,
                "weight": w.weight,
                "market_cap": w.market_cap,
                "constituents": w.constituents,
                "source": w.source,
            }
            for w in weights
        ]
        published = min((w.as_of for w in weights), default=None)
        if published is None or published <= start or published > day:
            break
        day = published - timedelta(days=1)
    with uow_factory() as uow:
        upsert_rows(uow.session, BenchmarkSectorWeight, rows, key=("benchmark", "as_of", "sector"))
        uow.commit()


def _abandon_dead_runs(uow: UnitOfWork, own_id: str) -> None:
    """Settle runs left ``running`` by a process of this host that no longer exists: a
    queued run (the API's, an import's) goes back to the queue, any other is marked
    ``abandoned``. A run of another host, or of a live process here (a worker beside a
    CLI backfill), is left alone."""
    settle_dead_runs(uow, socket.gethostname(), exclude=own_id)


def _open_run(uow_factory: UowFactory, report: RunReport, kind: str) -> None:
    with uow_factory() as uow:
        _abandon_dead_runs(uow, report.run_id)
        host, pid = socket.gethostname(), os.getpid()
        queued = uow.session.get(BatchRun, report.run_id)
        if queued is not None:
            queued.status, queued.host, queued.pid = "running", host, pid
        else:
            uow.session.add(
                BatchRun(
                    id=report.run_id,
                    kind=kind,
                    start_date=report.start,
                    end_date=report.end,
                    started_at=datetime.now(UTC),
                    status="running",
                    timings={},
                    errors={},
                    host=host,
                    pid=pid,
                )
            )
        uow.commit()


def _close_run(uow_factory: UowFactory, report: RunReport) -> None:
    with uow_factory() as uow:
        run = uow.session.get(BatchRun, report.run_id)
        assert run is not None
        run.status = report.status
        run.finished_at = datetime.now(UTC)
        run.timings = dict(report.timings)
        run.errors = {str(k): v for k, v in report.errors.items()}
        run.portfolios = report.portfolios
        run.failed = len([k for k in report.errors if isinstance(k, int) and k != 0])
        run.skipped = {str(k): v for k, v in report.skipped.items()}
        uow.commit()

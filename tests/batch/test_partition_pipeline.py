"""Partitions computed on threads and written as they come: the same rows as one
partition at a time, partitions yielded in order and lazily (the runner writes one
while the next ones compute), and the partition size of long runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sigmasight.batch import executor as executors
from sigmasight.batch.compute import PartitionResult
from sigmasight.batch.executor import LocalExecutor
from sigmasight.batch.runner import (
    MAX_PARTITION_BOOKS,
    MIN_PARTITION_BOOKS,
    BatchOptions,
    partition_books,
    run_batch,
)
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from tests.batch.conftest import factory_of, sqlite_copies, table_state

START, END = date(2022, 11, 1), date(2022, 12, 28)


@pytest.fixture
def engines(demo_template: Path, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    with sqlite_copies(demo_template, tmp_path, "one.db", "threads.db") as (one, threaded):
        yield one, threaded


def test_threaded_partitions_write_what_one_thread_writes(
    engines: tuple[Engine, Engine], chain: ProviderChain, calendar: TradingCalendar
) -> None:
    one, threaded = engines
    options = BatchOptions(partition_size=1)  # each demo book its own partition
    first = run_batch(
        factory_of(one), chain, calendar, START, END, options=options, executor=LocalExecutor(1)
    )
    second = run_batch(
        factory_of(threaded),
        chain,
        calendar,
        START,
        END,
        options=options,
        executor=LocalExecutor(3),
    )
    sessions = len(calendar.sessions(START, END))
    for report in (first, second):
        assert report.ok, report.errors
        assert report.snapshots == 3 * sessions
    expected, actual = table_state(one), table_state(threaded)
    assert len(expected["portfolio_snapshots"]) == 3 * sessions
    for table in expected:
        assert actual[table] == expected[table], f"table {table} differs"


class _Books:
    size = 1


class _Part:
    """What the executor reads of a partition: its books' count."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.portfolios = type("Portfolios", (), {"id": _Books()})()


def test_results_come_in_order_lazily_and_few_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing starts before the first result is asked for; while the first partition
    is still computing, at most ``workers + 1`` are started; results come in partition
    order however the threads finish; each partition is reported done once."""
    started: list[int] = []
    release = threading.Event()
    lock = threading.Lock()

    def compute(part: _Part, returns: object, metrics: object) -> PartitionResult:
        with lock:
            started.append(part.number)
        if part.number == 0:
            assert release.wait(10)  # the first partition finishes last
        return PartitionResult(timings={"part": float(part.number)})

    monkeypatch.setattr(executors, "compute_partition", compute)
    done: list[int] = []
    results = LocalExecutor(2).map_partitions(
        [_Part(i) for i in range(6)],  # type: ignore[misc]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        done.append,
    )
    assert started == []  # a generator: nothing runs before the first result is asked
    first: list[PartitionResult] = []
    taker = threading.Thread(target=lambda: first.append(next(results)))
    taker.start()
    deadline = time.monotonic() + 5
    while len(started) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # a fourth partition would have started by now
    assert sorted(started) == [0, 1, 2]
    release.set()
    taker.join(10)
    got = [int(r.timings["part"]) for r in [*first, *results]]
    assert got == list(range(6))
    assert done == [1] * 6


def test_one_worker_computes_in_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []

    def compute(part: _Part, returns: object, metrics: object) -> PartitionResult:
        threads.append(threading.current_thread().name)
        return PartitionResult()

    monkeypatch.setattr(executors, "compute_partition", compute)
    parts = [_Part(0), _Part(1)]
    list(LocalExecutor(1).map_partitions(parts, None, None))  # type: ignore[arg-type]
    assert threads == [threading.current_thread().name] * 2


def test_partition_books_bounds_long_runs() -> None:
    assert partition_books(1) == MAX_PARTITION_BOOKS  # a daily run: the largest
    assert partition_books(252) == 126  # a year's backfill: ~32,000 book-dates
    assert partition_books(100_000) == MIN_PARTITION_BOOKS
    assert partition_books(0) == MAX_PARTITION_BOOKS


def test_default_workers_follow_the_cores_up_to_a_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    for cores, expected in ((1, 1), (2, 2), (64, executors.MAX_PARTITION_THREADS)):
        monkeypatch.setattr(executors, "threads", lambda cores=cores: cores)
        assert LocalExecutor().workers == expected
    assert LocalExecutor(0).workers == 1

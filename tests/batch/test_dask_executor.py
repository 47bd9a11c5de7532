"""The Dask executor writes exactly what the local executor writes.

One demo load is copied into each database (a second load would differ in the Argon2
salt of the demo user's password hash). The cluster runs two worker processes, and each
portfolio is its own partition, so partitions really are computed in other processes and
come back out of order.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from sigmasight.batch.executor import DaskExecutor
from sigmasight.batch.runner import BatchOptions, RunReport, run_batch
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.storage.history import BatchRun, PortfolioSnapshot
from tests._ci import unavailable
from tests.batch.conftest import factory_of, sqlite_copies, table_state

try:
    import distributed
except ImportError as exc:  # an optional extra on a developer's machine, required in CI
    unavailable("distributed", f"dask.distributed is not installed: {exc}", module_level=True)

START, END = date(2022, 12, 1), date(2022, 12, 28)
RUN_DAY = "2022-12-28"
DEMO_PORTFOLIOS = 3


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    dask_client = distributed.Client(cluster)
    try:
        yield dask_client
    finally:
        dask_client.close()
        cluster.close()


@pytest.fixture
def engines(demo_template: Path, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two independent copies of the demo database."""
    with sqlite_copies(demo_template, tmp_path, "local.db", "dask.db") as (local, dask):
        yield local, dask


def _statuses(engine: Engine) -> list[tuple[str, int, int]]:
    with engine.connect() as connection:
        rows = connection.execute(select(BatchRun.status, BatchRun.portfolios, BatchRun.failed))
        return [(status, int(count), int(failed)) for status, count, failed in rows]


def _partition_tasks(stream: object) -> int:
    """How many ``compute_partition`` tasks the workers ran."""
    keys = [str(task["key"]) for task in stream.data]  # type: ignore[attr-defined]
    return len([key for key in keys if key.startswith("compute_partition")])


def test_dask_backfill_equals_local(
    client: object,
    engines: tuple[Engine, Engine],
    chain: ProviderChain,
    calendar: TradingCalendar,
) -> None:
    local_engine, dask_engine = engines
    options = BatchOptions(partition_size=1)
    local = run_batch(factory_of(local_engine), chain, calendar, START, END, options=options)
    with distributed.get_task_stream(client) as stream:
        remote = run_batch(
            factory_of(dask_engine),
            chain,
            calendar,
            START,
            END,
            options=options,
            executor=DaskExecutor(client),
        )
    assert _partition_tasks(stream) == DEMO_PORTFOLIOS
    reports: list[RunReport] = [local, remote]
    sessions = len(calendar.sessions(START, END))
    for report in reports:
        assert report.ok, report.errors
        assert report.portfolios == DEMO_PORTFOLIOS
        assert report.snapshots == DEMO_PORTFOLIOS * sessions
    expected, actual = table_state(local_engine), table_state(dask_engine)
    assert len(expected["portfolio_snapshots"]) == DEMO_PORTFOLIOS * sessions
    for table in expected:
        assert actual[table] == expected[table], f"table {table} differs"
    assert _statuses(dask_engine) == [("succeeded", DEMO_PORTFOLIOS, 0)]


def _cli_run(url: str, cwd: Path, *extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGMASIGHT_")}
    env.update(SIGMASIGHT_MARKET_DATA_PROVIDERS="demo", SIGMASIGHT_ENVIRONMENT="test")
    command = [sys.executable, "-m", "sigmasight", "batch", "run", "--date", RUN_DAY]
    done = subprocess.run(
        [*command, "--database-url", url, *extra],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_cli_scheduler_option_equals_local_run(
    client: object,
    engines: tuple[Engine, Engine],
    chain: ProviderChain,
    calendar: TradingCalendar,
    tmp_path: Path,
) -> None:
    local_engine, dask_engine = engines
    day = date.fromisoformat(RUN_DAY)
    report = run_batch(factory_of(local_engine), chain, calendar, day, day)
    assert report.ok, report.errors
    address = client.scheduler.address  # type: ignore[attr-defined]
    assert address.startswith("tcp://")
    with distributed.get_task_stream(client) as stream:
        output = _cli_run(str(dask_engine.url), tmp_path, "--scheduler", address)
    assert _partition_tasks(stream) == 1  # three demo books fit one default partition
    assert "status succeeded: 3 portfolios, 3 snapshots" in " ".join(output.split())

    expected, actual = table_state(local_engine), table_state(dask_engine)
    assert len(actual["portfolio_snapshots"]) == DEMO_PORTFOLIOS
    assert actual["portfolio_snapshots"] == expected["portfolio_snapshots"]
    assert actual == expected
    with dask_engine.connect() as connection:
        days = set(connection.scalars(select(PortfolioSnapshot.snapshot_date)))
    assert days == {day}

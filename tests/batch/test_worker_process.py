"""``sigmasight worker`` as a process: it runs a queued run end to end, and a worker
killed in the middle of a run leaves it to the next worker, which converges to the state
of an uninterrupted run (issue 14, item 4). SQLite: both databases are byte copies of
one demo load."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sigmasight.batch import queue
from sigmasight.batch.runner import BatchOptions, run_batch
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.storage.db import make_engine, make_session_factory
from sigmasight.storage.history import BatchRun
from sigmasight.storage.migrate import upgrade
from sigmasight.storage.uow import UnitOfWork
from tests.batch.conftest import load_demo_into, table_state

pytestmark = pytest.mark.slow

START, END = date(2022, 11, 1), date(2022, 12, 28)
PORTFOLIOS = [1, 2, 3]


def _factory(url: str) -> tuple[object, object]:
    engine = make_engine(url)
    return engine, make_session_factory(engine)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGMASIGHT_")}
    env.update(
        SIGMASIGHT_MARKET_DATA_PROVIDERS="demo",
        SIGMASIGHT_ENVIRONMENT="test",
        SIGMASIGHT_JWT_SECRET=secrets.token_urlsafe(48),
    )
    return env


def _worker(url: str, *extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "sigmasight", "worker", "--database-url", url, *extra]
    return subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _run(url: str, run_id: str) -> BatchRun:
    engine = make_engine(url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            run = uow.session.get(BatchRun, run_id)
            assert run is not None
            uow.session.expunge(run)
            return run
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_killed_worker_leaves_its_run_to_the_next_one(
    database_url: str, calendar: TradingCalendar, chain: ProviderChain, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    load_demo_into(lambda: UnitOfWork(factory), calendar)
    engine.dispose()
    source = Path(database_url.removeprefix("sqlite:///"))
    reference_path = tmp_path / "reference.db"
    shutil.copyfile(source, reference_path)
    reference_url = f"sqlite:///{reference_path}"

    # The reference: the same run, uninterrupted, in this process.
    ref_engine = make_engine(reference_url)
    report = run_batch(
        lambda: UnitOfWork(make_session_factory(ref_engine)),
        chain,
        calendar,
        START,
        END,
        options=BatchOptions(portfolio_ids=PORTFOLIOS),
    )
    assert report.ok, report.errors
    expected = table_state(ref_engine)
    ref_engine.dispose()

    run_id = str(uuid.uuid4())
    engine = make_engine(database_url)
    with UnitOfWork(make_session_factory(engine)) as uow:
        queue.enqueue(
            uow,
            run_id,
            owner_id=1,
            start=START,
            end=END,
            portfolio_ids=PORTFOLIOS,
            now=datetime.now(UTC),
        )
        uow.commit()
    engine.dispose()

    victim = _worker(database_url, "--poll", "0.1")
    deadline = time.monotonic() + 60
    while _run(database_url, run_id).status == "queued":
        assert time.monotonic() < deadline, "the worker never claimed the run"
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    cut = _run(database_url, run_id)
    assert (cut.status, cut.finished_at, cut.attempts) == ("running", None, 1)

    survivor = _worker(database_url, "--once")
    output, _ = survivor.communicate(timeout=120)
    assert survivor.returncode == 0, output.decode(errors="replace")
    done = _run(database_url, run_id)
    assert (done.status, done.attempts, done.failed) == ("succeeded", 2, 0)
    assert {"prices", "portfolios", "persist_snapshots"} <= set(done.timings)

    engine = make_engine(database_url)
    try:
        assert table_state(engine) == expected
    finally:
        engine.dispose()

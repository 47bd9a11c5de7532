"""The run queue: one run to exactly one worker, on SQLite and PostgreSQL; a dead
worker's run is queued again, then abandoned after MAX_ATTEMPTS (issue 14, item 4)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from sigmasight.batch import queue
from sigmasight.storage.history import BatchRun
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
T0 = datetime(2022, 12, 29, tzinfo=UTC)


def _queue(uow_factory: UowFactory, n: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(n)]
    with uow_factory() as uow:
        for i, run_id in enumerate(ids):
            queue.enqueue(
                uow,
                run_id,
                owner_id=1,
                start=date(2022, 12, 5),
                end=date(2022, 12, 9),
                portfolio_ids=[1, 2],
                now=T0 + timedelta(seconds=i),
            )
        uow.commit()
    return ids


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _status(uow_factory: UowFactory, run_id: str) -> tuple[str, int]:
    with uow_factory() as uow:
        run = uow.session.get(BatchRun, run_id)
        assert run is not None
        return run.status, run.attempts


def test_each_queued_run_goes_to_exactly_one_worker(uow_factory: UowFactory) -> None:
    ids = _queue(uow_factory, 24)
    claimed: dict[str, list[str]] = {f"worker-{i}": [] for i in range(4)}
    start = threading.Barrier(len(claimed))

    def worker(name: str) -> None:
        start.wait()
        while (run := queue.claim(uow_factory, host=name, pid=os.getpid())) is not None:
            claimed[name].append(run.run_id)

    threads = [threading.Thread(target=worker, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [run_id for runs in claimed.values() for run_id in runs]
    assert sorted(every) == sorted(ids)  # each once: none lost, none twice
    with uow_factory() as uow:
        rows = uow.session.execute(select(BatchRun.id, BatchRun.host, BatchRun.status)).all()
    owner = {run_id: name for name, runs in claimed.items() for run_id in runs}
    assert {(r.id, r.host, r.status) for r in rows} == {
        (run_id, owner[run_id], "running") for run_id in ids
    }


def test_the_oldest_run_is_claimed_with_its_parameters(uow_factory: UowFactory) -> None:
    first, second = _queue(uow_factory, 2)
    run = queue.claim(uow_factory)
    assert run == queue.QueuedRun(first, date(2022, 12, 5), date(2022, 12, 9), (1, 2), 1, 1)
    chosen = queue.claim(uow_factory, run_id=second)
    assert chosen is not None
    assert chosen.run_id == second
    assert queue.claim(uow_factory) is None
    assert queue.claim(uow_factory, run_id=first) is None  # running already


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_skips_a_locked_row_instead_of_waiting(uow_factory: UowFactory) -> None:
    first, second = _queue(uow_factory, 2)
    with uow_factory() as holder:  # another worker mid-claim holds the oldest row
        holder.session.execute(
            select(BatchRun.id).where(BatchRun.id == first).with_for_update()
        ).all()
        began = time.perf_counter()
        run = queue.claim(uow_factory)
        waited = time.perf_counter() - began
    assert run is not None
    assert run.run_id == second
    assert waited < 2.0


def test_a_dead_workers_run_is_queued_again_then_abandoned(uow_factory: UowFactory) -> None:
    (run_id,) = _queue(uow_factory, 1)
    for attempt in range(1, queue.MAX_ATTEMPTS + 1):
        run = queue.claim(uow_factory, pid=_dead_pid())  # claimed, then the worker died
        assert run is not None
        assert (run.run_id, run.attempts) == (run_id, attempt)
        queue.requeue_dead(uow_factory)
        expected = "queued" if attempt < queue.MAX_ATTEMPTS else "abandoned"
        assert _status(uow_factory, run_id) == (expected, attempt)
    assert queue.claim(uow_factory) is None


def test_a_live_or_remote_workers_run_is_left_alone(uow_factory: UowFactory) -> None:
    mine, remote = _queue(uow_factory, 2)
    assert queue.claim(uow_factory, run_id=mine) is not None  # this live process
    assert queue.claim(uow_factory, run_id=remote, host="another-host", pid=_dead_pid())
    queue.requeue_dead(uow_factory)
    assert _status(uow_factory, mine) == ("running", 1)
    assert _status(uow_factory, remote) == ("running", 1)

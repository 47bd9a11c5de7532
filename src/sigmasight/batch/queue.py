"""The run queue: ``batch_runs`` rows with status ``queued``, claimed by workers.

A request (the API, an import) only records a queued row; a worker process claims it
and runs it (:mod:`sigmasight.services.worker`). Claiming is one statement,
``UPDATE ... WHERE id = (SELECT id ... WHERE status = 'queued' ORDER BY started_at
LIMIT 1 FOR UPDATE SKIP LOCKED) AND status = 'queued' RETURNING id``: on PostgreSQL
concurrent workers skip each other's locked rows instead of waiting; on SQLite (which
has no row locks) the statement takes the database's write lock, and the repeated
``status = 'queued'`` condition makes it a compare-and-set. Either way one row goes to
exactly one worker.

A worker that dies leaves its row ``running`` with its host and process id; the next
claim on that host puts such rows back in the queue (their writes were idempotent
upserts, so a rerun converges) until they have been tried :data:`MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update

from sigmasight.storage.history import BatchRun
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
#: Claims of one run before it is abandoned (a run that kills its worker every time).
MAX_ATTEMPTS = 3
ACTIVE = ("queued", "running")


@dataclass(frozen=True)
class QueuedRun:
    run_id: str
    start: date
    end: date
    portfolio_ids: tuple[int, ...] | None
    owner_id: int | None
    attempts: int


def enqueue(
    uow: UnitOfWork,
    run_id: str,
    *,
    owner_id: int | None,
    start: date,
    end: date,
    portfolio_ids: Sequence[int] | None,
    now: datetime,
) -> BatchRun:
    """Add a queued run to ``uow`` (the caller commits)."""
    run = BatchRun(
        id=run_id,
        kind="backfill" if start < end else "daily",
        start_date=start,
        end_date=end,
        started_at=now,
        status="queued",
        timings={},
        errors={},
        portfolios=len(portfolio_ids) if portfolio_ids is not None else 0,
        failed=0,
        owner_id=owner_id,
        portfolio_ids=list(portfolio_ids) if portfolio_ids is not None else None,
        attempts=0,
    )
    uow.session.add(run)
    return run


def active_runs(uow: UnitOfWork, owner_id: int) -> int:
    """The owner's queued and running runs."""
    query = select(func.count()).where(BatchRun.owner_id == owner_id, BatchRun.status.in_(ACTIVE))
    return int(uow.session.scalar(query) or 0)


def claim(
    uow_factory: UowFactory,
    *,
    host: str | None = None,
    pid: int | None = None,
    run_id: str | None = None,
) -> QueuedRun | None:
    """Claim the oldest queued run (or ``run_id`` if it is still queued) for the process
    ``host``/``pid`` (default: this one); None when there is nothing to claim."""
    host, pid = host or socket.gethostname(), pid or os.getpid()
    requeue_dead(uow_factory, host)
    candidate = select(BatchRun.id).where(BatchRun.status == "queued")
    if run_id is not None:
        candidate = candidate.where(BatchRun.id == run_id)
    candidate = (
        candidate.order_by(BatchRun.started_at, BatchRun.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(BatchRun)
        .where(BatchRun.id == candidate.scalar_subquery(), BatchRun.status == "queued")
        .values(status="running", host=host, pid=pid, attempts=BatchRun.attempts + 1)
        .returning(
            BatchRun.id,
            BatchRun.start_date,
            BatchRun.end_date,
            BatchRun.portfolio_ids,
            BatchRun.owner_id,
            BatchRun.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    with uow_factory() as uow:
        row = uow.session.execute(statement).first()
        uow.commit()
    if row is None:
        return None
    ids = tuple(int(i) for i in row.portfolio_ids) if row.portfolio_ids is not None else None
    return QueuedRun(row.id, row.start_date, row.end_date, ids, row.owner_id, row.attempts)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def dead_runs(uow: UnitOfWork, host: str, exclude: str | None = None) -> list[tuple[str, bool]]:
    """Runs left ``running`` by a process of ``host`` that no longer exists, each with
    whether it goes back to the queue (a queued run with attempts left)."""
    query = select(
        BatchRun.id, BatchRun.host, BatchRun.pid, BatchRun.owner_id, BatchRun.attempts
    ).where(BatchRun.status == "running")
    if exclude is not None:
        query = query.where(BatchRun.id != exclude)
    dead = []
    for run_id, run_host, pid, owner_id, attempts in uow.session.execute(query):
        gone = run_host is None or (run_host == host and (pid is None or not _process_alive(pid)))
        if gone:
            queued = owner_id is not None and (attempts or 0) < MAX_ATTEMPTS
            dead.append((run_id, queued))
    return dead


def settle_dead_runs(uow: UnitOfWork, host: str, exclude: str | None = None) -> None:
    """Queue again, or mark ``abandoned``, the runs :func:`dead_runs` finds (the caller
    commits). Their writes were upserts, so nothing needs undoing."""
    dead = dead_runs(uow, host, exclude)
    again = [run_id for run_id, queued in dead if queued]
    gone = [run_id for run_id, queued in dead if not queued]
    if again:
        uow.session.execute(
            update(BatchRun)
            .where(BatchRun.id.in_(again), BatchRun.status == "running")
            .values(status="queued", host=None, pid=None)
        )
    if gone:
        uow.session.execute(
            update(BatchRun)
            .where(BatchRun.id.in_(gone), BatchRun.status == "running")
            .values(status="abandoned")
        )


def requeue_dead(uow_factory: UowFactory, host: str | None = None) -> None:
    with uow_factory() as uow:
        settle_dead_runs(uow, host or socket.gethostname())
        uow.commit()

"""The worker: claims queued runs from the database and runs them, one at a time.

Started by ``sigmasight serve`` as a child process, or alone as ``sigmasight worker``
(several may run, on one host or many: a run goes to exactly one of them, see
:mod:`sigmasight.batch.queue`). The API process only queues runs, so its memory does not
grow with the work users ask for.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from datetime import datetime

import structlog

from sigmasight.batch.queue import claim
from sigmasight.config import Settings
from sigmasight.services.resources.batch_runs import RunPlan, execute_run
from sigmasight.services.resources.common import UowFactory

log = structlog.get_logger("sigmasight.worker")
Clock = Callable[[], datetime]


def run_next(
    uow_factory: UowFactory, settings: Settings, *, clock: Clock, run_id: str | None = None
) -> str | None:
    """Claim and run the oldest queued run (or ``run_id``); its id, or None if none was
    queued."""
    claimed = claim(uow_factory, run_id=run_id)
    if claimed is None:
        return None
    log.info("worker.claimed", run_id=claimed.run_id, attempt=claimed.attempts)
    ids = claimed.portfolio_ids if claimed.portfolio_ids is not None else ()
    plan = RunPlan(claimed.run_id, claimed.start, claimed.end, ids)
    execute_run(uow_factory, settings, plan, clock=clock)
    gc.collect()  # a run's arrays are garbage now; hand the memory back before idling
    return claimed.run_id


def work(
    uow_factory: UowFactory,
    settings: Settings,
    *,
    clock: Clock,
    poll_seconds: float = 2.0,
    stop: threading.Event | None = None,
    max_runs: int | None = None,
) -> int:
    """Run queued runs until ``stop`` is set; waits ``poll_seconds`` whenever the queue
    is empty. With ``max_runs``, stops after that many runs or at the first empty queue.
    Returns the number of runs done."""
    stop = stop or threading.Event()
    done = 0
    while not stop.is_set() and (max_runs is None or done < max_runs):
        try:
            ran = run_next(uow_factory, settings, clock=clock)
        except Exception as exc:  # the database is down: wait, then try again
            log.error("worker.claim_failed", error=repr(exc))
            ran = None
        if ran is None:
            if max_runs is not None:
                break
            stop.wait(poll_seconds)
            continue
        done += 1
    return done

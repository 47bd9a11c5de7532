"""``sigmasight worker``: run the batch runs queued in the database."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from typing import Annotated

import typer

from sigmasight.cli.common import console, load_settings, unit_of_work_factory


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Run what is queued now, then exit.")
    ] = False,
    poll: Annotated[
        float, typer.Option("--poll", min=0.1, help="Seconds between looks at an empty queue.")
    ] = 2.0,
    database_url: Annotated[str | None, typer.Option("--database-url")] = None,
) -> None:
    """Claim queued batch runs (from the API, imports) and run them, one at a time.
    `sigmasight serve` starts one; more may run beside it, each run goes to one worker."""
    from sigmasight.services.worker import work

    settings = load_settings(database_url)
    stop = threading.Event()

    def finish(*_: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    with unit_of_work_factory(settings) as uow_factory:
        done = work(
            uow_factory,
            settings,
            clock=lambda: datetime.now(UTC),
            poll_seconds=poll,
            stop=stop,
            max_runs=sys.maxsize if once else None,
        )
    if once:
        console.print(f"{done} run(s) done")


def start_worker_process(database_url: str | None) -> subprocess.Popen[bytes]:
    """A ``sigmasight worker`` child of this process (``serve`` starts one)."""
    command = [sys.executable, "-m", "sigmasight", "worker"]
    if database_url:
        command += ["--database-url", database_url]
    return subprocess.Popen(command)


def stop_worker_process(process: subprocess.Popen[bytes]) -> None:
    """Ask the child to stop (it finishes nothing: an interrupted run is queued again by
    the next worker); kill it if it does not exit within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

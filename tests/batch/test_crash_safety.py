"""A backfill killed with SIGKILL at any moment and started again ends in exactly the state
of a backfill that was never interrupted (SQLite required, PostgreSQL when available).

Both databases start as byte copies of one demo load (a second load would differ in the
Argon2 salt of the demo user's password hash). The reference runs the CLI once to the
end and gives the wall time ``D`` of a run plus the moments, measured from the process
start, at which the run opened and closed its ``batch_runs`` row. The victim is then
killed ``UNIFORM_KILLS`` times at moments drawn uniformly from ``[0.2 s, D]`` after its
start (most land while Python imports, before any write), and ``IN_RUN_KILLS`` times at
moments drawn uniformly from ``[0, 0.75 (close - open)]`` after the run committed its
``running`` row (polled), so that several kills surely cut a run short in the middle of
its steps and transactions. It is finally run to completion.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from sigmasight.storage.db import make_engine, make_session_factory
from sigmasight.storage.history import BatchRun
from sigmasight.storage.uow import UnitOfWork
from tests.batch.conftest import load_demo_database, table_state

pytestmark = pytest.mark.slow

START, END = "2022-10-03", "2022-12-28"
SEED = 20221228
UNIFORM_KILLS = 4
IN_RUN_KILLS = 3
POLL_SECONDS = 0.01
IN_RUN_SHARE = 0.75
#: A healthy run takes a few seconds; this only stops a hung child from hanging the suite.
RUN_TIMEOUT = 120.0


@dataclass
class KillLog:
    """What each SIGKILL interrupted."""

    moments: list[str] = field(default_factory=list)
    #: Kills that found the process still running (it never exited on its own).
    killed: int = 0
    #: Kills that left the run's ``batch_runs`` row in ``running``: the run had started
    #: writing and was cut off before it finished.
    mid_run: int = 0


def _backfill_command(url: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sigmasight",
        "batch",
        "backfill",
        "--start",
        START,
        "--end",
        END,
        "--database-url",
        url,
    ]


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGMASIGHT_")}
    env.update(SIGMASIGHT_MARKET_DATA_PROVIDERS="demo", SIGMASIGHT_ENVIRONMENT="test")
    return env


def _start(url: str, cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        _backfill_command(url),
        cwd=cwd,
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _run_to_end(url: str, cwd: Path) -> float:
    began = time.perf_counter()
    child = _start(url, cwd)
    output, _ = child.communicate(timeout=RUN_TIMEOUT)
    assert child.returncode == 0, output.decode(errors="replace")
    return time.perf_counter() - began


def _runs(url: str) -> list[BatchRun]:
    engine = make_engine(url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            runs = list(uow.session.scalars(select(BatchRun).order_by(BatchRun.started_at)))
            uow.session.expunge_all()
            return runs
    finally:
        engine.dispose()


def _offset(moment: datetime, origin: datetime) -> float:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (aware - origin).total_seconds()


def _reference(url: str, cwd: Path) -> tuple[float, float, float]:
    """Run to the end; the run's wall time and when it opened and closed its run row."""
    origin = datetime.now(UTC)
    duration = _run_to_end(url, cwd)
    (run,) = _runs(url)
    assert run.status == "succeeded"
    assert run.finished_at is not None
    return duration, _offset(run.started_at, origin), _offset(run.finished_at, origin)


def _run_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(BatchRun)).scalar_one())
    finally:
        engine.dispose()


def _wait_for_open(url: str, child: subprocess.Popen[bytes], runs_before: int) -> None:
    """Return once the child's run has committed its ``running`` row (or the child ended)."""
    engine = make_engine(url)
    query = select(func.count()).select_from(BatchRun)
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while child.poll() is None and time.monotonic() < deadline:
            with engine.connect() as connection:
                if int(connection.execute(query).scalar_one()) > runs_before:
                    return
            time.sleep(POLL_SECONDS)
    finally:
        engine.dispose()


def _kill_after(url: str, cwd: Path, kill: tuple[str, float], log: KillLog) -> None:
    """Start a run and SIGKILL it ``delay`` seconds after its start (``uniform``) or after
    it opened its run row (``in-run``)."""
    kind, delay = kill
    runs_before = _run_count(url)
    child = _start(url, cwd)
    if kind == "in-run":
        _wait_for_open(url, child, runs_before)
    try:
        child.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(child.pid, signal.SIGKILL)
        log.killed += 1
    child.communicate(timeout=RUN_TIMEOUT)
    log.moments.append(f"{kind} {delay:.3f}s")
    runs = _runs(url)
    if len(runs) > runs_before and runs[-1].status == "running":
        log.mid_run += 1


def _kill_plan(duration: float, opened: float, closed: float) -> list[tuple[str, float]]:
    rng = random.Random(SEED)
    uniform = [("uniform", rng.uniform(0.2, duration)) for _ in range(UNIFORM_KILLS)]
    # The last quarter is left out: on a loaded machine it may already be past the close.
    span = IN_RUN_SHARE * (closed - opened)
    in_run = [("in-run", rng.uniform(0.0, span)) for _ in range(IN_RUN_KILLS)]
    return uniform + in_run


def _assert_converged(reference: str, victim: str, cwd: Path) -> KillLog:
    duration, opened, closed = _reference(reference, cwd)
    assert 0.2 < opened < closed <= duration + 0.5, (duration, opened, closed)
    log = KillLog()
    for kill in _kill_plan(duration, opened, closed):
        _kill_after(victim, cwd, kill, log)
    _run_to_end(victim, cwd)
    print(
        f"run {duration:.2f} s (writes {opened:.2f}..{closed:.2f} s); kills at {log.moments}: "
        f"{log.killed} killed a live process, {log.mid_run} cut a run short"
    )
    assert log.killed >= 2
    assert log.mid_run >= 2

    runs = _runs(victim)
    statuses = [r.status for r in runs]
    assert statuses[-1] == "succeeded"
    assert "running" not in statuses
    assert statuses.count("abandoned") == log.mid_run
    assert set(statuses) <= {"abandoned", "succeeded"}

    engines = [make_engine(reference), make_engine(victim)]
    try:
        expected, actual = (table_state(engine) for engine in engines)
    finally:
        for engine in engines:
            engine.dispose()
    assert expected["portfolio_snapshots"], "the reference run wrote no snapshots"
    assert actual.keys() == expected.keys()
    for table in expected:
        assert actual[table] == expected[table], f"table {table} differs"
    return log


def _copy_sqlite(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def test_sqlite_backfill_killed_anywhere_converges(tmp_path: Path) -> None:
    template = tmp_path / "template.db"
    load_demo_database(f"sqlite:///{template}")
    for name in ("ref.db", "victim.db"):
        _copy_sqlite(template, tmp_path / name)
    _assert_converged(
        f"sqlite:///{tmp_path / 'ref.db'}", f"sqlite:///{tmp_path / 'victim.db'}", tmp_path
    )


@pytest.fixture
def postgres_pair(postgres_admin_url: str) -> Iterator[tuple[str, str]]:
    """A demo database and a ``TEMPLATE`` copy of it, both dropped afterwards."""
    suffix = uuid.uuid4().hex[:10]
    names = [f"sigmasight_crash_ref_{suffix}", f"sigmasight_crash_victim_{suffix}"]
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    url = make_url(postgres_admin_url)
    urls = [url.set(database=n).render_as_string(hide_password=False) for n in names]
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{names[0]}"'))
        load_demo_database(urls[0])
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{names[1]}" TEMPLATE "{names[0]}"'))
        yield urls[0], urls[1]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_postgres_backfill_killed_anywhere_converges(
    postgres_pair: tuple[str, str], tmp_path: Path
) -> None:
    _assert_converged(*postgres_pair, tmp_path)

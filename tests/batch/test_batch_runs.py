"""Batch runs on SQLite and PostgreSQL: point in time, idempotent, isolated failures."""

from __future__ import annotations

import gc
from datetime import date

import numpy as np
import pytest
from sqlalchemy import func, select

from sigmasight.batch.runner import BatchOptions, run_batch
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.storage.history import BatchRun, PortfolioSnapshot, SecurityMarketBeta
from tests.batch.conftest import UowFactory, table_state

START, END = date(2022, 12, 14), date(2022, 12, 28)


def _count(uow_factory: UowFactory, model: type) -> int:
    with uow_factory() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_backfill_then_rerun_changes_nothing(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    report = run_batch(demo_db, chain, calendar, START, END)
    assert report.ok, report.errors
    sessions = len(calendar.sessions(START, END))
    assert report.snapshots == 3 * sessions
    with demo_db() as uow:
        engine = uow.session.get_bind().engine
    before = table_state(engine)
    again = run_batch(demo_db, chain, calendar, START, END)
    assert again.ok
    assert table_state(engine) == before
    assert _count(demo_db, PortfolioSnapshot) == 3 * sessions
    # Securities held by any demo book or underlying an option (21), not the index itself.
    assert _count(demo_db, SecurityMarketBeta) == 21 * sessions
    with demo_db() as uow:
        statuses = [r.status for r in uow.session.scalars(select(BatchRun))]
    assert statuses == ["succeeded", "succeeded"]


def test_a_failing_portfolio_is_isolated(
    demo_db: UowFactory,
    chain: ProviderChain,
    calendar: TradingCalendar,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sigmasight.batch.steps as steps

    real = steps.snapshot_rows

    def fragile(inputs, returns, metrics, valuation):  # type: ignore[no-untyped-def]
        if 2 in inputs.portfolios.id:
            raise ZeroDivisionError("synthetic failure in portfolio 2")
        return real(inputs, returns, metrics, valuation)

    monkeypatch.setattr(steps, "snapshot_rows", fragile)
    report = run_batch(demo_db, chain, calendar, END, END)
    assert report.status == "partial"
    assert report.errors == {2: "ZeroDivisionError: synthetic failure in portfolio 2"}
    with demo_db() as uow:
        ids = sorted(uow.session.scalars(select(PortfolioSnapshot.portfolio_id)))
        run = uow.session.scalars(select(BatchRun)).one()
        assert (run.status, run.failed, run.errors) == (
            "partial",
            1,
            {"2": "ZeroDivisionError: synthetic failure in portfolio 2"},
        )
    assert ids == [1, 3]


def test_a_run_with_no_session_fails_cleanly(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    report = run_batch(demo_db, chain, calendar, date(2022, 12, 25), date(2022, 12, 25))
    assert report.status == "failed"
    assert "no trading session" in report.errors[0]
    assert _count(demo_db, PortfolioSnapshot) == 0
    assert gc.isenabled()  # the run pauses the cyclic collector and restores it


def test_a_run_leaves_the_collector_as_it_found_it(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    assert gc.isenabled()
    assert run_batch(demo_db, chain, calendar, END, END).ok
    assert gc.isenabled()
    gc.disable()
    try:
        assert run_batch(demo_db, chain, calendar, END, END).ok
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_single_portfolio_run(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    report = run_batch(demo_db, chain, calendar, END, END, options=BatchOptions(portfolio_ids=[3]))
    assert report.ok
    with demo_db() as uow:
        assert list(uow.session.scalars(select(PortfolioSnapshot.portfolio_id))) == [3]
        snap = uow.session.get(PortfolioSnapshot, (3, END))
        assert snap is not None
        # five short stocks, the short call and the long put (short by delta: issue #13)
        assert (snap.n_short, snap.n_options, snap.n_private) == (7, 2, 1)
        assert snap.short_exposure < 0
        assert np.isclose(snap.gross_exposure, snap.long_exposure - snap.short_exposure)


def test_a_new_run_abandons_dead_runs_only(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    import os
    import socket
    import subprocess
    import sys
    from datetime import UTC, datetime

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    here = socket.gethostname()
    started = datetime(2022, 12, 28, tzinfo=UTC)
    rows = {
        "killed": (here, int(dead.stdout)),  # its process is gone
        "alive": (here, os.getpid()),  # e.g. the API's run beside a CLI backfill
        "elsewhere": ("another-host.invalid", 1),  # cannot be checked from here
    }
    with demo_db() as uow:
        for run_id, (host, pid) in rows.items():
            uow.session.add(
                BatchRun(
                    id=run_id,
                    kind="daily",
                    start_date=END,
                    end_date=END,
                    started_at=started,
                    status="running",
                    timings={},
                    errors={},
                    host=host,
                    pid=pid,
                )
            )
        uow.commit()
    assert run_batch(demo_db, chain, calendar, END, END).ok
    with demo_db() as uow:
        status = {r.id: r.status for r in uow.session.scalars(select(BatchRun))}
    assert (status["killed"], status["alive"], status["elsewhere"]) == (
        "abandoned",
        "running",
        "running",
    )

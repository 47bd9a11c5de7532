"""The lookback of a run's price panel (``batch.load.load_start``): a daily run on the
first session of a month stores the figures an independent recomputation from the raw
closes and lots gives, for a book entered mid-month inside the lookback and one entered
mid-month before it, with a monthly-rebalanced benchmark blend (whose weights drift from
the close before each month's first session, so a panel starting mid-month would lose
the book's first month)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, update

from sigmasight.batch.load import load_start, read_books
from sigmasight.batch.runner import BatchOptions, run_batch
from sigmasight.batch.security import LOOKBACK_SESSIONS
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.storage.history_performance import (
    PortfolioBenchmark,
    PortfolioBenchmarkMetrics,
    PortfolioPerformanceHistory,
)
from sigmasight.storage.models import EquityChange, Portfolio, Position
from tests._skfolio import skfolio_closes
from tests.batch.conftest import UowFactory

#: The run: the first session of December 2022, on its own.
RUN = date(2022, 12, 1)
#: 70 % S&P 500 / 30 % QUAL, weights restored at the close before each month's first session.
BLEND = {"^GSPC": 0.7, "QUAL": 0.3}
#: Entries: mid-November 2020, two sessions after the lookback's first session
#: (2020-11-16: 514 sessions before the run), and mid-June 2020, before the lookback.
ENTRIES = (date(2020, 11, 18), date(2020, 6, 15))


def _first_of_month(sessions: pd.DatetimeIndex) -> np.ndarray:
    months = sessions.to_period("M")
    return np.r_[True, months[1:] != months[:-1]]


def test_the_lookback_reaches_past_the_entry_months_boundary(
    demo_db: UowFactory, calendar: TradingCalendar
) -> None:
    """Every month's first session of 2021-2024 as a run date (from 2023 on the lookback
    starts after the books' first entry, 2021-01-04): the panel holds the close before
    the first session of the month of the lookback's start and of the first entry."""
    with demo_db() as uow:
        books = read_books(uow, None)
    entry = books.first_entry()
    assert entry is not None
    for day in pd.bdate_range("2021-01-01", "2024-12-31", freq="BMS"):
        start = day.date() if calendar.is_session(day.date()) else calendar.next_session(day.date())
        first = load_start(books, calendar, start)
        back = calendar.window_start(calendar.previous_session(start), LOOKBACK_SESSIONS)
        for reached in (back, entry):
            month_start = calendar.sessions(reached.replace(day=1), reached)[0]
            assert first <= calendar.previous_session(month_start), (start, reached)


@pytest.fixture(params=ENTRIES, ids=["inside-lookback", "before-lookback"])
def daily_run(
    request: pytest.FixtureRequest,
    demo_db: UowFactory,
    chain: ProviderChain,
    calendar: TradingCalendar,
) -> tuple[date, list[tuple[str, float, float]], float]:
    """Book 1's lots all entered on the parameter's date, a monthly blend as its primary
    benchmark, one daily run of the book; its lots and starting equity as stored."""
    entered: date = request.param
    with demo_db() as uow:
        uow.session.execute(
            update(Position)
            .where(Position.portfolio_id == 1)
            .values(entry_date=entered, exit_date=None, exit_price=None)
        )
        uow.session.add(
            PortfolioBenchmark(
                portfolio_id=1,
                name="70/30 monthly",
                legs=[{"symbol": s, "weight": w} for s, w in BLEND.items()],
                rebalance="monthly",
                is_primary=True,
            )
        )
        uow.commit()
    options = BatchOptions(portfolio_ids=[1])
    assert run_batch(demo_db, chain, calendar, RUN, RUN, options=options).ok
    with demo_db() as uow:
        raw = uow.session.execute(
            select(Position.symbol, Position.quantity, Position.entry_price).where(
                Position.portfolio_id == 1, Position.deleted_at.is_(None)
            )
        ).all()
        equity = float(uow.session.get_one(Portfolio, 1).equity_balance)
        flows = uow.session.scalars(select(EquityChange).where(EquityChange.portfolio_id == 1))
        assert list(flows) == []  # the demo book has none: the equity is the only inflow
    lots = [(s, float(q), float(p)) for s, q, p in raw]
    return entered, lots, equity


def _stored(demo_db: UowFactory) -> tuple[PortfolioPerformanceHistory, dict[str, Any]]:
    with demo_db() as uow:
        row = uow.session.scalars(
            select(PortfolioPerformanceHistory).where(
                PortfolioPerformanceHistory.portfolio_id == 1,
                PortfolioPerformanceHistory.calc_date == RUN,
            )
        ).one()
        metrics = uow.session.scalars(
            select(PortfolioBenchmarkMetrics).where(
                PortfolioBenchmarkMetrics.portfolio_id == 1,
                PortfolioBenchmarkMetrics.calc_date == RUN,
            )
        ).all()
        uow.session.expunge_all()
    assert {m.benchmark for m in metrics} == {"70/30 monthly"}
    return row, {m.window: m for m in metrics}


def _twr(entered: date, lots: list[tuple[str, float, float]], equity: float) -> pd.Series:
    """Daily TWR of the book from its entry to the run, from the closes and the lots."""
    closes = skfolio_closes(index=True).loc[str(entered) : str(RUN)]
    pnl = sum(q * (closes[s] - p) for s, q, p in lots)
    nav = equity + pnl
    previous = nav.shift(1, fill_value=0.0)
    inflow = pd.Series(0.0, index=nav.index)
    inflow.iloc[0] = equity
    return (nav - previous - inflow) / (previous + inflow)


def _monthly_blend(entered: date) -> pd.Series:
    """The blend's daily return from the entry to the run: each month, the legs' growth
    since the last close of the month before, weighted by the targets."""
    closes = skfolio_closes(index=True)[list(BLEND)].loc[: str(RUN)]
    months = closes.index.to_period("M")
    base = closes.groupby(months).last().shift(1).loc[months]  # last close of the month before
    base.index = closes.index
    growth = sum(w * closes[s] / base[s] for s, w in BLEND.items())
    before = growth.shift(1).where(~_first_of_month(closes.index), 1.0)
    return (growth / before - 1.0).loc[str(entered) :]


def test_a_daily_run_on_a_months_first_session_stores_the_independent_figures(
    daily_run: tuple[date, list[tuple[str, float, float]], float], demo_db: UowFactory
) -> None:
    entered, lots, equity = daily_run
    row, metrics = _stored(demo_db)
    r = _twr(entered, lots, equity)
    g = (1.0 + r).cumprod()
    assert row.inception_date == entered
    assert row.twr_daily == pytest.approx(r.iloc[-1], rel=1e-9)
    # The first session of the month: MTD is the session's own return, from the
    # close of November 30.
    assert row.return_mtd == pytest.approx(g.iloc[-1] / g.loc[:"2022-11-30"].iloc[-1] - 1, rel=1e-9)
    assert row.return_mtd == pytest.approx(r.iloc[-1], rel=1e-9)
    assert row.return_1m == pytest.approx(g.iloc[-1] / g.iloc[-22] - 1.0, rel=1e-9)
    assert row.return_qtd == pytest.approx(g.iloc[-1] / g.loc[:"2022-09-30"].iloc[-1] - 1, rel=1e-9)
    assert row.return_inception == pytest.approx(g.iloc[-1] - 1.0, rel=1e-9)
    b = _monthly_blend(entered)
    assert b.index.equals(r.index)
    assert np.isfinite(b.to_numpy()).all()
    windows = {"3m": 63, "1y": 252, "inception": len(r)}
    assert set(metrics) == set(windows)  # no 3y window: the book is younger
    for window, n in windows.items():
        m = metrics[window]
        rw, bw = r.to_numpy()[-n:], b.to_numpy()[-n:]
        a = rw - bw
        assert m.observations == n, window  # the blend is known from the entry on
        assert m.excess_return == pytest.approx(np.prod(1 + rw) - np.prod(1 + bw), rel=1e-9)
        assert m.tracking_error == pytest.approx(a.std(ddof=1) * np.sqrt(252), rel=1e-9)
        beta = np.cov(rw, bw, ddof=1)[0, 1] / bw.var(ddof=1)
        assert m.beta == pytest.approx(beta, rel=1e-9)
        assert m.hit_rate == pytest.approx(np.mean(rw > bw), rel=1e-12)

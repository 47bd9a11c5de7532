"""Stored performance rows against an independent recomputation from the demo book's
positions and the raw closes (skfolio's), with a contribution and a withdrawal."""

from __future__ import annotations

import warnings
from datetime import date
from decimal import Decimal

import empyrical
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from sigmasight.batch.runner import run_batch
from sigmasight.domain.enums import EquityChangeType
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.storage.history_performance import (
    PortfolioBenchmark,
    PortfolioBenchmarkMetrics,
    PortfolioPerformanceHistory,
)
from sigmasight.storage.models import EquityChange
from tests._skfolio import skfolio_closes
from tests.batch.conftest import UowFactory

START, END = date(2022, 12, 19), date(2022, 12, 28)
EQUITY = 210_000.0
FLOWS = {date(2022, 3, 1): 50_000.0, date(2022, 10, 3): -20_000.0}
#: individual_diversified.csv (portfolio 1): symbol, quantity, entry price, entry,
#: exit, exit price
LOTS = [
    ("AAPL", 120, 122.840, "2021-06-01", None, None),
    ("MSFT", 60, 243.047, "2021-06-01", None, None),
    ("JNJ", 70, 156.974, "2021-06-01", None, None),
    ("PG", 80, 125.675, "2021-06-01", None, None),
    ("KO", 250, 51.691, "2021-06-01", None, None),
    ("PEP", 70, 138.901, "2021-06-01", None, None),
    ("JPM", 90, 155.623, "2021-06-01", None, None),
    ("XOM", 150, 55.612, "2021-06-01", None, None),
    ("UNH", 25, 394.387, "2021-06-01", None, None),
    ("HD", 40, 299.783, "2021-06-01", None, None),
    ("WMT", 90, 137.313, "2021-06-01", None, None),
    ("BAC", 300, 40.764, "2021-06-01", "2022-06-15", 31.202),
    ("USMV", 400, 75.519, "2021-09-01", None, None),
    ("QUAL", 200, 137.530, "2021-09-01", None, None),
]


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    return skfolio_closes(index=True).loc["2021-06-01":"2022-12-28"]


def _nav(closes: pd.DataFrame) -> pd.DataFrame:
    """NAV, inflow and outflow of the book on every session from inception."""
    idx = closes.index
    pnl = pd.Series(0.0, index=idx)
    for symbol, qty, entry, entered, exited, exit_price in LOTS:
        held = (idx >= entered) & ((idx < exited) if exited else True)
        pnl += np.where(held, qty * (closes[symbol] - entry), 0.0)
        if exited:
            pnl += np.where(idx >= exited, qty * (exit_price - entry), 0.0)
    inflow = pd.Series(0.0, index=idx)
    outflow = pd.Series(0.0, index=idx)
    inflow.iloc[0] = EQUITY
    for day, amount in FLOWS.items():
        if amount > 0:
            inflow[pd.Timestamp(day)] += amount
        else:
            outflow[pd.Timestamp(day)] -= amount
    nav = pnl + (inflow - outflow).cumsum()  # the starting equity is the first inflow
    return pd.DataFrame({"nav": nav, "inflow": inflow, "outflow": outflow})


def _twr(frame: pd.DataFrame) -> pd.Series:
    """Contributions at the start of the session, withdrawals at the end."""
    previous = frame["nav"].shift(1, fill_value=0.0)
    base = previous + frame["inflow"]
    return (frame["nav"] - previous - frame["inflow"] + frame["outflow"]) / base


@pytest.fixture
def stored(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> tuple[dict[date, PortfolioPerformanceHistory], list[PortfolioBenchmarkMetrics]]:
    with demo_db() as uow:
        for day, amount in FLOWS.items():
            kind = EquityChangeType.CONTRIBUTION if amount > 0 else EquityChangeType.WITHDRAWAL
            uow.session.add(
                EquityChange(
                    portfolio_id=1, change_type=kind, amount=Decimal(abs(amount)), change_date=day
                )
            )
        uow.session.add(
            PortfolioBenchmark(
                portfolio_id=1,
                name="60/40",
                legs=[{"symbol": "^GSPC", "weight": 0.6}, {"symbol": "USMV", "weight": 0.4}],
                rebalance="daily",
                is_primary=True,
            )
        )
        uow.commit()
    assert run_batch(demo_db, chain, calendar, START, END).ok
    with demo_db() as uow:
        rows = uow.session.scalars(
            select(PortfolioPerformanceHistory).where(PortfolioPerformanceHistory.portfolio_id == 1)
        ).all()
        metrics = uow.session.scalars(
            select(PortfolioBenchmarkMetrics).where(PortfolioBenchmarkMetrics.portfolio_id == 1)
        ).all()
        uow.session.expunge_all()
    return {r.calc_date: r for r in rows}, list(metrics)


def test_nav_flows_and_twr_equal_the_independent_chain(
    stored: tuple[dict[date, PortfolioPerformanceHistory], list[PortfolioBenchmarkMetrics]],
    closes: pd.DataFrame,
) -> None:
    history, _ = stored
    frame = _nav(closes)
    daily = _twr(frame)
    growth = (1.0 + daily).cumprod()
    assert sorted(history) == [d.date() for d in closes.loc[str(START) : str(END)].index]
    for day, row in history.items():
        ts = pd.Timestamp(day)
        assert row.inception_date == date(2021, 6, 1)
        assert row.nav == pytest.approx(frame["nav"][ts], rel=1e-12)
        assert row.twr_daily == pytest.approx(daily[ts], rel=1e-9)
        assert row.twr_cumulative == pytest.approx(growth[ts] - 1.0, rel=1e-9)
    last = history[END]
    g = growth
    ytd = g[pd.Timestamp(END)] / g.loc[:"2021-12-31"].iloc[-1] - 1.0
    assert last.return_ytd == pytest.approx(ytd, rel=1e-9)
    assert last.return_1y == pytest.approx(g.iloc[-1] / g.iloc[-253] - 1.0, rel=1e-9)
    assert last.return_mtd == pytest.approx(
        g.iloc[-1] / g.loc[:"2022-11-30"].iloc[-1] - 1, rel=1e-9
    )
    assert last.return_inception == pytest.approx(g.iloc[-1] - 1.0, rel=1e-9)
    n = len(g)
    assert last.sessions_inception == n
    assert last.annualized_inception == pytest.approx(g.iloc[-1] ** (252 / n) - 1, rel=1e-9)
    assert last.return_3y is None  # 19 months of history
    # the flow sessions: a contribution earns the day, a withdrawal leaves after it
    march = pd.Timestamp("2022-03-01")
    assert frame["inflow"][march] == 50_000.0
    assert daily[march] == pytest.approx(
        (frame["nav"][march] - frame["nav"].shift(1)[march] - 50_000.0)
        / (frame["nav"].shift(1)[march] + 50_000.0)
    )


def _empyrical(fn: object, *args: object) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(fn(*args))  # type: ignore[operator]


def test_benchmark_metrics_of_the_blend_equal_empyrical(
    stored: tuple[dict[date, PortfolioPerformanceHistory], list[PortfolioBenchmarkMetrics]],
    closes: pd.DataFrame,
) -> None:
    _, metrics = stored
    names = {m.benchmark for m in metrics}
    assert names == {"60/40"}  # configured benchmarks replace the default
    row = next(m for m in metrics if m.calc_date == END and m.window == "1y")
    r = _twr(_nav(closes)).to_numpy()[-252:]
    legs = closes[["^GSPC", "USMV"]].pct_change(fill_method=None).to_numpy()[-252:]
    b = legs @ np.array([0.6, 0.4])
    assert row.observations == 252
    assert row.tracking_error == pytest.approx((r - b).std(ddof=1) * np.sqrt(252), rel=1e-9)
    ir = _empyrical(empyrical.excess_sharpe, r, b) * np.sqrt(252)
    assert row.information_ratio == pytest.approx(ir, rel=1e-9)
    assert row.beta == pytest.approx(_empyrical(empyrical.beta, r, b), rel=1e-9)
    assert row.alpha == pytest.approx(_empyrical(empyrical.alpha, r, b), rel=1e-8)
    assert row.up_capture == pytest.approx(_empyrical(empyrical.up_capture, r, b), rel=1e-9)
    assert row.down_capture == pytest.approx(_empyrical(empyrical.down_capture, r, b), rel=1e-9)
    assert row.hit_rate == pytest.approx(np.mean(r > b))
    assert row.excess_return == pytest.approx(np.prod(1 + r) - np.prod(1 + b), rel=1e-9)
    windows = {m.window for m in metrics if m.calc_date == END}
    assert windows == {"3m", "1y", "inception"}  # no 3y row: the book is younger


def test_sector_pnl_adds_up_to_the_books_pnl_and_etfs_are_their_lots(
    stored: tuple[dict[date, PortfolioPerformanceHistory], list[PortfolioBenchmarkMetrics]],
    closes: pd.DataFrame,
) -> None:
    from sigmasight.analytics.sectors import ETF_BUCKET

    history, _ = stored
    frame = _nav(closes)
    pnl = frame["nav"] - frame["nav"].shift(1, fill_value=0.0) - frame["inflow"] + frame["outflow"]
    etf = sum(qty * closes[s].diff() for s, qty, *_ in LOTS if s in ("USMV", "QUAL"))
    for day, row in history.items():
        ts = pd.Timestamp(day)
        assert sum(row.sector_pnl.values()) == pytest.approx(pnl[ts], rel=1e-9, abs=1e-6)
        assert row.sector_pnl[ETF_BUCKET] == pytest.approx(etf[ts], rel=1e-9, abs=1e-6)
        assert "Private holdings" not in row.sector_pnl

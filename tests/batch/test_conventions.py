"""Conventions of issue #13 checked on batch rows of the real demo data."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sqlalchemy import select, update

from sigmasight.batch.runner import run_batch
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.marketdata.demo import DemoProvider
from sigmasight.marketdata.models import SectorWeight
from sigmasight.services.analytics import position_risk, sector_exposure
from sigmasight.storage.history import (
    BenchmarkSectorWeight,
    PortfolioSnapshot,
    SecurityMarketBeta,
    SecurityVolatility,
)
from sigmasight.storage.models import DailyPrice, Portfolio
from tests._skfolio import skfolio_stocks
from tests.batch.conftest import UowFactory

HAR_DAY = date(2022, 2, 25)


def test_har_fallback_is_stored_for_securities_and_portfolios(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    assert run_batch(demo_db, chain, calendar, HAR_DAY, HAR_DAY).ok
    with demo_db() as uow:
        rows = {
            r.symbol: r
            for r in uow.session.scalars(
                select(SecurityVolatility).where(SecurityVolatility.calc_date == HAR_DAY)
            )
        }
        snaps = list(
            uow.session.scalars(
                select(PortfolioSnapshot).where(PortfolioSnapshot.snapshot_date == HAR_DAY)
            )
        )
        uow.session.expunge_all()
    flagged = {s for s, r in rows.items() if r.har_fallback}
    assert {"JNJ", "USMV"} <= flagged
    for symbol in flagged:  # the stored forecast is the realized 21-day figure
        assert rows[symbol].expected_21d == pytest.approx(rows[symbol].realized_21d, rel=1e-10)
        # the fit's coefficients and R² are kept: they show why the path was unusable
        assert rows[symbol].har_const is not None
        assert rows[symbol].model_r_squared is not None
    assert not rows["AAPL"].har_fallback
    for snap in snaps:
        if snap.volatility_har_fallback:
            assert snap.volatility_expected_21d == pytest.approx(snap.volatility_21d, rel=1e-10)
    assert np.isfinite([s.volatility_expected_21d for s in snaps]).all()
    assert any(s.volatility_har_fallback for s in snaps)  # the diversified book


def test_demo_long_short_book_has_no_invented_first_day_gain(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    """Entry prices are the closes of the entry date: the first day's P&L of the long/short
    book is its price moves of that day only, i.e. none (it was +5.1 % from typed prices)."""
    first = date(2022, 1, 3)
    assert run_batch(demo_db, chain, calendar, first, first).ok
    with demo_db() as uow:
        snap = uow.session.get(PortfolioSnapshot, (3, first))
        assert snap is not None
        assert abs(snap.daily_pnl) < 1e-6
        assert abs(snap.daily_return or 0.0) < 1e-12


class _TwoSnapshots(DemoProvider):
    """The demo with two benchmark snapshots inside the run (test data, not published)."""

    DATES = (date(2022, 12, 16), date(2022, 12, 22))

    def sector_weights(self, benchmark: str, as_of: date) -> list[SectorWeight]:
        known = [d for d in self.DATES if d <= as_of]
        if not known:
            return []
        tilt = 0.6 if known[-1] == self.DATES[0] else 0.7
        return [
            SectorWeight("^GSPC", known[-1], "Information Technology", tilt, None, None, "test"),
            SectorWeight("^GSPC", known[-1], "Energy", 1 - tilt, None, None, "test"),
        ]


def test_benchmark_weights_are_never_applied_before_their_date(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    """The demo's year-end 2022 weights (dated 2022-12-30) are not applied on 2022-12-28;
    a backfill stores every snapshot its dates use and carries each forward to the next."""
    day = date(2022, 12, 28)
    assert run_batch(demo_db, chain, calendar, day, day).ok
    with demo_db() as uow:
        snap = uow.session.get(PortfolioSnapshot, (3, day))
        assert snap is not None
        assert snap.sector_exposure["benchmark_as_of"] is None
    two = ProviderChain([_TwoSnapshots()])
    assert run_batch(demo_db, two, calendar, date(2022, 12, 19), day).ok
    with demo_db() as uow:
        stored = {w.as_of for w in uow.session.scalars(select(BenchmarkSectorWeight))}
        assert set(_TwoSnapshots.DATES) <= stored
        used = {
            s.snapshot_date: s.sector_exposure["benchmark_as_of"]
            for s in uow.session.scalars(
                select(PortfolioSnapshot).where(PortfolioSnapshot.portfolio_id == 3)
            )
        }
        owner = uow.session.get(Portfolio, 3).owner_id  # type: ignore[union-attr]
    assert used[date(2022, 12, 19)] == used[date(2022, 12, 21)] == "2022-12-16"
    assert used[date(2022, 12, 22)] == used[day] == "2022-12-22"
    view = sector_exposure(demo_db, owner, 3, date(2022, 12, 21))
    assert view.benchmark_as_of == date(2022, 12, 16)  # shown with its date
    it = next(b for b in view.buckets if b.sector == "Information Technology")
    assert it.benchmark == pytest.approx(0.6)


def test_long_short_exposures_recomputed_from_closes_and_deltas(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    """Long, short and gross of the long/short book on 2022-12-28 from the raw closes and a
    closed-form Black-Scholes delta written here: options by delta (the long put is
    short), the private fund in no exposure but in ``private_value``."""
    day = date(2022, 12, 28)
    assert run_batch(demo_db, chain, calendar, day, day).ok
    closes = skfolio_stocks().loc[:"2022-12-28"]
    last = closes.iloc[-1]
    stocks = {"MSFT": 4000, "LLY": 2500, "UNH": 1500, "JPM": 5000, "XOM": 12000, "CVX": 5000}
    stocks |= {"PG": 4000, "BBY": -6000, "GE": -5000, "RRC": -15000, "BAC": -12000}
    stocks |= {"AMD": -4000}
    exposures = [q * last[s] for s, q in stocks.items()]

    def delta(symbol: str, strike: float, expiry: str, call: bool) -> float:
        vol = closes[symbol].pct_change().iloc[-63:].std(ddof=1) * math.sqrt(252)
        years = (pd.Timestamp(expiry) - pd.Timestamp(day)).days / 365
        d1 = (math.log(last[symbol] / strike) + vol**2 * years / 2) / (vol * math.sqrt(years))
        return float(norm.cdf(d1)) - (0.0 if call else 1.0)

    exposures.append(50 * 100 * delta("AAPL", 120.0, "2023-03-17", False) * last["AAPL"])
    exposures.append(-20 * 100 * delta("MSFT", 260.0, "2023-01-20", True) * last["MSFT"])
    long = math.fsum(e for e in exposures if e > 0)
    short = math.fsum(e for e in exposures if e < 0)
    with demo_db() as uow:
        snap = uow.session.get(PortfolioSnapshot, (3, day))
        assert snap is not None
        assert snap.long_exposure == pytest.approx(long, rel=1e-10)
        assert snap.short_exposure == pytest.approx(short, rel=1e-10)
        assert snap.gross_exposure == pytest.approx(long - short, rel=1e-10)
        assert snap.private_value == pytest.approx(2_500_000.0)
        assert snap.n_short == 7  # five stocks, the short call and the long put
        stored_long = math.fsum(snap.sector_exposure["long"].values())
        stored_short = math.fsum(snap.sector_exposure["short"].values())
        assert stored_long - stored_short == pytest.approx(snap.gross_exposure, rel=1e-12)
        assert "Unclassified" not in snap.sector_exposure["long"]


def test_marks_use_the_close_as_published_and_returns_the_adjusted_series(
    demo_db: UowFactory, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    """Issue #13 item 6, with a source that has both: MSFT's published closes are made 10 %
    above its adjusted ones (as before a dividend adjustment). NAV, P&L and exposure move
    with the published close; returns, hence beta and volatility, stay those of the
    adjusted series."""
    day = date(2022, 12, 28)
    assert run_batch(demo_db, chain, calendar, day, day).ok

    def read() -> tuple[PortfolioSnapshot, SecurityMarketBeta, SecurityVolatility]:
        with demo_db() as uow:
            snap = uow.session.get(PortfolioSnapshot, (1, day))
            beta = uow.session.scalars(
                select(SecurityMarketBeta).where(
                    SecurityMarketBeta.symbol == "MSFT", SecurityMarketBeta.calc_date == day
                )
            ).one()
            vol = uow.session.get(SecurityVolatility, ("MSFT", day))
            assert snap is not None
            assert vol is not None
            uow.session.expunge_all()
            return snap, beta, vol

    before, beta_before, vol_before = read()
    with demo_db() as uow:
        uow.session.execute(
            update(DailyPrice)
            .where(DailyPrice.symbol == "MSFT")
            .values(close=DailyPrice.close * 1.1)
        )
        adjusted = uow.session.get(DailyPrice, ("MSFT", day))
        assert adjusted is not None
        adj_close = float(adjusted.adj_close or 0.0)
        uow.commit()
    assert run_batch(demo_db, chain, calendar, day, day).ok
    after, beta_after, vol_after = read()
    shares = 60  # the diversified book's MSFT lot
    lift = shares * adj_close * 0.1
    assert after.nav - before.nav == pytest.approx(lift, rel=1e-9)
    assert after.long_exposure - before.long_exposure == pytest.approx(lift, rel=1e-9)
    assert after.cash == pytest.approx(before.cash, rel=1e-9)  # cash is NAV - market value
    assert after.daily_pnl - before.daily_pnl == pytest.approx(
        shares * 0.1 * (adj_close - _previous_adjusted(demo_db, day)), rel=1e-9
    )
    assert beta_after.beta == beta_before.beta  # returns: the adjusted series, unchanged
    assert vol_after.realized_21d == vol_before.realized_21d
    with demo_db() as uow:
        owner = uow.session.get(Portfolio, 1).owner_id  # type: ignore[union-attr]
    risk = position_risk(demo_db, owner, 1, day)
    msft = next(p for p in risk.positions if p.symbol == "MSFT")
    assert msft.price == pytest.approx(adj_close * 1.1, rel=1e-12)


def _previous_adjusted(factory: UowFactory, day: date) -> float:
    with factory() as uow:
        row = uow.session.scalars(
            select(DailyPrice)
            .where(DailyPrice.symbol == "MSFT", DailyPrice.date < day)
            .order_by(DailyPrice.date.desc())
            .limit(1)
        ).one()
        return float(row.adj_close or 0.0)

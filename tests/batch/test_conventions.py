"""Conventions of issue #13 checked on batch rows of the real demo data."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sqlalchemy import select

from sigmasight.batch.runner import run_batch
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.storage.history import PortfolioSnapshot, SecurityVolatility
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
        assert rows[symbol].har_const is None  # no coefficients of an unusable fit
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

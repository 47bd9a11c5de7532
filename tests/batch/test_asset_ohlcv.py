"""OHLCV end to end: the demo's bundled index bars (arch) are fetched, stored, read by
the batch, and the range and volume indicators it stores equal TA-Lib run on the raw
stored bars."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import talib
from sqlalchemy import select

from sigmasight.batch.runner import run_batch
from sigmasight.domain.enums import AccountType
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.services.passwords import hash_password
from sigmasight.services.portfolios import PortfolioSpec, import_portfolio
from sigmasight.storage.history_assets import AssetPerformanceMetric
from sigmasight.storage.models import DailyPrice, User
from tests.batch.conftest import UowFactory

DAY = date(2018, 12, 31)
BOOK = b"""Symbol,Quantity,Entry Price Per Share,Entry Date,Investment Class,Investment Subtype
SPX-OHLC,10,2500.00,2018-01-02,PUBLIC,STOCK
IXIC-OHLC,10,7000.00,2018-01-02,PUBLIC,STOCK
"""


def test_stored_range_indicators_equal_talib_on_the_stored_bars(
    uow_factory: UowFactory, chain: ProviderChain
) -> None:
    calendar = TradingCalendar(start=date(2010, 1, 1), end=date(2019, 12, 31))
    with uow_factory() as uow:
        user = uow.users.add(
            User(email="ohlc@example.com", name="OHLC", password_hash=hash_password("x" * 12))
        )
        uow.commit()
        owner = user.id
    spec = PortfolioSpec("Index bars", AccountType.TAXABLE, Decimal("100000.00"))
    outcome = import_portfolio(uow_factory, owner, spec, BOOK, today=DAY)
    assert outcome.portfolio_id is not None, outcome
    report = run_batch(uow_factory, chain, calendar, date(2018, 12, 27), DAY)
    assert report.ok, report.errors
    for symbol in ("SPX-OHLC", "IXIC-OHLC"):
        with uow_factory() as uow:
            rows = uow.session.execute(
                select(DailyPrice.high, DailyPrice.low, DailyPrice.close, DailyPrice.volume)
                .where(DailyPrice.symbol == symbol, DailyPrice.date <= DAY)
                .order_by(DailyPrice.date)
            ).all()
            stored = uow.session.get(AssetPerformanceMetric, (symbol, DAY))
            assert stored is not None
            uow.session.expunge(stored)
        bars = pd.DataFrame(rows, columns=["high", "low", "close", "volume"]).astype(float)
        h, lo, c, v = (bars[k].to_numpy() for k in ("high", "low", "close", "volume"))
        assert stored.has_ohlcv
        assert stored.reasons is None or not (
            {"atr_14", "stoch_k", "stoch_d", "obv"} & set(stored.reasons)
        )
        assert stored.atr_14 == pytest.approx(talib.ATR(h, lo, c, 14)[-1], rel=1e-9)
        k, d = talib.STOCHF(h, lo, c, 14, 3, 0)
        assert stored.stoch_k == pytest.approx(k[-1], rel=1e-10)
        assert stored.stoch_d == pytest.approx(d[-1], rel=1e-10)
        obv = talib.OBV(c, v)
        assert stored.obv == pytest.approx(obv[-1] - obv[-253], rel=1e-12)
        assert stored.rsi_14 == pytest.approx(talib.RSI(c, 14)[-1], rel=1e-9)
        assert stored.sma_200 == pytest.approx(float(np.mean(c[-200:])), rel=1e-12)

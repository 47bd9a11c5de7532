"""No look-ahead: a backfill writes what daily runs on each of its dates write."""

from __future__ import annotations

import math
from datetime import date

import pytest
from sqlalchemy import select

from sigmasight.batch.runner import run_batch
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.storage.db import make_engine, make_session_factory
from sigmasight.storage.history import (
    PortfolioRiskMetrics,
    PortfolioSnapshot,
    SecurityMarketBeta,
    SecurityVolatility,
)
from sigmasight.storage.history_assets import AssetPerformanceMetric
from sigmasight.storage.history_greeks import OptionGreeks
from sigmasight.storage.history_performance import (
    PortfolioBenchmark,
    PortfolioBenchmarkMetrics,
    PortfolioPerformanceHistory,
)
from sigmasight.storage.history_stress import (
    PortfolioStressResult,
    SecurityStressReturn,
    StressScenarioMoves,
)
from sigmasight.storage.migrate import upgrade
from sigmasight.storage.uow import UnitOfWork
from tests.batch.conftest import UowFactory, load_demo_into

START, END = date(2022, 12, 12), date(2022, 12, 28)


def _rows(uow_factory: UowFactory, model: type) -> dict[tuple[object, ...], dict[str, object]]:
    with uow_factory() as uow:
        table = model.__table__
        keys = [c.name for c in table.primary_key.columns]
        out = {}
        for row in uow.session.execute(select(table)).mappings():
            out[tuple(row[k] for k in keys)] = dict(row)
        return out


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.slow
def test_backfill_equals_daily_runs(
    tmp_path: object, chain: ProviderChain, calendar: TradingCalendar
) -> None:
    factories = []
    for name in ("backfill", "daily"):
        engine = make_engine(f"sqlite:///{tmp_path}/{name}.db")
        upgrade(engine)
        session_factory = make_session_factory(engine)
        factory: UowFactory = lambda sf=session_factory: UnitOfWork(sf)  # noqa: E731
        load_demo_into(factory, calendar)
        with factory() as uow:  # a monthly blend drifts from month starts: same in both
            uow.session.add(
                PortfolioBenchmark(
                    portfolio_id=1,
                    name="blend",
                    legs=[{"symbol": "^GSPC", "weight": 0.7}, {"symbol": "QUAL", "weight": 0.3}],
                    rebalance="monthly",
                    is_primary=True,
                )
            )
            uow.commit()
        factories.append(factory)
    backfill, daily = factories
    assert run_batch(backfill, chain, calendar, START, END).ok
    for day in calendar.sessions(START, END):
        assert run_batch(daily, chain, calendar, day, day).ok
    for model in (
        PortfolioSnapshot,
        SecurityMarketBeta,
        SecurityVolatility,
        AssetPerformanceMetric,
        PortfolioRiskMetrics,
        OptionGreeks,
        StressScenarioMoves,
        SecurityStressReturn,
        PortfolioStressResult,
        PortfolioPerformanceHistory,
        PortfolioBenchmarkMetrics,
    ):
        a, b = _rows(backfill, model), _rows(daily, model)
        assert a.keys() == b.keys()
        assert len(a) > 0
        for key in a:
            diff = {k for k in a[key] if not _same(a[key][k], b[key][k])}
            assert not diff, (model.__tablename__, key, {k: (a[key][k], b[key][k]) for k in diff})

"""The overview's headline cards of the asset-metrics and correlation families, checked
against the raw stored rows (positions and asset_performance_metrics, read directly)."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import or_, select

from sigmasight.domain.enums import InvestmentClass
from sigmasight.services.analytics import asset_metrics, correlations, stress
from sigmasight.storage.history import PortfolioCorrelationSummary, PortfolioSnapshot
from sigmasight.storage.history_assets import AssetPerformanceMetric
from sigmasight.storage.history_stress import PortfolioStressResult, StressScenarioMoves
from sigmasight.storage.models import Position
from sigmasight.storage.uow import UnitOfWork

DAY = date(2022, 12, 28)


def _expected(uow_factory: Callable[[], UnitOfWork], pid: int) -> tuple[int, int, float | None]:
    """Above-SMA count, securities with an SMA and median 1y return, from raw rows."""
    with uow_factory() as uow:
        lots = uow.session.scalars(
            select(Position).where(
                Position.portfolio_id == pid,
                Position.entry_date <= DAY,
                or_(Position.exit_date.is_(None), Position.exit_date > DAY),
            )
        ).all()
        symbols = set()
        for p in lots:
            if p.investment_class is InvestmentClass.PRIVATE:
                continue
            if p.investment_class is InvestmentClass.OPTIONS:
                if p.expiry is not None and p.expiry <= DAY:
                    continue
                symbols.add(p.underlying_symbol)
            else:
                symbols.add(p.symbol)
        rows = uow.session.execute(
            select(
                AssetPerformanceMetric.close,
                AssetPerformanceMetric.sma_200,
                AssetPerformanceMetric.return_1y,
            ).where(
                AssetPerformanceMetric.symbol.in_(symbols),
                AssetPerformanceMetric.calc_date == DAY,
            )
        ).all()
    with_sma = [(c, s) for c, s, _ in rows if s is not None and c is not None]
    years = [r for _, _, r in rows if r is not None]
    median = statistics.median(years) if years else None
    return sum(c > s for c, s in with_sma), len(with_sma), median


@pytest.mark.parametrize(
    "book", ["Concentrated Growth", "Long/Short Equity Fund", "Diversified Individual"]
)
def test_trend_breadth_counts_the_stored_rows(
    uow_factory: Callable[[], UnitOfWork], owner: int, ids: dict[str, int], book: str
) -> None:
    pid = ids[book]
    got = asset_metrics.trend_breadth(asset_metrics.position_metrics(uow_factory, owner, pid, DAY))
    above, counted, median = _expected(uow_factory, pid)
    assert counted > 0
    assert (got.above_sma_200, got.with_sma_200) == (above, counted)
    assert got.median_return_1y == pytest.approx(median, rel=1e-12)


def test_correlation_headline_is_the_stored_summary(
    uow_factory: Callable[[], UnitOfWork], owner: int, ids: dict[str, int]
) -> None:
    for pid in ids.values():
        got = correlations.correlation_summary(uow_factory, owner, pid, DAY)
        with uow_factory() as uow:
            row = uow.session.get(PortfolioCorrelationSummary, (pid, DAY))
            assert row is not None
            assert got is not None
            assert (got.securities, got.effective_bets) == (row.securities, row.effective_bets)


def test_stress_headline_is_the_largest_stored_loss(
    uow_factory: Callable[[], UnitOfWork], owner: int, ids: dict[str, int]
) -> None:
    """The stress card's worst scenario: plain ``min`` over the stored P&L list of the
    date (each recomputed from raw rows by tests/reference/test_stored_stress.py), its
    share of the snapshot's NAV and the scenario's stored name."""
    for pid in ids.values():
        got = stress.stress_headline(uow_factory, owner, pid, DAY)
        with uow_factory() as uow:
            row = uow.session.get(PortfolioStressResult, (pid, DAY))
            snapshot = uow.session.get(PortfolioSnapshot, (pid, DAY))
            assert row is not None
            assert snapshot is not None
            pnl, keys, nav = list(row.pnl), list(row.scenario_keys), snapshot.nav
            k = min(range(len(pnl)), key=lambda i: pnl[i])
            moves = uow.session.get(StressScenarioMoves, (DAY, keys[k]))
            assert moves is not None
            name = moves.name
        assert got is not None
        assert (got.key, got.name, got.as_of) == (keys[k], name, DAY)
        assert got.pnl == pnl[k]
        assert got.pnl < 0
        assert got.pnl_percent == pytest.approx(pnl[k] / nav, rel=1e-12)
        assert got.scenarios == len(keys)

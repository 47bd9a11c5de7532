"""The declared step list: each family timed and isolated, its rows written on its own."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

import sigmasight.batch.steps as steps
from sigmasight.batch.runner import run_batch
from sigmasight.batch.steps import PortfolioContext, PortfolioStep, SecurityStep, TableRows
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.storage.history import (
    BatchRun,
    PortfolioSnapshot,
    SecurityMarketBeta,
    SecurityVolatility,
)
from tests.batch.conftest import UowFactory

DAY = date(2022, 12, 28)


def _count(uow_factory: UowFactory, model: type) -> int:
    with uow_factory() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _broken(*_: object) -> list[TableRows]:
    raise ArithmeticError("synthetic family failure")


def test_a_failing_security_family_keeps_the_other_families_rows(
    demo_db: UowFactory,
    chain: ProviderChain,
    calendar: TradingCalendar,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        steps, "SECURITY_STEPS", (SecurityStep("broken", _broken), *steps.SECURITY_STEPS)
    )
    report = run_batch(demo_db, chain, calendar, DAY, DAY)
    assert report.status == "partial"
    assert report.errors == {"step:broken": "ArithmeticError: synthetic family failure"}
    assert "step.broken" in report.timings
    assert "step.market_beta_volatility" in report.timings
    assert _count(demo_db, SecurityMarketBeta) == 21
    assert _count(demo_db, SecurityVolatility) == 22
    assert _count(demo_db, PortfolioSnapshot) == 3
    with demo_db() as uow:
        run = uow.session.scalars(select(BatchRun)).one()
        # a family failure is about the run, not a portfolio: no portfolio counted failed
        assert (run.status, run.failed) == ("partial", 0)
        assert run.errors == {"step:broken": "ArithmeticError: synthetic family failure"}


def test_a_failing_portfolio_family_keeps_the_snapshots(
    demo_db: UowFactory,
    chain: ProviderChain,
    calendar: TradingCalendar,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fails_for_book_2(ctx: PortfolioContext) -> list[TableRows]:
        if 2 in ctx.inputs.portfolios.id:
            raise ArithmeticError("synthetic family failure")
        return []

    monkeypatch.setattr(
        steps, "PORTFOLIO_STEPS", (*steps.PORTFOLIO_STEPS, PortfolioStep("fam", fails_for_book_2))
    )
    report = run_batch(demo_db, chain, calendar, DAY, DAY)
    assert report.status == "partial"
    assert report.errors == {2: "fam: ArithmeticError: synthetic family failure"}
    assert {"step.snapshots", "step.fam"} <= set(report.timings)
    assert _count(demo_db, PortfolioSnapshot) == 3  # book 2's snapshot is still written


def test_correlation_pairs_over_the_row_budget_are_not_stored(
    demo_db: UowFactory,
    chain: ProviderChain,
    calendar: TradingCalendar,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sigmasight.batch.correlations as correlations
    from sigmasight.storage.history import AssetCorrelation, PortfolioCorrelationSummary

    report = run_batch(demo_db, chain, calendar, DAY, DAY)
    stored = _count(demo_db, AssetCorrelation)
    assert report.ok
    assert stored > 0
    with demo_db() as uow:
        uow.session.execute(AssetCorrelation.__table__.delete())
        uow.commit()
    monkeypatch.setattr(correlations, "PAIR_ROW_BUDGET", stored - 1)
    report = run_batch(demo_db, chain, calendar, DAY, DAY)
    assert report.ok  # skipping the pairs is not a failure
    assert _count(demo_db, AssetCorrelation) == 0
    assert _count(demo_db, PortfolioCorrelationSummary) == 3
    monkeypatch.setattr(correlations, "PAIR_ROW_BUDGET", stored)
    run_batch(demo_db, chain, calendar, DAY, DAY)
    assert _count(demo_db, AssetCorrelation) == stored

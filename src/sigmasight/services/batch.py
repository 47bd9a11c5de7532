"""Batch use cases shared by the CLI (and later the API): run, backfill, read snapshots."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from sigmasight.batch.executor import Executor
from sigmasight.batch.runner import BatchOptions, Progress, RunReport, run_batch
from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.marketdata.chain import ProviderChain
from sigmasight.storage.history import PortfolioSnapshot
from sigmasight.storage.models import DailyPrice, Portfolio
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]


def latest_market_date(uow_factory: UowFactory) -> date | None:
    """The last session with a stored market-index close: the default run date."""
    with uow_factory() as uow:
        return uow.session.scalar(
            select(func.max(DailyPrice.date)).where(DailyPrice.symbol == MARKET_INDEX_SYMBOL)
        )


def backfill(
    uow_factory: UowFactory,
    chain: ProviderChain,
    calendar: TradingCalendar,
    start: date,
    end: date,
    *,
    portfolio_ids: Sequence[int] | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> RunReport:
    return run_batch(
        uow_factory,
        chain,
        calendar,
        start,
        end,
        options=BatchOptions(portfolio_ids=portfolio_ids),
        executor=executor,
        progress=progress,
    )


@dataclass(frozen=True)
class RiskSummary:
    portfolio_id: int
    name: str
    snapshot: PortfolioSnapshot


def risk_summaries(uow_factory: UowFactory, owner_id: int, as_of: date) -> list[RiskSummary]:
    """The owner's portfolios with their snapshot for ``as_of`` (those that have one)."""
    with uow_factory() as uow:
        query = (
            select(Portfolio.id, Portfolio.name, PortfolioSnapshot)
            .join(PortfolioSnapshot, PortfolioSnapshot.portfolio_id == Portfolio.id)
            .where(
                Portfolio.owner_id == owner_id,
                Portfolio.deleted_at.is_(None),
                PortfolioSnapshot.snapshot_date == as_of,
            )
            .order_by(Portfolio.id)
        )
        rows = [RiskSummary(pid, name, snap) for pid, name, snap in uow.session.execute(query)]
        uow.session.expunge_all()
        return rows

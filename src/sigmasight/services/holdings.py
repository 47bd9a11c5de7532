"""The dashboard's holdings and P&L views, built on the analytics read services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sigmasight.domain.conventions import OPTION_CONTRACT_MULTIPLIER
from sigmasight.domain.enums import InvestmentClass
from sigmasight.services.analytics import (
    PositionRisk,
    market_beta,
    position_risk,
    snapshot_series,
)
from sigmasight.storage.models import Position, Security
from sigmasight.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class Holding:
    risk: PositionRisk
    entry_price: float
    pnl: float | None  # unrealised: market value - cost
    sector: str
    tags: tuple[str, ...]
    beta_std_error: float | None
    beta_observations: int | None


@dataclass(frozen=True)
class HoldingsView:
    as_of: date
    nav: float
    holdings: tuple[Holding, ...]
    sectors: tuple[str, ...]
    tags: tuple[str, ...]
    types: tuple[str, ...]


def holdings(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> HoldingsView:
    """Held positions on ``as_of`` with mark, weight, unrealised P&L, risk, sector, tags."""
    view = position_risk(uow_factory, owner_id, portfolio_id, as_of)
    betas = {
        b.position_id: b for b in market_beta(uow_factory, owner_id, portfolio_id, as_of).positions
    }
    ids = [p.position_id for p in view.positions]
    with uow_factory() as uow:
        rows = uow.session.scalars(
            select(Position).where(Position.id.in_(ids)).options(selectinload(Position.tags))
        )
        positions = {p.id: p for p in rows}
        symbols = {p.underlying_symbol or p.symbol for p in positions.values()}
        sectors = {
            s.symbol: ("ETF" if s.is_etf else s.sector or "Unclassified")
            for s in uow.session.scalars(select(Security).where(Security.symbol.in_(symbols)))
        }
        out = []
        for risk in view.positions:
            p = positions[risk.position_id]
            option = p.investment_class is InvestmentClass.OPTIONS
            units = float(p.quantity) * (OPTION_CONTRACT_MULTIPLIER if option else 1.0)
            cost = units * float(p.entry_price)
            beta = betas.get(risk.position_id)
            out.append(
                Holding(
                    risk=risk,
                    entry_price=float(p.entry_price),
                    pnl=None if risk.market_value is None else risk.market_value - cost,
                    sector=sectors.get(p.underlying_symbol or p.symbol, "Unclassified"),
                    tags=tuple(sorted(t.name for t in p.tags)),
                    beta_std_error=beta.std_error if beta else None,
                    beta_observations=beta.observations if beta else None,
                )
            )
    return HoldingsView(
        view.as_of,
        view.nav,
        tuple(out),
        tuple(sorted({h.sector for h in out})),
        tuple(sorted({t for h in out for t in h.tags})),
        tuple(sorted({h.risk.position_type for h in out})),
    )


@dataclass(frozen=True)
class PnlPeriods:
    """Sums of stored daily P&L. ``*_from`` is the first date the sum covers: the start of
    the period, or a later date when the history starts later (inception or a batch that
    has not been backfilled), so a partial figure is never shown as a full one."""

    day: float
    month_to_date: float
    month_from: date | None
    year_to_date: float
    year_from: date | None


def pnl_periods(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date
) -> PnlPeriods:
    """Day, month-to-date and year-to-date P&L up to ``as_of``."""
    year_start = date(as_of.year, 1, 1)
    series = snapshot_series(uow_factory, owner_id, portfolio_id, start=year_start, end=as_of)
    rows = list(series.rows)
    month = [r for r in rows if r.date.month == as_of.month]
    day = rows[-1].daily_pnl if rows and rows[-1].date == as_of else 0.0
    return PnlPeriods(
        day,
        sum(r.daily_pnl for r in month),
        month[0].date if month else None,
        sum(r.daily_pnl for r in rows),
        rows[0].date if rows else None,
    )

"""What the dashboard shows around the holdings table: cost, totals, allocation, top holdings.

Built on :func:`sigmasight.services.holdings.holdings` (the same marks, weights and
sectors as the table), so the overview's allocation and top holdings add up to the
Holdings page's figures. Weights here are **market value / NAV** (premium for options,
carried value for private holdings), the basis the holdings table uses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sigmasight.domain.conventions import OPTION_CONTRACT_MULTIPLIER
from sigmasight.domain.enums import InvestmentClass
from sigmasight.services.analytics import portfolio_overview
from sigmasight.services.holdings import Holding, HoldingsView, UowFactory, holdings

#: Bucket of the allocation for private holdings (no market sector) and for cash.
PRIVATE_BUCKET = "Private holdings"
CASH_BUCKET = "Cash"
TOP_HOLDINGS = 10


def position_cost(h: Holding) -> float:
    """Cost of the position at entry: signed quantity x entry price (x 100 for options)."""
    option = h.risk.investment_class == InvestmentClass.OPTIONS.value
    units = h.risk.quantity * (OPTION_CONTRACT_MULTIPLIER if option else 1.0)
    return units * h.entry_price


@dataclass(frozen=True)
class HoldingsTotals:
    """Sums over the table's rows; ``None`` parts are left out and counted."""

    positions: int
    market_value: float
    cost: float
    pnl: float
    weight: float | None  # market value of the rows / NAV
    unpriced: int  # rows without a market value (left out of the sums)


def _fsum(values: Iterable[float | None]) -> float:
    return math.fsum(v for v in values if v is not None)


def holdings_totals(view: HoldingsView) -> HoldingsTotals:
    rows = view.holdings
    priced = [h for h in rows if h.risk.market_value is not None]
    market_value = _fsum(h.risk.market_value for h in priced)
    return HoldingsTotals(
        positions=len(rows),
        market_value=market_value,
        cost=_fsum(position_cost(h) for h in rows),
        pnl=_fsum(h.pnl for h in rows),
        weight=market_value / view.nav if view.nav else None,
        unpriced=len(rows) - len(priced),
    )


@dataclass(frozen=True)
class AllocationBucket:
    name: str
    market_value: float
    weight: float | None  # of NAV


@dataclass(frozen=True)
class OverviewHoldings:
    """The overview's allocation (by sector, private holdings and cash apart) and its
    largest positions by absolute market value."""

    as_of: date
    nav: float
    allocation: tuple[AllocationBucket, ...]
    top: tuple[Holding, ...]


def _bucket(h: Holding) -> str:
    private = h.risk.investment_class == InvestmentClass.PRIVATE.value
    return PRIVATE_BUCKET if private else h.sector


def overview_holdings(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> OverviewHoldings:
    view = holdings(uow_factory, owner_id, portfolio_id, as_of)
    cash = portfolio_overview(uow_factory, owner_id, portfolio_id, view.as_of).cash
    sums: dict[str, list[float]] = {}
    for h in view.holdings:
        if h.risk.market_value is not None:
            sums.setdefault(_bucket(h), []).append(h.risk.market_value)
    sums[CASH_BUCKET] = [cash]  # NAV = the positions' values + cash

    def weight(value: float) -> float | None:
        return value / view.nav if view.nav else None

    buckets = [
        AllocationBucket(name, math.fsum(v), weight(math.fsum(v))) for name, v in sums.items()
    ]
    buckets.sort(key=lambda b: (b.name == CASH_BUCKET, -abs(b.market_value), b.name))
    priced = [h for h in view.holdings if h.risk.market_value is not None]
    top = sorted(priced, key=lambda h: (-abs(h.risk.market_value or 0.0), h.risk.symbol))
    return OverviewHoldings(view.as_of, view.nav, tuple(buckets), tuple(top[:TOP_HOLDINGS]))

"""The portfolio's headline figures of a date, straight from its snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sigmasight.services.analytics._common import (
    direct_beta,
    load_context,
    num,
    share_of_nav,
    volatility_summary,
    weighted_beta,
)
from sigmasight.services.analytics.views import (
    DirectBeta,
    UowFactory,
    VolatilitySummary,
    WeightedBeta,
)


@dataclass(frozen=True)
class Exposures:
    """Delta-adjusted exposures in the base currency (a short is negative; options by
    delta, so a long put is short; private holdings excluded); leverage = gross / NAV.
    The private holdings are the separate line: their carried value and share of NAV
    (``None`` on snapshots written before it was stored)."""

    long: float
    short: float
    gross: float
    net: float
    leverage: float | None
    private_value: float | None
    private_share_of_nav: float | None


@dataclass(frozen=True)
class Counts:
    positions: int
    long: int
    short: int
    options: int
    private: int


@dataclass(frozen=True)
class Overview:
    portfolio_id: int
    name: str
    as_of: date
    nav: float
    cash: float
    daily_pnl: float
    daily_return: float | None
    cumulative_pnl: float
    flows: float
    exposures: Exposures
    counts: Counts
    beta_weighted: WeightedBeta
    beta_direct: DirectBeta
    volatility: VolatilitySummary
    is_complete: bool
    notes: tuple[str, ...]


def portfolio_overview(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> Overview:
    """The headline figures of ``as_of`` (default: the latest snapshot) from its snapshot."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        s = ctx.snapshot
        return Overview(
            portfolio_id=portfolio_id,
            name=ctx.portfolio.name,
            as_of=ctx.as_of,
            nav=s.nav,
            cash=s.cash,
            daily_pnl=s.daily_pnl,
            daily_return=num(s.daily_return),
            cumulative_pnl=s.cumulative_pnl,
            flows=s.flows,
            exposures=Exposures(
                s.long_exposure,
                s.short_exposure,
                s.gross_exposure,
                s.net_exposure,
                num(s.leverage),
                num(s.private_value),
                share_of_nav(s.private_value, s.nav),
            ),
            counts=Counts(s.n_positions, s.n_long, s.n_short, s.n_options, s.n_private),
            beta_weighted=weighted_beta(s),
            beta_direct=direct_beta(s),
            volatility=volatility_summary(s),
            is_complete=s.is_complete,
            notes=tuple(s.notes),
        )

"""Helpers every analytics view uses: finite numbers, the portfolio's context on a date."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sigmasight.domain.enums import InvestmentClass
from sigmasight.services.analytics.errors import NoSnapshotError, PortfolioNotFoundError
from sigmasight.services.analytics.views import DirectBeta, VolatilitySummary, WeightedBeta
from sigmasight.services.sessions import session_on_or_before
from sigmasight.storage.history import PortfolioSnapshot
from sigmasight.storage.history_repository import HistoryRepository
from sigmasight.storage.models import Portfolio, Position
from sigmasight.storage.uow import UnitOfWork


def num(value: float | None) -> float | None:
    """A finite float or ``None``: NaN and infinities never leave this layer."""
    return float(value) if value is not None and math.isfinite(value) else None


def share_of_nav(value: float | None, nav: float) -> float | None:
    """``value / nav`` (a fraction), or ``None`` without a value or a positive NAV."""
    return num(value / nav) if value is not None and nav > 0 else None


def total(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return math.fsum(present) if present else None


def pick(row: object | None, names: Iterable[str]) -> dict[str, Any]:
    """Attributes of a stored row by name (floats made finite-or-None); all None without one."""
    values = {name: getattr(row, name) if row is not None else None for name in names}
    return {k: num(v) if isinstance(v, float) else v for k, v in values.items()}


def field_names(cls: type, *skip: str) -> list[str]:
    return [f.name for f in fields(cls) if f.name not in skip]


def owned_portfolio(uow: UnitOfWork, owner_id: int, portfolio_id: int) -> Portfolio:
    found = uow.portfolios.get(owner_id, portfolio_id)
    if found is None:
        raise PortfolioNotFoundError(portfolio_id)
    return found


def snapshot_of(
    history: HistoryRepository, portfolio_id: int, as_of: date | None
) -> PortfolioSnapshot:
    """The snapshot of ``as_of`` (default: the latest one), or :class:`NoSnapshotError`.

    A date that is not a trading session stands for the previous session."""
    latest = history.latest_snapshot_date(portfolio_id)
    day = session_on_or_before(as_of).session if as_of else latest
    row = history.snapshot(portfolio_id, day) if day else None
    if row is None:
        raise NoSnapshotError(portfolio_id, as_of, latest)
    return row


@dataclass(frozen=True)
class Context:
    """The owner's portfolio, its snapshot of the date asked, and the history to read."""

    portfolio: Portfolio
    snapshot: PortfolioSnapshot
    history: HistoryRepository

    @property
    def as_of(self) -> date:
        return self.snapshot.snapshot_date


def load_context(uow: UnitOfWork, owner_id: int, portfolio_id: int, as_of: date | None) -> Context:
    portfolio = owned_portfolio(uow, owner_id, portfolio_id)
    history = HistoryRepository(uow.session)
    return Context(portfolio, snapshot_of(history, portfolio_id, as_of), history)


def held_positions(uow: UnitOfWork, portfolio_id: int, day: date) -> list[Position]:
    """Positions held at the close of ``day``; an option leaves on its expiry date."""
    held = uow.positions.for_portfolio(portfolio_id, held_on=day)
    return [p for p in held if not _expired(p, day)]


def _expired(position: Position, day: date) -> bool:
    option = position.investment_class is InvestmentClass.OPTIONS
    return option and position.expiry is not None and position.expiry <= day


def reference_symbol(position: Position) -> str | None:
    """The symbol whose market data describes the position (an option's underlying)."""
    if position.investment_class is InvestmentClass.PRIVATE:
        return None
    if position.investment_class is InvestmentClass.OPTIONS:
        return position.underlying_symbol
    return position.symbol


def reference_symbols(positions: Iterable[Position]) -> set[str]:
    return {ref for p in positions if (ref := reference_symbol(p))}


def position_fields(p: Position) -> dict[str, Any]:
    return {
        "position_id": p.id,
        "symbol": p.symbol,
        "position_type": p.position_type.value,
        "investment_class": p.investment_class.value,
        "quantity": float(p.quantity),
    }


def weighted_beta(s: PortfolioSnapshot) -> WeightedBeta:
    return WeightedBeta(
        num(s.beta_weighted), num(s.beta_weighted_r_squared), s.beta_weighted_positions
    )


def direct_beta(s: PortfolioSnapshot) -> DirectBeta:
    return DirectBeta(num(s.beta_direct), num(s.beta_direct_r_squared), s.beta_direct_observations)


def volatility_summary(s: PortfolioSnapshot) -> VolatilitySummary:
    return VolatilitySummary(
        num(s.volatility_21d),
        num(s.volatility_63d),
        num(s.volatility_expected_21d),
        s.volatility_trend,
        num(s.volatility_percentile),
        bool(s.volatility_har_fallback),
    )

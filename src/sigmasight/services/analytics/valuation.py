"""Marks of held positions from stored closes, as the batch marks them.

See docs/methodology.md, "Valuation and P&L": the values of a day's positions add up
to that day's NAV minus cash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sigmasight.analytics.options import (
    CALENDAR_DAYS_PER_YEAR,
    black_scholes_delta,
    black_scholes_price,
)
from sigmasight.domain.conventions import OPTION_CONTRACT_MULTIPLIER
from sigmasight.domain.enums import InvestmentClass, PositionType
from sigmasight.services.analytics._common import (
    held_positions,
    num,
    reference_symbol,
    reference_symbols,
)
from sigmasight.services.analytics.views import PRICE_LOOKBACK_DAYS
from sigmasight.storage.history import SecurityVolatility
from sigmasight.storage.history_repository import HistoryRepository
from sigmasight.storage.models import Position
from sigmasight.storage.uow import UnitOfWork


@dataclass(frozen=True)
class Mark:
    """A position's mark: per-share price, signed market value and, for everything but
    a private holding, its delta-adjusted exposure (:mod:`sigmasight.domain.exposure`)."""

    price: float | None
    price_date: date | None
    value: float | None
    exposure: float | None = None
    delta: float | None = None  # per share, options only


def _option_inputs(
    p: Position, close: float | None, vol: SecurityVolatility | None, day: date
) -> tuple[float, float, float, float, bool] | None:
    """(spot, strike, years, volatility, is_call) as the batch uses them, or None."""
    if close is None or vol is None or p.expiry is None or p.strike is None:
        return None
    years = (p.expiry - day).days / CALENDAR_DAYS_PER_YEAR
    call = p.position_type in (PositionType.LC, PositionType.SC)
    sigma = vol.realized_63d if vol.realized_63d is not None else math.nan
    return close, float(p.strike), years, sigma, call


def _option_price(
    p: Position, close: float | None, vol: SecurityVolatility | None, day: date
) -> float | None:
    """Black-Scholes value per share with the underlying's realized 63-session volatility."""
    inputs = _option_inputs(p, close, vol, day)
    return None if inputs is None else num(float(black_scholes_price(*inputs)))


def _option_delta(
    p: Position, close: float | None, vol: SecurityVolatility | None, day: date
) -> float | None:
    """Black-Scholes delta per share, with the inputs of :func:`_option_price`."""
    inputs = _option_inputs(p, close, vol, day)
    return None if inputs is None else num(float(black_scholes_delta(*inputs).delta))


def mark(
    p: Position,
    closes: dict[str, tuple[date, float]],
    vols: dict[str, SecurityVolatility],
    day: date,
) -> Mark:
    """A position's per-share (per-unit) mark, signed market value and delta-adjusted
    exposure on ``day`` (a private holding has no exposure)."""
    quantity = float(p.quantity)
    ref = reference_symbol(p)
    if ref is None:
        cost = float(p.entry_price)
        return Mark(cost, None, quantity * cost)
    when, close = closes.get(ref, (None, None))
    if p.investment_class is not InvestmentClass.OPTIONS:
        value = quantity * close if close is not None else None
        return Mark(close, when, value, value)
    units = quantity * OPTION_CONTRACT_MULTIPLIER
    price = _option_price(p, close, vols.get(ref), day)
    delta = _option_delta(p, close, vols.get(ref), day)
    exposure = units * delta * close if delta is not None and close is not None else None
    return Mark(price, when, units * price if price is not None else None, exposure, delta)


@dataclass(frozen=True)
class Book:
    """Positions held on a day, their marks and their reference securities' volatility."""

    held: list[Position]
    marks: list[Mark]
    vols: dict[str, SecurityVolatility]
    refs: set[str]


def load_book(uow: UnitOfWork, history: HistoryRepository, portfolio_id: int, day: date) -> Book:
    held = held_positions(uow, portfolio_id, day)
    refs = reference_symbols(held)
    closes = history.latest_closes(refs, day, lookback_days=PRICE_LOOKBACK_DAYS)
    vols = history.volatilities(refs, day)
    return Book(held, [mark(p, closes, vols, day) for p in held], vols, refs)

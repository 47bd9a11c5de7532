"""Every held position of a date with its mark, exposure, weight of NAV, beta and volatility.

A position's weight is its delta-adjusted exposure over NAV
(:data:`~sigmasight.domain.exposure.RISK_WEIGHT_DEFINITION`): weight x beta is its
contribution to the portfolio's weighted beta, and a hedge has a negative weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sigmasight.domain.enums import InvestmentClass
from sigmasight.services.analytics._common import (
    load_context,
    num,
    pick,
    position_fields,
    reference_symbol,
)
from sigmasight.services.analytics.betas import stored_betas
from sigmasight.services.analytics.valuation import Mark, load_book
from sigmasight.services.analytics.views import UowFactory
from sigmasight.storage.history import SecurityMarketBeta, SecurityVolatility
from sigmasight.storage.models import Position


@dataclass(frozen=True)
class PositionRisk:
    """A held position's mark, market value, delta-adjusted exposure, weight (exposure /
    NAV) and its security's (underlying's) risk; ``delta`` per share for options."""

    position_id: int
    symbol: str
    position_type: str
    investment_class: str
    quantity: float
    price: float | None
    price_date: date | None
    market_value: float | None
    exposure: float | None
    delta: float | None
    weight: float | None
    beta: float | None
    r_squared: float | None
    realized_21d: float | None
    realized_63d: float | None
    expected_21d: float | None
    note: str | None


@dataclass(frozen=True)
class PositionRiskView:
    portfolio_id: int
    as_of: date
    nav: float
    positions: tuple[PositionRisk, ...]


def _risk_note(p: Position, mark: Mark, day: date) -> str | None:
    if p.investment_class is InvestmentClass.PRIVATE:
        return "private holding: carried at cost; no market exposure, weight or risk figures"
    if p.investment_class is InvestmentClass.OPTIONS:
        return (
            f"option: Black-Scholes value and delta (realized 63-session volatility, rate 0); "
            f"exposure = contracts x 100 x delta x close of {p.underlying_symbol}, whose "
            f"beta and volatility are shown"
        )
    if mark.price_date is not None and mark.price_date != day:
        return f"close carried forward from {mark.price_date}"
    return None if mark.price is not None else "no close on or shortly before as_of"


def _position_risk(
    p: Position,
    mark: Mark,
    betas: dict[str, SecurityMarketBeta],
    vols: dict[str, SecurityVolatility],
    nav: float,
    day: date,
) -> PositionRisk:
    ref = reference_symbol(p) or ""
    beta, vol = betas.get(ref), vols.get(ref)
    value, exposure = num(mark.value), num(mark.exposure)
    return PositionRisk(
        **position_fields(p),
        **pick(beta, ("beta", "r_squared")),
        **pick(vol, ("realized_21d", "realized_63d", "expected_21d")),
        price=num(mark.price),
        price_date=mark.price_date,
        market_value=value,
        exposure=exposure,
        delta=mark.delta,
        weight=num(exposure / nav) if exposure is not None and nav > 0 else None,
        note=_risk_note(p, mark, day),
    )


def position_risk(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> PositionRiskView:
    """Every position held on ``as_of`` with its value, weight of NAV, beta and volatility."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        book = load_book(uow, ctx.history, portfolio_id, ctx.as_of)
        betas = stored_betas(ctx.history, book.refs, ctx.as_of)
        rows = tuple(
            _position_risk(p, mark, betas, book.vols, ctx.snapshot.nav, ctx.as_of)
            for p, mark in zip(book.held, book.marks, strict=True)
        )
        return PositionRiskView(portfolio_id, ctx.as_of, ctx.snapshot.nav, rows)

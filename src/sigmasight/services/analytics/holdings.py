"""Concentration of a date: the stored HHI and top-k figures and the weights behind them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sigmasight.services.analytics._common import load_context, num
from sigmasight.services.analytics.valuation import Book, load_book
from sigmasight.services.analytics.views import (
    CONCENTRATION_BASIS,
    CONCENTRATION_INCLUDES_PRIVATE,
    UowFactory,
)


@dataclass(frozen=True)
class HoldingWeight:
    symbol: str
    market_value: float | None
    weight: float | None


@dataclass(frozen=True)
class ConcentrationView:
    """HHI (weights in percent, squared, summed), effective N = 1 / sum w², top-k weights.

    ``holdings`` are the weights behind them, largest first (see
    :data:`CONCENTRATION_BASIS`); a holding without a mark has ``None`` and no weight.
    """

    portfolio_id: int
    as_of: date
    hhi: float | None
    effective_positions: float | None
    top3_weight: float | None
    top10_weight: float | None
    basis: str
    holdings: tuple[HoldingWeight, ...]
    includes_private: bool = CONCENTRATION_INCLUDES_PRIVATE


def _holding_weights(book: Book) -> tuple[HoldingWeight, ...]:
    merged: dict[str, float | None] = {}
    for p, mark in zip(book.held, book.marks, strict=True):
        before = merged.get(p.symbol, 0.0)
        merged[p.symbol] = None if before is None or mark.value is None else before + mark.value
    gross = math.fsum(abs(v) for v in merged.values() if v is not None)
    rows = [
        HoldingWeight(s, v, abs(v) / gross if v is not None and gross > 0 else None)
        for s, v in merged.items()
    ]
    return tuple(sorted(rows, key=lambda h: (-(h.weight or -1.0), h.symbol)))


def concentration(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> ConcentrationView:
    """Stored concentration figures of ``as_of`` and the holding weights they come from."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        s = ctx.snapshot
        return ConcentrationView(
            portfolio_id=portfolio_id,
            as_of=ctx.as_of,
            hhi=num(s.hhi),
            effective_positions=num(s.effective_positions),
            top3_weight=num(s.top3_weight),
            top10_weight=num(s.top10_weight),
            basis=CONCENTRATION_BASIS,
            holdings=_holding_weights(load_book(uow, ctx.history, portfolio_id, ctx.as_of)),
        )

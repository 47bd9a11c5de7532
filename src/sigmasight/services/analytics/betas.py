"""Market beta per held position (its security's, an option's underlying's) and overall."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sigmasight.analytics.beta import BETA_CAP, BETA_WINDOW
from sigmasight.domain.conventions import MARKET_INDEX_SYMBOL
from sigmasight.domain.enums import InvestmentClass
from sigmasight.services.analytics._common import (
    direct_beta,
    held_positions,
    load_context,
    pick,
    position_fields,
    reference_symbol,
    reference_symbols,
    weighted_beta,
)
from sigmasight.services.analytics.views import BETA_METHOD, DirectBeta, UowFactory, WeightedBeta
from sigmasight.storage.history import SecurityMarketBeta
from sigmasight.storage.history_repository import HistoryRepository
from sigmasight.storage.models import Position


@dataclass(frozen=True)
class PositionBeta:
    """A held position's market beta: its security's (an option: its underlying's)."""

    position_id: int
    symbol: str
    position_type: str
    investment_class: str
    quantity: float
    beta_symbol: str | None
    beta: float | None
    beta_uncapped: float | None
    alpha: float | None
    r_squared: float | None
    std_error: float | None
    t_stat: float | None
    p_value: float | None
    observations: int | None
    capped: bool | None
    reason: str
    included: bool
    note: str | None


@dataclass(frozen=True)
class MarketBetaView:
    portfolio_id: int
    as_of: date
    method: str
    window: int
    market_index: str
    weighted: WeightedBeta
    direct: DirectBeta
    positions: tuple[PositionBeta, ...]


_BETA_COLUMNS = (
    "beta",
    "beta_uncapped",
    "alpha",
    "r_squared",
    "std_error",
    "t_stat",
    "p_value",
    "observations",
    "capped",
)


def stored_betas(
    history: HistoryRepository, symbols: set[str], day: date
) -> dict[str, SecurityMarketBeta]:
    """The batch's betas of ``day``: the estimate the snapshot's weighted beta uses."""
    return history.market_betas(
        symbols, day, method=BETA_METHOD, window=BETA_WINDOW, market_index=MARKET_INDEX_SYMBOL
    )


def _beta_note(p: Position, ref: str | None, row: SecurityMarketBeta | None) -> tuple[str, str]:
    """(reason, note) for a position's beta row."""
    if ref is None:
        return "EXCLUDED_PRIVATE", "private holding: no market prices; not in the beta"
    if row is None:
        return "NO_DATA", f"no beta stored for {ref} on this date"
    if p.investment_class is InvestmentClass.OPTIONS:
        return row.reason, f"option: beta of the underlying {ref}, weighted by delta exposure"
    return row.reason, f"beta capped at ±{BETA_CAP:g}" if row.capped else ""


def _position_beta(p: Position, betas: dict[str, SecurityMarketBeta]) -> PositionBeta:
    ref = reference_symbol(p)
    row = betas.get(ref) if ref else None
    reason, note = _beta_note(p, ref, row)
    stored = pick(row, _BETA_COLUMNS)
    return PositionBeta(
        **position_fields(p),
        **stored,
        beta_symbol=ref,
        reason=reason,
        included=stored["beta"] is not None and stored["r_squared"] is not None,
        note=note or None,
    )


def market_beta(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> MarketBetaView:
    """Per-position betas of the positions held on ``as_of`` and the portfolio's betas."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        held = held_positions(uow, portfolio_id, ctx.as_of)
        betas = stored_betas(ctx.history, reference_symbols(held), ctx.as_of)
        return MarketBetaView(
            portfolio_id=portfolio_id,
            as_of=ctx.as_of,
            method=BETA_METHOD,
            window=BETA_WINDOW,
            market_index=MARKET_INDEX_SYMBOL,
            weighted=weighted_beta(ctx.snapshot),
            direct=direct_beta(ctx.snapshot),
            positions=tuple(_position_beta(p, betas) for p in held),
        )

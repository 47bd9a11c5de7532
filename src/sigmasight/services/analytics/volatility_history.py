"""Portfolio volatility of a date and its daily history from the stored snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from sigmasight.services.analytics._common import load_context, num, volatility_summary
from sigmasight.services.analytics.errors import InvalidRangeError
from sigmasight.services.analytics.views import (
    DEFAULT_HISTORY_ROWS,
    MAX_SERIES_ROWS,
    UowFactory,
    VolatilitySummary,
)
from sigmasight.storage.history import PortfolioSnapshot


@dataclass(frozen=True)
class VolatilityPoint:
    date: date
    realized_21d: float | None
    realized_63d: float | None
    expected_21d: float | None


@dataclass(frozen=True)
class VolatilityView:
    """Volatility of ``as_of`` and its history, ascending, ending at ``as_of``.

    ``truncated`` says older snapshots in the range were left out (the history keeps the
    latest :data:`DEFAULT_HISTORY_ROWS` without a start, at most :data:`MAX_SERIES_ROWS`).
    """

    portfolio_id: int
    as_of: date
    current: VolatilitySummary
    truncated: bool
    history: tuple[VolatilityPoint, ...]


def volatility(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    as_of: date | None = None,
    start: date | None = None,
) -> VolatilityView:
    """Portfolio volatility on ``as_of`` plus its daily history from ``start``."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        if start is not None and start > ctx.as_of:
            raise InvalidRangeError(f"start {start} is after as_of {ctx.as_of}")
        limit = DEFAULT_HISTORY_ROWS if start is None else MAX_SERIES_ROWS
        # One row past the limit tells whether the range held more than was kept. The
        # four columns served, not whole snapshot rows: a miss costs about half as much.
        s = PortfolioSnapshot
        query = select(
            s.snapshot_date, s.volatility_21d, s.volatility_63d, s.volatility_expected_21d
        ).where(s.portfolio_id == portfolio_id, s.snapshot_date <= ctx.as_of)
        if start is not None:
            query = query.where(s.snapshot_date >= start)
        query = query.order_by(s.snapshot_date.desc()).limit(limit + 1)
        rows = ctx.history.session.execute(query).all()[::-1]
        history = tuple(
            VolatilityPoint(day, num(v21), num(v63), num(expected))
            for day, v21, v63, expected in rows[-limit:]
        )
        return VolatilityView(
            portfolio_id, ctx.as_of, volatility_summary(ctx.snapshot), len(rows) > limit, history
        )

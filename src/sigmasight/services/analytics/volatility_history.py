"""Portfolio volatility of a date and its daily history from the stored snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sigmasight.services.analytics._common import load_context, num, volatility_summary
from sigmasight.services.analytics.errors import InvalidRangeError
from sigmasight.services.analytics.views import (
    DEFAULT_HISTORY_ROWS,
    MAX_SERIES_ROWS,
    UowFactory,
    VolatilitySummary,
)


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
        # One row past the limit tells whether the range held more than was kept.
        rows = ctx.history.snapshots(
            portfolio_id, start=start, end=ctx.as_of, limit=limit + 1, latest=True
        )
        history = tuple(
            VolatilityPoint(
                r.snapshot_date,
                num(r.volatility_21d),
                num(r.volatility_63d),
                num(r.volatility_expected_21d),
            )
            for r in rows[-limit:]
        )
        return VolatilityView(
            portfolio_id, ctx.as_of, volatility_summary(ctx.snapshot), len(rows) > limit, history
        )

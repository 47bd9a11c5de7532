"""The portfolio's daily snapshot rows over a date range, paged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sigmasight.services.analytics._common import field_names, owned_portfolio, pick
from sigmasight.services.analytics.errors import InvalidRangeError, NoSnapshotError
from sigmasight.services.analytics.views import MAX_SERIES_ROWS, UowFactory
from sigmasight.storage.history import PortfolioSnapshot
from sigmasight.storage.history_repository import HistoryRepository


@dataclass(frozen=True)
class SnapshotPoint:
    date: date
    nav: float
    cash: float
    daily_pnl: float
    daily_return: float | None
    cumulative_pnl: float
    long_exposure: float
    short_exposure: float
    gross_exposure: float
    net_exposure: float
    leverage: float | None
    beta_weighted: float | None
    beta_direct: float | None
    volatility_21d: float | None
    volatility_63d: float | None
    volatility_expected_21d: float | None
    hhi: float | None
    is_complete: bool
    notes: list[str]


@dataclass(frozen=True)
class SnapshotSeries:
    """Snapshot rows, ascending by date.

    Without ``start`` the rows are the latest ``limit`` up to ``end``; with it, the first
    ``limit`` from ``start``, and ``next_start`` is where the next page begins.
    """

    portfolio_id: int
    start: date | None
    end: date
    truncated: bool
    next_start: date | None
    rows: tuple[SnapshotPoint, ...]


def _point(s: PortfolioSnapshot) -> SnapshotPoint:
    return SnapshotPoint(date=s.snapshot_date, **pick(s, field_names(SnapshotPoint, "date")))


def snapshot_series(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    start: date | None = None,
    end: date | None = None,
    limit: int = MAX_SERIES_ROWS,
) -> SnapshotSeries:
    """The portfolio's daily snapshots in ``[start, end]`` (``end`` default: the latest)."""
    limit = max(1, min(limit, MAX_SERIES_ROWS))
    with uow_factory() as uow:
        owned_portfolio(uow, owner_id, portfolio_id)
        history = HistoryRepository(uow.session)
        latest = history.latest_snapshot_date(portfolio_id)
        if latest is None:
            raise NoSnapshotError(portfolio_id, end, None)
        end = end or latest
        if start is not None and start > end:
            raise InvalidRangeError(f"start {start} is after end {end}")
        # One row past the limit tells whether there is more and where the next page starts.
        found = history.snapshots(
            portfolio_id, start=start, end=end, limit=limit + 1, latest=start is None
        )
        more = len(found) > limit
        kept = found[-limit:] if start is None else found[:limit]
        following = found[limit].snapshot_date if more and start is not None else None
        return SnapshotSeries(
            portfolio_id, start, end, more, following, tuple(_point(s) for s in kept)
        )

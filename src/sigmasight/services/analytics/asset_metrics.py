"""Asset metrics of a security, and of every position a portfolio holds, as stored by
the batch's ``asset_metrics`` step (docs/methodology.md, "Asset metrics")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from sigmasight.services.analytics._common import (
    held_positions,
    load_context,
    num,
    reference_symbol,
)
from sigmasight.services.analytics.views import UowFactory
from sigmasight.services.sessions import session_on_or_before
from sigmasight.storage.history_assets import (
    INDICATOR_COLUMNS,
    RETURN_COLUMNS,
    RISK_COLUMNS,
    AssetPerformanceMetric,
)
from sigmasight.storage.uow import UnitOfWork

#: Indicators the API lists under ``indicators`` (the issue's names), then derived ones.
INDICATORS: tuple[str, ...] = INDICATOR_COLUMNS


class NoAssetMetricsError(LookupError):
    """The batch has stored no asset metrics for the symbol (on or before the date)."""

    def __init__(self, symbol: str, as_of: date | None) -> None:
        when = f" on {as_of.isoformat()}" if as_of else ""
        super().__init__(f"no asset metrics for {symbol}{when}; run the batch")
        self.symbol, self.as_of = symbol, as_of


@dataclass(frozen=True)
class AssetMetrics:
    """One security's figures on one session; null figures have a reason."""

    symbol: str
    as_of: date
    indicators: dict[str, float | None]
    returns: dict[str, float | None]
    risk: dict[str, float | None]
    reasons: dict[str, str]


def as_metrics(row: AssetPerformanceMetric) -> AssetMetrics:
    """The API/page shape of a stored row (NaN cannot appear: stored as NULL)."""
    reasons: dict[str, Any] = dict(row.reasons or {})
    returns = {name: num(getattr(row, column)) for name, column in RETURN_COLUMNS.items()}
    why = {name: reasons[column] for name, column in RETURN_COLUMNS.items() if column in reasons}
    why.update({k: str(v) for k, v in reasons.items() if k not in RETURN_COLUMNS.values()})
    risk = {name: num(getattr(row, name)) for name in RISK_COLUMNS}
    if risk["beta"] is None and "beta" not in why:
        why["beta"] = "no stored beta: fewer than 30 returns in its 90-session window"
    return AssetMetrics(
        symbol=row.symbol,
        as_of=row.calc_date,
        indicators={name: num(getattr(row, name)) for name in INDICATORS},
        returns=returns,
        risk=risk,
        reasons=why,
    )


def _stored_row(uow: UnitOfWork, symbol: str, day: date | None) -> AssetPerformanceMetric | None:
    table = AssetPerformanceMetric
    when = select(func.max(table.calc_date)).where(table.symbol == symbol)
    if day is not None:
        when = when.where(table.calc_date <= day)
    latest = uow.session.scalar(when)
    if latest is None or (day is not None and latest != day):
        return None
    return uow.session.get(table, (symbol, latest))


def security_metrics(
    uow_factory: UowFactory, symbol: str, as_of: date | None = None
) -> AssetMetrics:
    """The stored figures of ``symbol`` on ``as_of`` (a non-session: the session before;
    default: the latest stored date), or :class:`NoAssetMetricsError`."""
    day = session_on_or_before(as_of).session if as_of else None
    with uow_factory() as uow:
        row = _stored_row(uow, symbol, day)
        if row is None:
            raise NoAssetMetricsError(symbol, as_of)
        return as_metrics(row)


def stored_asset_metrics(
    uow: UnitOfWork, symbols: Iterable[str], day: date
) -> dict[str, AssetPerformanceMetric]:
    """The rows of ``symbols`` on ``day``, by symbol."""
    wanted = sorted(set(symbols))
    if not wanted:
        return {}
    table = AssetPerformanceMetric
    query = select(table).where(table.symbol.in_(wanted), table.calc_date == day)
    return {row.symbol: row for row in uow.session.scalars(query)}


@dataclass(frozen=True)
class PositionMetrics:
    position_id: int
    symbol: str
    #: the security whose figures these are (an option's underlying); None: private
    security: str | None
    metrics: AssetMetrics | None
    #: the security's close on the date and its distance to the 200-session SMA
    close: float | None
    dist_sma_200: float | None
    note: str | None


@dataclass(frozen=True)
class PositionMetricsView:
    portfolio_id: int
    as_of: date
    positions: tuple[PositionMetrics, ...]


def position_metrics(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> PositionMetricsView:
    """Every position held on ``as_of`` (default: the latest snapshot) with the asset
    metrics of its security on that date."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        held = held_positions(uow, portfolio_id, ctx.as_of)
        refs = {p.id: reference_symbol(p) for p in held}
        rows = stored_asset_metrics(uow, [r for r in refs.values() if r], ctx.as_of)
        out = []
        for p in held:
            ref = refs[p.id]
            row = rows.get(ref) if ref else None
            note = None
            if ref is None:
                note = "private holding: no market data"
            elif row is None:
                note = f"no asset metrics stored for {ref} on {ctx.as_of.isoformat()}"
            metrics = as_metrics(row) if row is not None else None
            close = num(row.close) if row is not None else None
            sma = metrics.indicators["sma_200"] if metrics is not None else None
            dist = close / sma - 1.0 if close is not None and sma else None
            out.append(PositionMetrics(p.id, p.symbol, ref, metrics, close, dist, note))
        return PositionMetricsView(portfolio_id, ctx.as_of, tuple(out))


@dataclass(frozen=True)
class TrendBreadth:
    """The overview's asset-metrics headline: of the book's securities (each counted
    once, options on their underlying) with a settled 200-session SMA, how many close
    above it, and the median 1-year return of those with one."""

    above_sma_200: int
    with_sma_200: int
    median_return_1y: float | None
    with_return_1y: int


def trend_breadth(view: PositionMetricsView) -> TrendBreadth:
    """:class:`TrendBreadth` of the positions' stored figures."""
    distance: dict[str, float] = {}
    year: dict[str, float] = {}
    for p in view.positions:
        if p.security is None or p.metrics is None:
            continue
        if p.dist_sma_200 is not None:
            distance[p.security] = p.dist_sma_200
        if p.metrics.returns.get("1y") is not None:
            year[p.security] = float(p.metrics.returns["1y"])  # type: ignore[arg-type]
    ordered = sorted(year.values())
    n = len(ordered)
    median = None
    if n:
        median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2.0
    return TrendBreadth(sum(d > 0 for d in distance.values()), len(distance), median, n)


#: Sessions of history the security page charts.
CHART_SESSIONS = 252


@dataclass(frozen=True)
class ChartPoint:
    """One session of the security chart: the bar (OHLC on the adjusted-close scale
    where stored, else the close alone) and the stored indicators of that session."""

    date: date
    open: float | None
    high: float | None
    low: float | None
    close: float
    indicators: dict[str, float | None]


def security_history(
    uow_factory: UowFactory, symbol: str, end: date, sessions: int = CHART_SESSIONS
) -> list[ChartPoint]:
    """The last ``sessions`` stored sessions of ``symbol`` up to ``end``, ascending."""
    from sigmasight.storage.models import DailyPrice

    table = AssetPerformanceMetric
    with uow_factory() as uow:
        stored = list(
            uow.session.scalars(
                select(table)
                .where(table.symbol == symbol, table.calc_date <= end)
                .order_by(table.calc_date.desc())
                .limit(sessions)
            )
        )[::-1]
        if not stored:
            return []
        bars = {
            row.date: row
            for row in uow.session.scalars(
                select(DailyPrice).where(
                    DailyPrice.symbol == symbol,
                    DailyPrice.date.between(stored[0].calc_date, stored[-1].calc_date),
                )
            )
        }
        return [_point(row, bars.get(row.calc_date)) for row in stored if row.close is not None]


def _point(row: AssetPerformanceMetric, bar: Any) -> ChartPoint:
    scale = 1.0
    if bar is not None and bar.adj_close is not None and bar.close:
        scale = bar.adj_close / bar.close
    ohlc = [getattr(bar, f, None) if bar is not None else None for f in ("open", "high", "low")]
    o, h, low = (num(v * scale) if v is not None else None for v in ohlc)
    return ChartPoint(
        date=row.calc_date,
        open=o,
        high=h,
        low=low,
        close=float(row.close or 0.0),
        indicators={name: num(getattr(row, name)) for name in INDICATORS},
    )

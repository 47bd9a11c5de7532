"""The performance views: track record, benchmarks and benchmark comparison.

Figures come from ``portfolio_performance_history`` and ``portfolio_benchmark_metrics``
as the batch stored them; a period chosen by the reader (``start``) is rebased from the
stored return index, and its money-weighted return solved from the stored NAV and
flows by :func:`sigmasight.analytics.performance.xirr`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select

from sigmasight.analytics import performance as pf
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR
from sigmasight.services.analytics._common import load_context, num
from sigmasight.services.analytics.errors import (
    InvalidParameterError,
    InvalidRangeError,
    NoSnapshotError,
)
from sigmasight.services.analytics.views import UowFactory
from sigmasight.services.benchmarks import BenchmarkView, primary_benchmark_name
from sigmasight.storage.history_performance import (
    ANNUALIZED_PERIODS,
    BENCHMARK_WINDOWS,
    PERIOD_COLUMNS,
    PortfolioBenchmarkMetrics,
    PortfolioPerformanceHistory,
)
from sigmasight.storage.uow import UnitOfWork

CONVENTIONS = (
    f"time-weighted daily returns with {pf.FLOW_TIMING}; a session without capital at "
    "risk (NAV before it plus contributions of zero or less) has no return and leaves the "
    "cumulative return unchanged; never below -100 %. Periods in sessions (1m = 21, "
    "1y = 252); returns over more than 252 sessions are also given annualised "
    "((1 + R) ** (252 / sessions) - 1). XIRR: actual/365 calendar days."
)


@dataclass(frozen=True)
class PeriodReturn:
    total: float | None
    annualized: float | None  # periods longer than a year only


@dataclass(frozen=True)
class Twr:
    cumulative: float | None
    annualized: float | None
    sessions: int


@dataclass(frozen=True)
class Mwr:
    xirr: float | None
    reason: str | None


@dataclass(frozen=True)
class SeriesPoint:
    date: date
    nav: float
    flow: float
    twr_daily: float | None
    twr_cumulative: float | None


@dataclass(frozen=True)
class PerformanceView:
    portfolio_id: int
    as_of: date
    start: date
    inception: date
    flow_timing: str
    twr: Twr
    mwr: Mwr
    periods: dict[str, PeriodReturn]
    series: tuple[SeriesPoint, ...]
    conventions: str


def _history(uow: UnitOfWork, portfolio_id: int, as_of: date) -> list[PortfolioPerformanceHistory]:
    query = (
        select(PortfolioPerformanceHistory)
        .where(
            PortfolioPerformanceHistory.portfolio_id == portfolio_id,
            PortfolioPerformanceHistory.calc_date <= as_of,
        )
        .order_by(PortfolioPerformanceHistory.calc_date)
    )
    return list(uow.session.scalars(query))


def performance(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    as_of: date | None = None,
    start: date | None = None,
) -> PerformanceView:
    """TWR, XIRR and the NAV series from ``start`` (default: inception) to ``as_of``
    (default: the latest snapshot), and the period returns ending at ``as_of``."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        rows = _history(uow, portfolio_id, ctx.as_of)
        if not rows or rows[-1].calc_date != ctx.as_of:
            raise NoSnapshotError(portfolio_id, ctx.as_of, None)
        last = rows[-1]
        inception = last.inception_date
        first = max(start or inception, inception)
        if first > ctx.as_of:
            raise InvalidRangeError(f"start {first} is after as_of {ctx.as_of}")
        k = next(i for i, r in enumerate(rows) if r.calc_date >= first)
        if k == 0 and first > inception:
            raise InvalidRangeError(
                f"the stored history starts on {rows[0].calc_date}: a period from {first} "
                "needs the close before it (run a backfill from earlier)"
            )
        growth = np.array([1.0 + r.twr_cumulative for r in rows])
        anchor = growth[k - 1] if k > 0 else 1.0
        period = rows[k:]
        sessions = period[-1].sessions_inception - (rows[k - 1].sessions_inception if k else 0)
        cumulative = num(growth[-1] / anchor - 1.0) if anchor > 0 else None
        annualized = None
        if cumulative is not None and sessions > TRADING_DAYS_PER_YEAR:
            annualized = num(float(pf.annualise(cumulative, sessions)))
        series = tuple(
            SeriesPoint(
                r.calc_date,
                r.nav,
                r.inflow - r.outflow,
                num(r.twr_daily),
                num(g / anchor - 1.0) if anchor > 0 else None,
            )
            for r, g in zip(period, growth[k:], strict=True)
        )
        complete = k > 0 or rows[0].calc_date == inception
        mwr = (
            _mwr(rows, k)
            if complete
            else Mwr(
                None,
                f"the stored history starts on "
                f"{rows[0].calc_date}, after inception "
                f"({inception}): flows before are not stored",
            )
        )
        return PerformanceView(
            portfolio_id,
            ctx.as_of,
            first,
            inception,
            pf.FLOW_TIMING,
            Twr(cumulative, annualized, sessions),
            mwr,
            _periods(last),
            series,
            CONVENTIONS,
        )


def _mwr(rows: list[PortfolioPerformanceHistory], k: int) -> Mwr:
    """XIRR of the rows from ``k``: the NAV at the close before as money put in (when
    the period starts after inception), contributions in, withdrawals out, the closing
    NAV out."""
    amounts: list[float] = []
    days: list[date] = []
    if k > 0:
        amounts.append(-rows[k - 1].nav)
        days.append(rows[k - 1].calc_date)
    for r in rows[k:]:
        if r.inflow:
            amounts.append(-r.inflow)
            days.append(r.calc_date)
        if r.outflow:
            amounts.append(r.outflow)
            days.append(r.calc_date)
    amounts.append(rows[-1].nav)
    days.append(rows[-1].calc_date)
    got = pf.xirr(amounts, np.array(days, dtype="datetime64[D]"))
    return Mwr(num(got.rate) if got.rate is not None else None, got.reason)


def _periods(row: PortfolioPerformanceHistory) -> dict[str, PeriodReturn]:
    return {
        name: PeriodReturn(
            num(getattr(row, f"return_{suffix}")),
            num(getattr(row, f"annualized_{name}")) if name in ANNUALIZED_PERIODS else None,
        )
        for name, suffix in PERIOD_COLUMNS.items()
    }


@dataclass(frozen=True)
class BenchmarkComparisonView:
    portfolio_id: int
    as_of: date
    benchmark: str
    window: str
    observations: int
    portfolio_return: float | None
    benchmark_return: float | None
    excess_return: float | None
    tracking_error: float | None
    information_ratio: float | None
    beta: float | None
    alpha: float | None
    correlation: float | None
    up_capture: float | None
    down_capture: float | None
    hit_rate: float | None
    conventions: str


class NoBenchmarkMetricsError(LookupError):
    """No stored metrics for the benchmark, window and date asked."""


COMPARISON_CONVENTIONS = (
    "daily time-weighted returns against the benchmark's daily returns over the window's "
    "sessions; tracking error: annualised std (ddof 1) of the active return; information "
    "ratio: annualised mean active return over it; beta and Jensen's alpha (annualised by "
    "compounding) against the benchmark; capture ratios as empyrical; hit rate: share of "
    "sessions beating the benchmark"
)


def benchmark_comparison(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    as_of: date | None = None,
    benchmark: str | None = None,
    window: str = "1y",
) -> BenchmarkComparisonView:
    """The stored benchmark metrics of ``benchmark`` (default: the primary) over
    ``window`` ending at ``as_of``."""
    if window not in BENCHMARK_WINDOWS:
        raise InvalidParameterError(f"window must be one of {', '.join(BENCHMARK_WINDOWS)}")
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        name = benchmark or primary_benchmark_name(uow, ctx.portfolio)
        row = uow.session.get(PortfolioBenchmarkMetrics, (portfolio_id, name, window, ctx.as_of))
        if row is None:
            raise NoBenchmarkMetricsError(
                f"no metrics of benchmark {name!r} over {window} on {ctx.as_of}: not one of "
                "the portfolio's benchmarks, a window longer than its history, or the batch "
                "has not run since the benchmark was added"
            )
        return BenchmarkComparisonView(
            portfolio_id,
            ctx.as_of,
            name,
            window,
            row.observations,
            num(row.portfolio_return),
            num(row.benchmark_return),
            num(row.excess_return),
            num(row.tracking_error),
            num(row.information_ratio),
            num(row.beta),
            num(row.alpha),
            num(row.correlation),
            num(row.up_capture),
            num(row.down_capture),
            num(row.hit_rate),
            COMPARISON_CONVENTIONS,
        )


@dataclass(frozen=True)
class Curve:
    """A cumulative return series (dates ascending), rebased at the period's start."""

    name: str
    dates: tuple[date, ...]
    cumulative: tuple[float | None, ...]


@dataclass(frozen=True)
class MonthReturn:
    year: int
    month: int
    total: float | None


@dataclass(frozen=True)
class TrackingPoint:
    date: date
    tracking_error: float | None


def _rebased_growth(view: PerformanceView) -> tuple[list[float], float]:
    """The series' return index and its value at the close before the first point
    (the first point's index over its own daily factor)."""
    growth = [1.0 + (p.twr_cumulative or 0.0) for p in view.series]
    first = view.series[0].twr_daily
    return growth, growth[0] / (1.0 + first) if first is not None and first > -1 else growth[0]


def portfolio_curve(view: PerformanceView) -> Curve:
    """The portfolio's cumulative TWR from the close before the series' first session
    (the benchmarks' curves start there too)."""
    if not view.series:
        return Curve("portfolio", (), ())
    growth, anchor = _rebased_growth(view)
    dates = tuple(p.date for p in view.series)
    return Curve("portfolio", dates, tuple(num(g / anchor - 1.0) for g in growth))


@dataclass(frozen=True)
class PerformancePage:
    """What the Performance page shows: the view, the benchmarks' curves over the same
    sessions, the monthly returns of the stored sessions and the rolling 3m tracking
    error against the primary benchmark."""

    view: PerformanceView
    portfolio: Curve
    benchmarks: tuple[Curve, ...]
    primary: str
    comparison: BenchmarkComparisonView | None
    months: tuple[MonthReturn, ...]
    tracking: tuple[TrackingPoint, ...]


def performance_page(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    as_of: date | None = None,
    start: date | None = None,
) -> PerformancePage:
    """The page's view (see :class:`PerformancePage`)."""
    from sigmasight.services import benchmarks as benchmark_service

    view = performance(uow_factory, owner_id, portfolio_id, as_of, start)
    attached = benchmark_service.list_benchmarks(uow_factory, owner_id, portfolio_id)
    primary = next(b.name for b in attached if b.is_primary)
    try:
        comparison = benchmark_comparison(uow_factory, owner_id, portfolio_id, view.as_of)
    except NoBenchmarkMetricsError:
        comparison = None
    with uow_factory() as uow:
        curves = tuple(_curve(uow, b, view) for b in attached)
        months = _months(view)
        tracking = _tracking(uow, portfolio_id, primary, view)
    return PerformancePage(
        view, portfolio_curve(view), curves, primary, comparison, months, tracking
    )


def _curve(uow: UnitOfWork, benchmark: BenchmarkView, view: PerformanceView) -> Curve:
    """Cumulative return of a benchmark over the view's sessions, from its stored closes
    (a blend rebalanced as configured; the monthly drift from the start of the month)."""
    from datetime import timedelta

    import pandas as pd

    legs = benchmark.legs
    days = [p.date for p in view.series]
    if not days:
        return Curve(benchmark.name, (), ())
    first = days[0].replace(day=1) - timedelta(days=10)
    panel = uow.prices.close_panel([leg.symbol for leg in legs], first, days[-1])
    panel.index = pd.to_datetime(panel.index)
    closes = panel.sort_index().to_numpy(dtype=np.float64)
    index = pd.DatetimeIndex(panel.sort_index().index)
    X = closes[1:] / closes[:-1] - 1.0
    months = index.to_period("M")
    rebalance = (
        np.ones(X.shape[0], dtype=bool)
        if benchmark.rebalance == "daily"
        else np.r_[True, np.asarray(months[2:] != months[1:-1])]
    )
    r = pd.Series(pf.blend_returns(X, np.array([leg.weight for leg in legs]), rebalance), index[1:])
    r = r.reindex(pd.DatetimeIndex(pd.to_datetime(days)))
    growth = np.cumprod(np.where(np.isfinite(r.to_numpy()), 1.0 + r.to_numpy(), 1.0))
    return Curve(benchmark.name, tuple(days), tuple(num(g - 1.0) for g in growth))


def _months(view: PerformanceView) -> tuple[MonthReturn, ...]:
    """Each calendar month's TWR from the stored return index: the last close of the
    month over the last close before it (the close before the first stored session is
    the first session's index over its own daily factor)."""
    points = view.series
    if not points:
        return ()
    growth, anchor = _rebased_growth(view)
    out: list[MonthReturn] = []
    for i, p in enumerate(points):
        last_of_month = i + 1 == len(points) or points[i + 1].date.month != p.date.month
        if last_of_month:
            out.append(MonthReturn(p.date.year, p.date.month, num(growth[i] / anchor - 1.0)))
            anchor = growth[i]
    return tuple(out)


def _tracking(
    uow: UnitOfWork, portfolio_id: int, primary: str, view: PerformanceView
) -> tuple[TrackingPoint, ...]:
    query = (
        select(PortfolioBenchmarkMetrics.calc_date, PortfolioBenchmarkMetrics.tracking_error)
        .where(
            PortfolioBenchmarkMetrics.portfolio_id == portfolio_id,
            PortfolioBenchmarkMetrics.benchmark == primary,
            PortfolioBenchmarkMetrics.window == "3m",
            PortfolioBenchmarkMetrics.calc_date >= view.start,
            PortfolioBenchmarkMetrics.calc_date <= view.as_of,
        )
        .order_by(PortfolioBenchmarkMetrics.calc_date)
    )
    rows = uow.session.execute(query).all()
    return tuple(TrackingPoint(d, num(te)) for d, te in rows)

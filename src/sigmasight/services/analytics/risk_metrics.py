"""The risk-metrics views: VaR/CVaR, ratios, drawdowns and VaR backtests of a portfolio.

Figures come from the ``portfolio_risk_metrics`` row the batch stored for the date;
the underwater curve and the backtest are derived on reading, by the analytics
kernels, from stored rows only (snapshot daily returns, stored VaR figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select

from sigmasight.analytics import risk_metrics as rm
from sigmasight.analytics import var_backtest as bt
from sigmasight.services.analytics._common import Context, load_context, num
from sigmasight.services.analytics.errors import InvalidParameterError, NoSnapshotError
from sigmasight.services.analytics.views import UowFactory
from sigmasight.storage.history import PortfolioRiskMetrics, PortfolioSnapshot
from sigmasight.storage.history_risk import var_entries

VAR_SIGN = "VaR and CVaR are positive numbers meaning a loss, as fractions of NAV (amounts: x NAV)"
SERIES_NOTE = (
    "ex_ante: today's holdings (delta-adjusted exposure / NAV) on the trailing security "
    "returns; realized: time-weighted daily NAV returns net of flows"
)


@dataclass(frozen=True)
class VaREntry:
    method: str
    confidence: float
    horizon_days: int
    scaling: str
    var: float | None
    cvar: float | None
    var_amount: float | None
    cvar_amount: float | None


@dataclass(frozen=True)
class ExAnte:
    window: int
    observations: int
    mean: float | None
    volatility: float | None
    skewness: float | None
    excess_kurtosis: float | None
    var: tuple[VaREntry, ...]


@dataclass(frozen=True)
class Realized:
    window: int
    observations: int
    risk_free_rate: float
    annual_return: float | None
    volatility: float | None
    sharpe_daily: float | None
    sharpe: float | None
    sortino: float | None
    downside_deviation: float | None
    beta: float | None
    treynor: float | None
    calmar: float | None
    omega: float | None
    max_drawdown: float | None
    current_drawdown: float | None


@dataclass(frozen=True)
class RiskMetricsView:
    portfolio_id: int
    as_of: date
    nav: float
    ex_ante: ExAnte
    realized: Realized
    risk_level: str | None
    diversification_ratio: float | None
    effective_positions: float | None
    conventions: str
    notes: tuple[str, ...]


def _stored(ctx: Context, portfolio_id: int) -> PortfolioRiskMetrics:
    row = ctx.history.session.get(PortfolioRiskMetrics, (portfolio_id, ctx.as_of))
    if row is None:
        raise NoSnapshotError(portfolio_id, ctx.as_of, None)
    return row


def _var_entries(row: PortfolioRiskMetrics, nav: float) -> tuple[VaREntry, ...]:
    def amount(value: Any) -> float | None:
        return num(value * nav) if value is not None else None

    return tuple(
        VaREntry(
            e["method"],
            e["confidence"],
            e["horizon_days"],
            e["scaling"],
            num(e["var"]),
            num(e["cvar"]),
            amount(e["var"]),
            amount(e["cvar"]),
        )
        for e in row.var_entries
    )


def risk_metrics(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> RiskMetricsView:
    """VaR/CVaR of the ex-ante series, ratios of the realized series, risk level and
    diversification on ``as_of`` (default: the latest snapshot)."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        row, nav = _stored(ctx, portfolio_id), ctx.snapshot.nav
        ex_ante = ExAnte(
            row.ex_ante_window,
            row.ex_ante_observations,
            num(row.ex_ante_mean),
            num(row.ex_ante_volatility),
            num(row.skewness),
            num(row.excess_kurtosis),
            _var_entries(row, nav),
        )
        realized = Realized(
            row.realized_window,
            row.realized_observations,
            row.risk_free_rate,
            *(
                num(getattr(row, name))
                for name in (
                    "annual_return",
                    "realized_volatility",
                    "sharpe_daily",
                    "sharpe",
                    "sortino",
                    "downside_deviation",
                    "realized_beta",
                    "treynor",
                    "calmar",
                    "omega",
                    "max_drawdown",
                    "current_drawdown",
                )
            ),
        )
        return RiskMetricsView(
            portfolio_id,
            ctx.as_of,
            nav,
            ex_ante,
            realized,
            row.risk_level,
            num(row.diversification_ratio),
            num(ctx.snapshot.effective_positions),
            f"{VAR_SIGN}; {SERIES_NOTE}",
            tuple(row.notes),
        )


@dataclass(frozen=True)
class DrawdownEpisode:
    peak: date | None
    trough: date | None
    recovery: date | None
    depth: float
    decline_sessions: int
    recovery_sessions: int | None
    underwater_sessions: int
    recovered: bool


@dataclass(frozen=True)
class UnderwaterPoint:
    date: date
    drawdown: float


@dataclass(frozen=True)
class DrawdownsView:
    portfolio_id: int
    as_of: date
    window: int
    observations: int
    max_drawdown: float | None
    peak: date | None
    trough: date | None
    recovery: date | None
    current_drawdown: float | None
    episodes: tuple[DrawdownEpisode, ...]
    underwater: tuple[UnderwaterPoint, ...]
    conventions: str


def _returns_up_to(ctx: Context, portfolio_id: int, rows: int) -> list[tuple[date, float | None]]:
    query = (
        select(PortfolioSnapshot.snapshot_date, PortfolioSnapshot.daily_return)
        .where(
            PortfolioSnapshot.portfolio_id == portfolio_id,
            PortfolioSnapshot.snapshot_date <= ctx.as_of,
        )
        .order_by(PortfolioSnapshot.snapshot_date.desc())
        .limit(rows)
    )
    return [(d, r) for d, r in ctx.history.session.execute(query).all()][::-1]


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _episode(e: dict[str, Any]) -> DrawdownEpisode:
    return DrawdownEpisode(
        _day(e["peak"]),
        _day(e["trough"]),
        _day(e["recovery"]),
        float(e["depth"]),
        int(e["decline_sessions"]),
        e["recovery_sessions"],
        int(e["underwater_sessions"]),
        bool(e["recovered"]),
    )


def drawdowns(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> DrawdownsView:
    """The stored maximum, current and five worst drawdowns of the realized NAV index,
    and the underwater curve of the stored snapshots in the same window."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        row = _stored(ctx, portfolio_id)
        history = _returns_up_to(ctx, portfolio_id, row.realized_window)
        returns = np.array([np.nan if r is None else r for _, r in history], dtype=np.float64)
        curve = rm.drawdown_series(returns)[1:, 0]
        underwater = tuple(
            UnderwaterPoint(d, float(v)) for (d, _), v in zip(history, curve, strict=True)
        )
        return DrawdownsView(
            portfolio_id,
            ctx.as_of,
            row.realized_window,
            row.realized_observations,
            num(row.max_drawdown),
            row.max_drawdown_peak,
            row.max_drawdown_trough,
            row.max_drawdown_recovery,
            num(row.current_drawdown),
            tuple(_episode(e) for e in row.drawdown_entries),
            underwater,
            "drawdown of the time-weighted return index (flows removed), running peak "
            "starting at the value before the window's first return; the underwater "
            "curve covers the stored snapshots of the window",
        )


@dataclass(frozen=True)
class BacktestPoint:
    date: date
    loss: float | None
    var: float | None
    exception: bool


@dataclass(frozen=True)
class VaRBacktestView:
    portfolio_id: int
    as_of: date
    method: str
    confidence: float
    sessions: int
    exceptions: int
    expected_exceptions: float
    kupiec_lr: float | None
    kupiec_p_value: float | None
    christoffersen_independence_lr: float | None
    christoffersen_independence_p_value: float | None
    conditional_coverage_lr: float | None
    conditional_coverage_p_value: float | None
    traffic_light: str | None
    points: tuple[BacktestPoint, ...]
    conventions: str


def _one_day_var(entries: list[dict[str, Any]], method: str, confidence: float) -> float | None:
    for e in entries:
        if e["method"] == method and e["confidence"] == confidence and e["scaling"] == "one_day":
            return num(e["var"])
    return None


def var_backtest(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    as_of: date | None = None,
    method: str = "historical",
    confidence: float = 0.99,
) -> VaRBacktestView:
    """Realized next-session losses against the 1-day VaR stored the session before,
    over the last :data:`~sigmasight.analytics.var_backtest.BASEL_SESSIONS` pairs of
    stored dates up to ``as_of``, with Kupiec, Christoffersen and the Basel zone."""
    if method not in rm.VAR_METHODS:
        raise InvalidParameterError(f"method must be one of {', '.join(rm.VAR_METHODS)}")
    if confidence not in rm.VAR_CONFIDENCES:
        raise InvalidParameterError(
            f"confidence must be one of {', '.join(str(c) for c in rm.VAR_CONFIDENCES)}"
        )
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        # The three columns it reads, not whole rows (tens of columns a row): a miss
        # costs half as much.
        m = PortfolioRiskMetrics
        query = (
            select(m.calc_date, m.var, PortfolioSnapshot.daily_return)
            .join(
                PortfolioSnapshot,
                (PortfolioSnapshot.portfolio_id == PortfolioRiskMetrics.portfolio_id)
                & (PortfolioSnapshot.snapshot_date == PortfolioRiskMetrics.calc_date),
            )
            .where(
                PortfolioRiskMetrics.portfolio_id == portfolio_id,
                PortfolioRiskMetrics.calc_date <= ctx.as_of,
            )
            .order_by(PortfolioRiskMetrics.calc_date.desc())
            .limit(bt.BASEL_SESSIONS + 1)
        )
        stored = ctx.history.session.execute(query).all()[::-1]
        if not stored or stored[-1][0] != ctx.as_of:
            raise NoSnapshotError(portfolio_id, ctx.as_of, None)
        days = [d for d, _, _ in stored[1:]]
        predicted = [_one_day_var(var_entries(v), method, confidence) for _, v, _ in stored[:-1]]
        losses = [None if ret is None else -ret for _, _, ret in stored[1:]]
        day = ctx.as_of
    return _backtest_view(portfolio_id, day, method, confidence, days, predicted, losses)


def _backtest_view(
    portfolio_id: int,
    as_of: date,
    method: str,
    confidence: float,
    days: list[date],
    predicted: list[float | None],
    losses: list[float | None],
) -> VaRBacktestView:
    loss = np.array([np.nan if v is None else v for v in losses], dtype=np.float64)
    var = np.array([np.nan if v is None else v for v in predicted], dtype=np.float64)
    hits = bt.exceptions(loss, var)
    usable = np.isfinite(loss) & np.isfinite(var)
    n, x = int(usable.sum()), int(hits.sum())
    kupiec = bt.kupiec_pof(n, x, confidence)
    chris = bt.christoffersen(hits[usable], confidence) if n >= 2 else None
    zone = int(bt.basel_zone(x, n, confidence)) if n else None

    def value(v: Any) -> float | None:
        return num(float(v)) if v is not None else None

    return VaRBacktestView(
        portfolio_id,
        as_of,
        method,
        confidence,
        n,
        x,
        n * (1.0 - confidence),
        value(kupiec.lr) if n else None,
        value(kupiec.p_value) if n else None,
        value(chris.lr_independence) if chris else None,
        value(chris.p_independence) if chris else None,
        value(chris.lr_conditional_coverage) if chris else None,
        value(chris.p_conditional_coverage) if chris else None,
        bt.ZONES[zone] if zone is not None else None,
        tuple(
            BacktestPoint(d, num(lv), num(vv), bool(h))
            for d, lv, vv, h in zip(days, loss.tolist(), var.tolist(), hits.tolist(), strict=True)
        ),
        "exception: the realized loss of a session (-daily return, positive = loss) above "
        "the 1-day VaR stored for the session before; Basel zones from the binomial "
        "probability of at most that many exceptions (green < 95 %, yellow < 99.99 %)",
    )

"""Correlation matrices, rolling pair correlations and risk contributions of a book.

Computed on reading from the stored closes (the batch's panel rule: sessions of the
trading calendar, a missing close carried forward at most three sessions, simple
returns of the adjusted closes), the positions held on the date and, for the factor
split, the security loadings the batch stored (docs/methodology.md, "Correlations",
"Risk contributions"). The matrices equal the stored ``asset_correlations`` rows where
a horizon is stored; 3y (756 sessions) is only computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from sigmasight.analytics import correlations as corr
from sigmasight.analytics import risk_contributions as rc
from sigmasight.analytics.returns import fill_limited
from sigmasight.analytics.risk_metrics import EX_ANTE_MIN_OBS, EX_ANTE_WINDOW
from sigmasight.domain.factors import FACTORS, FactorMethod
from sigmasight.marketdata.calendar import TradingCalendar
from sigmasight.services.analytics._common import Context, load_context, num, reference_symbol
from sigmasight.services.analytics.errors import InvalidParameterError
from sigmasight.services.analytics.valuation import load_book
from sigmasight.services.analytics.views import UowFactory
from sigmasight.storage.history_correlations import PortfolioCorrelationSummary
from sigmasight.storage.history_factors import SecurityFactorExposure
from sigmasight.storage.uow import UnitOfWork

#: Most sessions a carried-forward close may cover (the batch's rule).
MAX_FILL_SESSIONS = 3
#: Served measures -> the kernel's (VaR and CVaR: historical, 95 %, one day).
MEASURES = {
    "volatility": "volatility",
    "var": "historical_var",
    "cvar": "historical_cvar",
}
GROUPINGS = ("position", "sector", "factor")
#: Sessions of rolling correlation history served.
ROLLING_HISTORY = 252
SPECIFIC = "specific"
UNCLASSIFIED = "Unclassified"


def _returns(
    uow: UnitOfWork, symbols: list[str], day: date, sessions: int
) -> tuple[list[date], np.ndarray]:
    """The last ``sessions`` sessions to ``day`` and the simple returns (sessions, N)
    into them, NaN where a close is missing beyond the fill limit."""
    calendar = TradingCalendar()
    days = calendar.sessions(calendar.window_start(day, sessions + 1 + MAX_FILL_SESSIONS), day)
    frame, _ = uow.prices.close_panels(symbols, days[0], day)
    frame.index = pd.to_datetime(frame.index)
    index = pd.DatetimeIndex(np.asarray(days, dtype="datetime64[D]"))
    panel = frame.reindex(index=index, columns=symbols).to_numpy(dtype=np.float64)
    filled = fill_limited(panel, MAX_FILL_SESSIONS).prices
    with np.errstate(divide="ignore", invalid="ignore"):
        ret = filled[1:] / filled[:-1] - 1.0
    return list(days[-sessions:]), ret[-sessions:]


def _held_symbols(uow: UnitOfWork, ctx: Context) -> list[str]:
    book = load_book(uow, ctx.history, ctx.portfolio.id, ctx.as_of)
    return sorted(book.refs)


@dataclass(frozen=True)
class CorrelationSummary:
    """The book's stored summary of the date (``portfolio_correlation_summaries``)."""

    window: int
    observations: int
    securities: int
    average_correlation: float | None
    market_correlation: float | None
    effective_bets: float | None
    effective_bets_method: str


def _summary(uow: UnitOfWork, portfolio_id: int, day: date) -> CorrelationSummary | None:
    row = uow.session.get(PortfolioCorrelationSummary, (portfolio_id, day))
    if row is None:
        return None
    return CorrelationSummary(
        row.window,
        row.observations,
        row.securities,
        num(row.average_correlation),
        num(row.market_correlation),
        num(row.effective_bets),
        row.effective_bets_method,
    )


def correlation_summary(
    uow_factory: UowFactory, owner_id: int, portfolio_id: int, as_of: date | None = None
) -> CorrelationSummary | None:
    """The book's stored correlation summary on ``as_of`` (default: the latest
    snapshot), or None before the batch stored one (the overview's headline)."""
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        return _summary(uow, portfolio_id, ctx.as_of)


@dataclass(frozen=True)
class CorrelationMatrixView:
    portfolio_id: int
    as_of: date
    horizon: str
    window: int
    min_observations: int
    symbols: tuple[str, ...]
    matrix: list[list[float | None]]
    observations: list[list[int]]
    p_values: list[list[float | None]]
    t_stats: list[list[float | None]]
    ci_low: list[list[float | None]]
    ci_high: list[list[float | None]]
    summary: CorrelationSummary | None


def _square(a: np.ndarray) -> list[list[Any]]:
    return [[num(float(v)) for v in row] for row in a]


def correlation_matrix(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    as_of: date | None = None,
    horizon: str = "1y",
) -> CorrelationMatrixView:
    """Pairwise-complete correlations of the securities held on ``as_of`` (options as
    their underlying, private holdings left out), in hierarchical clustering order."""
    if horizon not in corr.CORRELATION_HORIZONS:
        raise InvalidParameterError(
            f"unknown horizon {horizon!r}; expected one of {', '.join(corr.CORRELATION_HORIZONS)}"
        )
    window = corr.CORRELATION_HORIZONS[horizon]
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        day = ctx.as_of
        summary = _summary(uow, portfolio_id, day)
        symbols = _held_symbols(uow, ctx)
        _, returns = _returns(uow, symbols, day, window) if symbols else ([], None)
    if returns is None:
        empty: list[list[Any]] = []
        return CorrelationMatrixView(
            portfolio_id,
            day,
            horizon,
            window,
            corr.min_observations(window),
            (),
            empty,
            [],
            [],
            [],
            [],
            [],
            summary,
        )
    m = corr.correlation_matrix(returns, corr.min_observations(window))
    order = corr.cluster_order(m.corr)
    pick = np.ix_(order, order)
    return CorrelationMatrixView(
        portfolio_id=portfolio_id,
        as_of=day,
        horizon=horizon,
        window=window,
        min_observations=m.min_obs,
        symbols=tuple(symbols[i] for i in order),
        matrix=_square(m.corr[pick]),
        observations=m.n_obs[pick].tolist(),
        p_values=_square(m.p_value[pick]),
        t_stats=_square(m.t_stat[pick]),
        ci_low=_square(m.ci_low[pick]),
        ci_high=_square(m.ci_high[pick]),
        summary=summary,
    )


@dataclass(frozen=True)
class RollingCorrelationView:
    portfolio_id: int
    as_of: date
    a: str
    b: str
    window: int
    min_observations: int
    dates: tuple[date, ...]
    correlations: tuple[float | None, ...]
    observations: tuple[int, ...]


def rolling_correlation(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    a: str | None = None,
    b: str | None = None,
    window: int = 60,
    as_of: date | None = None,
) -> RollingCorrelationView:
    """The correlation of two held securities over each trailing ``window`` (20 or 60
    sessions) for the :data:`ROLLING_HISTORY` sessions to ``as_of``; a security not
    named is the first other held one in alphabetical order."""
    if window not in corr.ROLLING_WINDOWS:
        raise InvalidParameterError(f"window must be one of {corr.ROLLING_WINDOWS}")
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        day = ctx.as_of
        held = _held_symbols(uow, ctx)
        for symbol in (a, b):
            if symbol is not None and symbol not in held:
                raise InvalidParameterError(f"{symbol!r} is not held on {day.isoformat()}")
        others = [s for s in held if s not in (a, b)]
        if a is None:
            a = others.pop(0) if others else None
        if b is None:
            b = others.pop(0) if others else None
        if a is None or b is None or a == b:
            raise InvalidParameterError("name two different held securities (a and b)")
        days, returns = _returns(uow, [a, b], day, ROLLING_HISTORY + window - 1)
    r = corr.rolling_pair_correlation(returns[:, 0], returns[:, 1], window)
    keep = slice(window - 1, None)
    return RollingCorrelationView(
        portfolio_id,
        day,
        a,
        b,
        window,
        r.min_obs,
        tuple(days[keep]),
        tuple(num(float(v)) for v in r.corr[keep, 0]),
        tuple(int(v) for v in r.n_obs[keep, 0]),
    )


@dataclass(frozen=True)
class Contribution:
    key: str
    weight: float | None
    marginal: float | None
    component: float | None
    percent: float | None


@dataclass(frozen=True)
class RiskContributionsView:
    portfolio_id: int
    as_of: date
    measure: str
    by: str
    total: float | None
    window: int
    observations: int
    confidence: float | None
    conventions: str
    contributions: tuple[Contribution, ...]


CONVENTIONS = (
    "Euler split of the ex-ante series (today's delta-adjusted exposure / NAV on the "
    f"trailing {EX_ANTE_WINDOW} sessions where every held security has a return): "
    "component = weight x marginal, components sum to the total; volatility annualised; "
    "VaR and CVaR historical, 95 %, one day, positive numbers meaning a loss"
)


def risk_contributions(
    uow_factory: UowFactory,
    owner_id: int,
    portfolio_id: int,
    as_of: date | None = None,
    measure: str = "volatility",
    by: str = "position",
) -> RiskContributionsView:
    """Each position's, sector's or factor's contribution to the book's volatility,
    historical VaR or CVaR on ``as_of``."""
    if measure not in MEASURES:
        raise InvalidParameterError(f"measure must be one of {', '.join(MEASURES)}")
    if by not in GROUPINGS:
        raise InvalidParameterError(f"by must be one of {', '.join(GROUPINGS)}")
    with uow_factory() as uow:
        ctx = load_context(uow, owner_id, portfolio_id, as_of)
        day = ctx.as_of
        book = load_book(uow, ctx.history, portfolio_id, day)
        nav = float(ctx.snapshot.nav)
        exposures: dict[str, float] = {}  # position symbol -> exposure
        underlying: dict[str, str] = {}
        for p, m in zip(book.held, book.marks, strict=True):
            ref = reference_symbol(p)
            if ref is None or m.exposure is None:
                continue
            exposures[p.symbol] = exposures.get(p.symbol, 0.0) + m.exposure
            underlying[p.symbol] = ref
        keys = sorted(exposures)
        refs = sorted(set(underlying.values()))
        # The factors' legs only for the split by factor (each column's returns are its
        # own: the held columns are the same either way).
        factor_symbols = (
            sorted({s for f in FACTORS for s in f.symbols} - set(refs)) if by == "factor" else []
        )
        _, panel = _returns(uow, refs + factor_symbols, day, EX_ANTE_WINDOW)
        sectors = {s.symbol: s.sector for s in uow.securities.find(refs)}
        loadings = _loadings(uow, refs, day) if by == "factor" else {}
    column = {s: i for i, s in enumerate(refs + factor_symbols)}
    R = panel[:, [column[underlying[k]] for k in keys]] if keys else np.empty((panel.shape[0], 0))
    complete: np.ndarray = np.asarray(np.isfinite(R).all(axis=1))
    w = np.array([exposures[k] / nav if nav > 0 else np.nan for k in keys])
    n = int(complete.sum())
    kernel = MEASURES[measure]
    confidence = None if measure == "volatility" else rc.CONTRIBUTION_CONFIDENCE
    if not keys or n < EX_ANTE_MIN_OBS or not np.isfinite(w).all():
        return RiskContributionsView(
            portfolio_id,
            day,
            measure,
            by,
            None,
            EX_ANTE_WINDOW,
            n,
            confidence,
            CONVENTIONS,
            (),
        )
    if by == "factor":
        names, c = _by_factor(R, w, keys, underlying, loadings, panel, column, complete, kernel)
    else:
        c = rc.euler_contributions(R[complete], w, kernel)
        names = keys
        if by == "sector":
            labels = [sectors.get(underlying[k]) or UNCLASSIFIED for k in keys]
            names = sorted(set(labels))
            c = rc.group_contributions(c, [names.index(s) for s in labels], len(names))
    percent = c.percent[0]
    rows = tuple(
        Contribution(
            key,
            num(float(c.weight[0, i])),
            num(float(c.marginal[0, i])),
            num(float(c.component[0, i])),
            num(float(percent[i])),
        )
        for i, key in enumerate(names)
    )
    return RiskContributionsView(
        portfolio_id,
        day,
        measure,
        by,
        num(float(c.total[0])),
        EX_ANTE_WINDOW,
        n,
        confidence,
        CONVENTIONS,
        rows,
    )


def _loadings(uow: UnitOfWork, refs: list[str], day: date) -> dict[str, dict[str, float]]:
    """OLS factor loadings the batch stored for ``day``: symbol -> factor key -> loading."""
    f = SecurityFactorExposure
    query = select(f.symbol, f.factors).where(
        f.symbol.in_(refs), f.calc_date == day, f.method == FactorMethod.OLS.value
    )
    return {
        symbol: {
            k: v["loading"] for k, v in (factors or {}).items() if v.get("loading") is not None
        }
        for symbol, factors in uow.session.execute(query)
    }


def _by_factor(
    R: np.ndarray,
    w: np.ndarray,
    keys: list[str],
    underlying: dict[str, str],
    loadings: dict[str, dict[str, float]],
    panel: np.ndarray,
    column: dict[str, int],
    complete: np.ndarray,
    kernel: str,
) -> tuple[list[str], rc.Contributions]:
    """The split by the factors with stored loadings on the date, then the remainder."""
    active = [f for f in FACTORS if any(f.key in loadings.get(underlying[k], {}) for k in keys)]
    legs = [
        panel[:, column[f.long]] - (panel[:, column[f.short]] if f.short else 0.0) for f in active
    ]
    F = np.column_stack(legs) if legs else np.empty((panel.shape[0], 0))
    rows = complete & np.isfinite(F).all(axis=1)
    B = np.array(
        [[loadings.get(underlying[k], {}).get(f.key, 0.0) for f in active] for k in keys]
    ).reshape(len(keys), len(active))
    c = rc.factor_contributions(R[rows], w, B, F[rows], kernel)
    return [f.key for f in active] + [SPECIFIC], c

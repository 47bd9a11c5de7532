"""Portfolio snapshots for each date: matrix algebra over all portfolios at once."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import scipy.sparse as sp

from sigmasight.analytics.beta import (
    BETA_CAP,
    BETA_MIN_OBS,
    BETA_WINDOW,
    exposure_weighted_beta,
    security_beta,
)
from sigmasight.analytics.concentration import concentration
from sigmasight.analytics.exposures import (
    Positions,
    delta_adjusted_exposure,
    exposure_matrix,
    portfolio_exposures,
)
from sigmasight.analytics.options import black_scholes_delta
from sigmasight.analytics.returns import portfolio_returns
from sigmasight.analytics.sectors import BUCKETS, sector_exposure
from sigmasight.analytics.volatility import (
    har_forecast,
    realized_volatility,
    volatility_percentile,
    volatility_trend,
)
from sigmasight.batch.inputs import OPTION, PRIVATE, BatchInputs, FloatArray
from sigmasight.batch.security import HAR_FIT_WINDOW, SecurityMetrics
from sigmasight.batch.valuation import DAYS_PER_YEAR_CALENDAR, Valuation

Row = dict[str, Any]


def _num(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _weights_as_of(inputs: BatchInputs, day: date) -> tuple[date | None, dict[str, float]]:
    """The latest benchmark snapshot published on or before ``day`` (point in time)."""
    found: tuple[date | None, dict[str, float]] = (None, {})
    for as_of, weights in inputs.benchmark_weights:
        if as_of <= day:
            found = (as_of, weights)
    return found


def held_positions(
    inputs: BatchInputs, valuation: Valuation, vol63: FloatArray, t: int
) -> tuple[Positions, np.ndarray]:
    """The lots held at the close of row ``t`` as analytics :class:`Positions`."""
    lots = inputs.lots
    r = valuation.row(t)
    idx = np.flatnonzero(valuation.held[r])
    option = lots.kind[idx] == OPTION
    col = lots.column[idx]
    under = np.where(option, inputs.prices[t, np.maximum(col, 0)], np.nan)
    delta = np.full(idx.size, np.nan)
    if option.any():
        o = idx[option]
        days = (lots.expiry[o] - inputs.sessions[t]).astype(np.float64)
        delta[option] = black_scholes_delta(
            under[option],
            lots.strike[o],
            days / DAYS_PER_YEAR_CALENDAR,
            vol63[t, col[option]],
            lots.is_call[o],
        ).delta
    positions = Positions(
        portfolio=lots.portfolio[idx],
        security=np.where(lots.kind[idx] == PRIVATE, -1, col),
        symbol=lots.symbol[idx],
        quantity=lots.quantity[idx],
        price=valuation.price[r, idx],
        position_type=lots.position_type[idx],
        investment_class=lots.investment_class[idx],
        underlying_price=under,
        delta=delta,
    )
    return positions, idx


def snapshot_rows(
    inputs: BatchInputs,
    returns: FloatArray,
    metrics: SecurityMetrics,
    valuation: Valuation,
) -> list[Row]:
    """One snapshot row per portfolio and run date on or after the portfolio's inception."""
    rows: list[Row] = []
    for t in range(metrics.rows.start, metrics.rows.stop):
        rows.extend(_rows_for_date(inputs, returns, metrics, valuation, t))
    return rows


def _rows_for_date(
    inputs: BatchInputs,
    returns: FloatArray,
    metrics: SecurityMetrics,
    valuation: Valuation,
    t: int,
) -> list[Row]:
    P, S = inputs.portfolios.id.size, len(inputs.symbols)
    r = valuation.row(t)
    nav = valuation.nav[r]
    pos, idx = held_positions(inputs, valuation, metrics.vol63, t)
    exposures = portfolio_exposures(pos, nav, P)
    matrix = exposure_matrix(pos, P, S)
    weighted = exposure_weighted_beta(
        matrix, metrics.beta.beta[t], metrics.beta.ols.r_squared[t], nav
    )
    scale = sp.diags_array(np.where(nav > 0, 1.0 / np.where(nav > 0, nav, 1.0), 0.0))
    window = slice(max(t - HAR_FIT_WINDOW + 1, 1), t + 1)
    series = portfolio_returns(scale @ matrix.matrix, returns[window])
    market = returns[window, inputs.market_column]
    direct = security_beta(series, market, BETA_WINDOW, BETA_MIN_OBS, BETA_CAP)
    vol21 = realized_volatility(series, 21).volatility
    vol63 = realized_volatility(series, 63).volatility
    har = har_forecast(series)
    trend = volatility_trend(series)
    pct = volatility_percentile(series)
    lot_value = np.asarray(valuation.value[r, idx])
    lot_exposure = np.where(pos.security < 0, lot_value, delta_adjusted_exposure(pos))
    sector_names = np.array([*inputs.sectors, None], dtype=object)
    sector_of = sector_names[np.where(pos.security >= 0, pos.security, len(inputs.sectors))]
    etf = np.where(pos.security >= 0, inputs.is_etf[np.maximum(pos.security, 0)], False)
    as_of, bench = _weights_as_of(inputs, inputs.sessions[t].astype(object))
    sectors = sector_exposure(pos.portfolio, sector_of, etf, lot_exposure, P, bench)
    conc = concentration(pos.portfolio, pos.symbol, lot_value, P)
    day = inputs.sessions[t].astype(object)

    def per_portfolio(values: np.ndarray) -> np.ndarray:
        finite = np.where(np.isfinite(values), values, 0.0)
        return np.bincount(pos.portfolio, weights=finite, minlength=P)[:P]

    held_value = per_portfolio(lot_value)
    long_total = per_portfolio(np.maximum(lot_exposure, 0.0))
    short_total = per_portfolio(np.minimum(lot_exposure, 0.0))
    out: list[Row] = []
    for p in range(P):
        if t < valuation.inception[p]:
            continue
        notes = []
        if valuation.unpriced[r, p] > 0:
            notes.append(f"{int(valuation.unpriced[r, p])} held position(s) without a fresh price")
        if not np.isfinite(direct.beta[p]):
            notes.append("direct beta: too little return history")
        if not np.isfinite(vol63[p]):
            notes.append("volatility: too little return history")
        rows_sector = {
            "benchmark_as_of": as_of.isoformat() if as_of else None,
            "gross": _num(sectors.gross[p]),
            "long_total": float(long_total[p]),
            "short_total": float(short_total[p]),
            "buckets": list(BUCKETS),
            **{
                view: [_num(v) for v in getattr(sectors, view)[p]]
                for view in ("long", "short", "net", "active")
            },
            "benchmark": [_num(v) for v in sectors.benchmark],
        }
        out.append(
            {
                "portfolio_id": int(inputs.portfolios.id[p]),
                "snapshot_date": day,
                "nav": float(nav[p]),
                "cash": float(nav[p] - held_value[p]),
                "long_exposure": float(exposures.long[p]),
                "short_exposure": float(exposures.short[p]),
                "gross_exposure": float(exposures.gross[p]),
                "net_exposure": float(exposures.net[p]),
                "leverage": _num(exposures.leverage[p]),
                "daily_pnl": float(valuation.pnl[r, p]),
                "daily_return": _num(valuation.daily_return[r, p]),
                "cumulative_pnl": float(valuation.cumulative_pnl[r, p]),
                "flows": float(valuation.flows[r, p]),
                "n_positions": int(exposures.n_positions[p]),
                "n_long": int(exposures.n_long[p]),
                "n_short": int(exposures.n_short[p]),
                "n_options": int(exposures.n_options[p]),
                "n_private": int(exposures.n_private[p]),
                "beta_weighted": _num(weighted.beta[p]),
                "beta_weighted_r_squared": _num(weighted.r_squared[p]),
                "beta_weighted_positions": int(weighted.n_covered[p]),
                "beta_direct": _num(direct.beta[p]),
                "beta_direct_r_squared": _num(direct.ols.r_squared[p]),
                "beta_direct_observations": int(direct.ols.n_obs[p]),
                "volatility_21d": _num(vol21[p]),
                "volatility_63d": _num(vol63[p]),
                "volatility_expected_21d": _num(har.volatility[p]),
                "volatility_trend": str(trend.label[p]) or None,
                "volatility_percentile": _num(pct.percentile[p]),
                "sector_exposure": rows_sector,
                "hhi": _num(conc.hhi[p]),
                "effective_positions": _num(conc.effective_n[p]),
                "top3_weight": _num(conc.top3[p]),
                "top10_weight": _num(conc.top10[p]),
                "is_complete": not notes,
                "notes": notes,
            }
        )
    return out

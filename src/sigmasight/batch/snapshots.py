"""Portfolio snapshots for each date: matrix algebra over all portfolios at once."""

from __future__ import annotations

from datetime import date

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
from sigmasight.batch.columns import Columns, extend, finite, finite_rows, ints
from sigmasight.batch.inputs import OPTION, PRIVATE, BatchInputs, FloatArray
from sigmasight.batch.security import HAR_FIT_WINDOW, SecurityMetrics
from sigmasight.batch.valuation import DAYS_PER_YEAR_CALENDAR, Valuation


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
) -> Columns:
    """One snapshot row per portfolio and run date on or after the portfolio's inception,
    as columns (no dictionary per row: building them was a sixth of the step)."""
    rows: Columns = {}
    # Integer codes for grouping lots by instrument, made once: not the symbol strings
    # sorted again on every date.
    symbol_code = np.unique(inputs.lots.symbol.astype(str), return_inverse=True)[1].reshape(-1)
    for t in range(metrics.rows.start, metrics.rows.stop):
        extend(rows, _rows_for_date(inputs, returns, metrics, valuation, t, symbol_code))
    return rows


def _rows_for_date(
    inputs: BatchInputs,
    returns: FloatArray,
    metrics: SecurityMetrics,
    valuation: Valuation,
    t: int,
    symbol_code: np.ndarray,
) -> Columns:
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
    conc = concentration(pos.portfolio, symbol_code[idx], lot_value, P)
    day = inputs.sessions[t].astype(object)

    def per_portfolio(values: np.ndarray) -> np.ndarray:
        finite = np.where(np.isfinite(values), values, 0.0)
        return np.bincount(pos.portfolio, weights=finite, minlength=P)[:P]

    held_value = per_portfolio(lot_value)
    long_total = per_portfolio(np.maximum(lot_exposure, 0.0))
    short_total = per_portfolio(np.minimum(lot_exposure, 0.0))
    live = np.flatnonzero(t >= valuation.inception)
    unpriced = valuation.unpriced[r, live]
    short_history = ~np.isfinite(direct.beta[live])
    no_volatility = ~np.isfinite(vol63[live])
    benchmark = finite(np.asarray(sectors.benchmark, dtype=np.float64))
    views = {
        view: finite_rows(np.asarray(getattr(sectors, view), dtype=np.float64)[live])
        for view in ("long", "short", "net", "active")
    }
    gross, long_sum, short_sum = (finite(v[live]) for v in (sectors.gross, long_total, short_total))
    sector_json = [
        {
            "benchmark_as_of": as_of.isoformat() if as_of else None,
            "gross": gross[i],
            "long_total": long_sum[i],
            "short_total": short_sum[i],
            "buckets": list(BUCKETS),
            **{view: rows[i] for view, rows in views.items()},
            "benchmark": benchmark,
        }
        for i in range(live.size)
    ]
    notes = [
        [
            *(
                [f"{int(unpriced[i])} held position(s) without a fresh price"]
                if unpriced[i]
                else []
            ),
            *(["direct beta: too little return history"] if short_history[i] else []),
            *(["volatility: too little return history"] if no_volatility[i] else []),
        ]
        for i in range(live.size)
    ]
    columns: Columns = {
        "portfolio_id": inputs.portfolios.id[live].tolist(),
        "snapshot_date": [day] * live.size,
        "nav": finite(nav[live]),
        "cash": finite(nav[live] - held_value[live]),
        "long_exposure": finite(exposures.long[live]),
        "short_exposure": finite(exposures.short[live]),
        "gross_exposure": finite(exposures.gross[live]),
        "net_exposure": finite(exposures.net[live]),
        "leverage": finite(exposures.leverage[live]),
        "daily_pnl": finite(valuation.pnl[r, live]),
        "daily_return": finite(valuation.daily_return[r, live]),
        "cumulative_pnl": finite(valuation.cumulative_pnl[r, live]),
        "flows": finite(valuation.flows[r, live]),
        "n_positions": ints(exposures.n_positions[live]),
        "n_long": ints(exposures.n_long[live]),
        "n_short": ints(exposures.n_short[live]),
        "n_options": ints(exposures.n_options[live]),
        "n_private": ints(exposures.n_private[live]),
        "beta_weighted": finite(weighted.beta[live]),
        "beta_weighted_r_squared": finite(weighted.r_squared[live]),
        "beta_weighted_positions": ints(weighted.n_covered[live]),
        "beta_direct": finite(direct.beta[live]),
        "beta_direct_r_squared": finite(direct.ols.r_squared[live]),
        "beta_direct_observations": ints(direct.ols.n_obs[live]),
        "volatility_21d": finite(vol21[live]),
        "volatility_63d": finite(vol63[live]),
        "volatility_expected_21d": finite(har.volatility[live]),
        "volatility_trend": [str(label) or None for label in trend.label[live]],
        "volatility_percentile": finite(pct.percentile[live]),
        "sector_exposure": sector_json,
        "hhi": finite(conc.hhi[live]),
        "effective_positions": finite(conc.effective_n[live]),
        "top3_weight": finite(conc.top3[live]),
        "top10_weight": finite(conc.top10[live]),
        "is_complete": [not n for n in notes],
        "notes": notes,
    }
    return columns


def _notes(unpriced: int, short_history: bool, no_volatility: bool) -> list[str]:
    """Why a snapshot is incomplete (empty when it is complete)."""
    notes = [f"{unpriced} held position(s) without a fresh price"] if unpriced else []
    if short_history:
        notes.append("direct beta: too little return history")
    if no_volatility:
        notes.append("volatility: too little return history")
    return notes

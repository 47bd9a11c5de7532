"""Portfolio snapshots for each date: matrix algebra over all portfolios at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sigmasight.analytics._typing import Reason
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
    exposure_matrix,
    portfolio_exposures,
    position_exposure,
)
from sigmasight.analytics.options import black_scholes_delta
from sigmasight.analytics.returns import portfolio_returns, trailing_windows
from sigmasight.analytics.sectors import (
    BUCKETS,
    UNCLASSIFIED_BUCKET,
    bucket_codes,
    bucket_sums,
)
from sigmasight.analytics.volatility import (
    har_forecast,
    realized_volatility,
    trend_from_volatilities,
    volatility_percentile,
)
from sigmasight.batch.columns import Columns, extend, finite, ints
from sigmasight.batch.inputs import OPTION, PRIVATE, BatchInputs, FloatArray, IntArray
from sigmasight.batch.security import HAR_FIT_WINDOW, SecurityMetrics
from sigmasight.batch.valuation import DAYS_PER_YEAR_CALENDAR, Valuation

#: Portfolio-dates computed in one call: a block of dates times the partition's
#: portfolios, about this many return series (the HAR fit holds some fifteen arrays of
#: 504 rows by this many columns).
BLOCK_SERIES = 4096


@dataclass(frozen=True)
class DatedPositions:
    """The lots held at the closes of K run rows, for P portfolios over S price columns,
    as one book of K x P *virtual portfolios*: portfolio ``k * P + p`` is portfolio p on
    the k-th date, and its lots point at virtual security ``k * S + s`` (the price
    column s on that date). Every analytics function takes any number of portfolios, so
    one call computes all K dates; nothing of date k reaches another date's rows."""

    positions: Positions  # portfolio and security are virtual (security -1: no prices)
    lot: IntArray  # (M,) lot index in ``inputs.lots``
    date: IntArray  # (M,) k, the date of the entry
    column: IntArray  # (M,) real price column (-1: no prices)


def held_positions(
    inputs: BatchInputs, valuation: Valuation, vol63: FloatArray, ts: IntArray
) -> DatedPositions:
    """The lots held at the close of each calendar row in ``ts``."""
    lots = inputs.lots
    P, S = inputs.portfolios.id.size, len(inputs.symbols)
    rs = ts - valuation.offset
    k, idx = np.nonzero(valuation.held[rs])
    t = ts[k]
    option = lots.kind[idx] == OPTION
    col = lots.column[idx]
    under = np.where(option, inputs.mark_prices[t, np.maximum(col, 0)], np.nan)
    delta = np.full(idx.size, np.nan)
    if option.any():
        o = idx[option]
        days = (lots.expiry[o] - inputs.sessions[t[option]]).astype(np.float64)
        delta[option] = black_scholes_delta(
            under[option],
            lots.strike[o],
            days / DAYS_PER_YEAR_CALENDAR,
            vol63[t[option], col[option]],
            lots.is_call[o],
        ).delta
    column = np.where((lots.kind[idx] == PRIVATE) | (col < 0), -1, col)
    positions = Positions(
        portfolio=k * P + lots.portfolio[idx],
        security=np.where(column >= 0, k * S + column, -1),
        symbol=lots.symbol[idx],
        quantity=lots.quantity[idx],
        price=valuation.price[rs[k], idx],
        position_type=lots.position_type[idx],
        investment_class=lots.investment_class[idx],
        underlying_price=under,
        delta=delta,
    )
    return DatedPositions(positions, idx, k, column)


def snapshot_rows(
    inputs: BatchInputs,
    returns: FloatArray,
    metrics: SecurityMetrics,
    valuation: Valuation,
) -> Columns:
    """One snapshot row per portfolio and run date on or after the portfolio's inception,
    as columns (no dictionary per row), ordered by date then portfolio.

    Dates are computed in blocks of virtual portfolios (:class:`DatedPositions`): a
    backfill costs a few large array operations per block instead of a few dozen small
    ones per date, and a date's figures are the same whichever block it falls in.
    """
    rows: Columns = {}
    # Integer codes for grouping lots by instrument, made once: not the symbol strings
    # sorted again for every block.
    symbol_code = np.unique(inputs.lots.symbol.astype(str), return_inverse=True)[1].reshape(-1)
    # The bucket of every price column, then Unclassified for lots without prices.
    column_bucket = np.append(
        bucket_codes(np.array(inputs.sectors, dtype=object), inputs.is_etf),
        BUCKETS.index(UNCLASSIFIED_BUCKET),
    )
    step = max(1, BLOCK_SERIES // max(inputs.portfolios.id.size, 1))
    for lo in range(metrics.rows.start, metrics.rows.stop, step):
        ts = np.arange(lo, min(lo + step, metrics.rows.stop))
        extend(
            rows,
            _rows_for_dates(inputs, returns, metrics, valuation, ts, symbol_code, column_bucket),
        )
    return rows


#: Figures of each portfolio's return series, stored as they are.
SERIES_FIGURES = (
    "beta_direct",
    "beta_direct_r_squared",
    "volatility_21d",
    "volatility_63d",
    "volatility_expected_21d",
    "volatility_percentile",
)
#: Series per pass of the series kernels (beta, volatility, HAR, percentile): small
#: enough that a pass's temporaries (504 rows by this many columns) stay in the CPU's
#: cache. On this machine's 2 MiB per-core cache the earlier HAR kernel cost about 31 µs
#: a series in passes of 64-128 columns and 66 µs at 4,096; 64 to 256 measure alike now.
SERIES_CHUNK = 128


def _series(
    exposure: sp.csr_array, nav: FloatArray, returns: FloatArray, ts: IntArray, P: int, S: int
) -> FloatArray:
    """Return series (window, K * P) of every virtual portfolio: today's weights
    (exposure / NAV) on the :data:`HAR_FIT_WINDOW` returns up to its date (row 0 of the
    calendar has none), NaN above where the history is shorter."""
    scale = np.where(nav > 0, 1.0 / np.where(nav > 0, nav, 1.0), 0.0)
    # Virtual security k * S + s back to price column s: a row only holds its own date's.
    weights = sp.csr_array(
        (exposure.data * scale[exposure.tocoo().row], exposure.indices % S, exposure.indptr),
        shape=(exposure.shape[0], S),
    )
    W = HAR_FIT_WINDOW
    out = np.full((W, ts.size * P), np.nan)
    for k, t in enumerate(ts.tolist()):
        lo = max(t - W + 1, 1)
        rows = slice(k * P, (k + 1) * P)
        out[W - (t + 1 - lo) :, rows] = portfolio_returns(weights[rows], returns[lo : t + 1])
    return out


def _series_figures(series: FloatArray, market: FloatArray, P: int) -> dict[str, FloatArray]:
    """Direct beta, realized, HAR-expected volatility and percentile of every column of
    ``series`` (window, K * P); column v is regressed on column v // P of ``market``
    (the market's last :data:`BETA_WINDOW` returns up to each date, (BETA_WINDOW, K))."""
    V = series.shape[1]
    out = {
        name: np.empty(V)
        for name in (
            *SERIES_FIGURES,
            "beta_direct_observations",
            "volatility_har_fallback",
            "har_reason",
        )
    }
    for lo in range(0, V, SERIES_CHUNK):
        part = np.ascontiguousarray(series[:, lo : lo + SERIES_CHUNK])
        x = market[:, np.arange(lo, lo + part.shape[1]) // P]
        direct = security_beta(part, x, BETA_WINDOW, BETA_MIN_OBS, BETA_CAP)
        chunk = slice(lo, lo + part.shape[1])
        out["beta_direct"][chunk] = direct.beta
        out["beta_direct_r_squared"][chunk] = direct.ols.r_squared
        out["beta_direct_observations"][chunk] = direct.ols.n_obs
        out["volatility_21d"][chunk] = realized_volatility(part, 21).volatility
        out["volatility_63d"][chunk] = realized_volatility(part, 63).volatility
        har = har_forecast(part)
        out["volatility_expected_21d"][chunk] = har.volatility
        out["volatility_har_fallback"][chunk] = har.fallback
        out["har_reason"][chunk] = har.reason
        out["volatility_percentile"][chunk] = volatility_percentile(part).percentile
    return out


#: Why a figure is missing, in a snapshot's notes (from the kernels' reason codes).
REASON_TEXT = {
    Reason.INSUFFICIENT_DATA: "too little return history",
    Reason.ZERO_VARIANCE: "returns do not vary",
    Reason.SINGULAR: "singular fit",
    Reason.INVALID_INPUT: "invalid input",
    Reason.NONPOSITIVE_FORECAST: "non-positive variance forecast",
    Reason.INVALID_DENOMINATOR: "NAV not positive",
}


def _missing_figures(
    figures: dict[str, FloatArray], weighted_beta: FloatArray, leverage: FloatArray, live: IntArray
) -> list[list[str]]:
    """Per live row, a note for each figure a snapshot normally carries but lacks
    (besides the direct beta and the realized volatilities, noted by the caller)."""
    # a flagged fallback (realized volatility for a non-positive HAR path) is a figure
    har = np.where(figures["volatility_har_fallback"][live] > 0, 0, figures["har_reason"][live])
    har = har.astype(np.int64)
    no_percentile = ~np.isfinite(figures["volatility_percentile"][live])
    no_weighted = ~np.isfinite(weighted_beta[live])
    no_leverage = ~np.isfinite(leverage[live])
    return [
        [
            *([f"volatility forecast: {REASON_TEXT[Reason(int(h))]}"] if h else []),
            *(["volatility percentile: too little return history"] if p else []),
            *(["exposure-weighted beta: no held security has a beta"] if w else []),
            *(["leverage: NAV not positive"] if lev else []),
        ]
        for h, p, w, lev in zip(
            har.tolist(),
            no_percentile.tolist(),
            no_weighted.tolist(),
            no_leverage.tolist(),
            strict=True,
        )
    ]


def _benchmark_dates(inputs: BatchInputs, ts: IntArray) -> list[str | None]:
    """Per date: the date (ISO) of the latest benchmark weights published on or before
    it (point in time), or None."""
    published = [as_of for as_of, _ in inputs.benchmark_weights]  # ascending
    out: list[str | None] = []
    for day in inputs.sessions[ts].astype(object):
        found = [as_of for as_of in published if as_of <= day]
        out.append(found[-1].isoformat() if found else None)
    return out


def sector_json(
    long_sums: FloatArray, short_sums: FloatArray, benchmark_as_of: list[str | None]
) -> list[dict[str, object]]:
    """The stored sector exposure of each row: long and short exposure per bucket in
    currency (buckets without any left out) and the date of the benchmark weights.

    Weights, the net and active views and the benchmark column are derived on reading,
    by the same :func:`~sigmasight.analytics.sectors.sector_views`; stored, they were
    most of a snapshot's bytes, and the benchmark's weights were the same in every row
    of a date.
    """
    names = BUCKETS
    return [
        {
            "benchmark_as_of": as_of,
            "long": {name: v for name, v in zip(names, long, strict=True) if v},
            "short": {name: v for name, v in zip(names, short, strict=True) if v},
        }
        for as_of, long, short in zip(
            benchmark_as_of, long_sums.tolist(), short_sums.tolist(), strict=True
        )
    ]


def _rows_for_dates(
    inputs: BatchInputs,
    returns: FloatArray,
    metrics: SecurityMetrics,
    valuation: Valuation,
    ts: IntArray,
    symbol_code: np.ndarray,
    column_bucket: np.ndarray,
) -> Columns:
    P, S, K = inputs.portfolios.id.size, len(inputs.symbols), ts.size
    V = K * P  # virtual portfolios: v = k * P + p
    rs = ts - valuation.offset
    nav = valuation.nav[rs].reshape(-1)
    held = held_positions(inputs, valuation, metrics.vol63, ts)
    pos = held.positions
    exposures = portfolio_exposures(pos, nav, V)
    matrix = exposure_matrix(pos, V, K * S)
    weighted = exposure_weighted_beta(
        matrix,
        metrics.beta.beta[ts].reshape(-1),
        metrics.beta.ols.r_squared[ts].reshape(-1),
        nav,
    )
    series = _series(matrix.matrix, nav, returns, ts, P, S)
    market = trailing_windows(returns[:, [inputs.market_column]], ts, BETA_WINDOW, first=1)
    figures = _series_figures(series, market, P)
    vol21, vol63 = figures["volatility_21d"], figures["volatility_63d"]
    trend = trend_from_volatilities(vol21, vol63)
    lot_value = np.asarray(valuation.value[rs[held.date], held.lot])
    # Sector sums add up the same exposures as long / short / gross (private holdings,
    # which have none, are left out rather than put in Unclassified).
    lot_exposure = position_exposure(pos)
    as_of = _benchmark_dates(inputs, ts)
    # -1 (no prices) picks the last entry of column_bucket: Unclassified.
    long_sums, short_sums = bucket_sums(pos.portfolio, column_bucket[held.column], lot_exposure, V)
    conc = concentration(pos.portfolio, symbol_code[held.lot], lot_value, V)

    def per_portfolio(values: np.ndarray) -> np.ndarray:
        finite = np.where(np.isfinite(values), values, 0.0)
        return np.bincount(pos.portfolio, weights=finite, minlength=V)[:V]

    held_value = per_portfolio(lot_value)
    live = np.flatnonzero((ts[:, None] >= valuation.inception[None, :]).reshape(-1))
    day_of = live // P  # k of each row
    unpriced = valuation.unpriced[rs].reshape(-1)[live]
    short_history = ~np.isfinite(figures["beta_direct"][live])
    no_volatility = ~np.isfinite(vol63[live])
    sectors = sector_json(long_sums[live], short_sums[live], [as_of[k] for k in day_of.tolist()])
    missing = _missing_figures(figures, weighted.beta, exposures.leverage, live)
    notes = [
        [
            *(
                [f"{int(unpriced[i])} held position(s) without a fresh price"]
                if unpriced[i]
                else []
            ),
            *(["direct beta: too little return history"] if short_history[i] else []),
            *(["volatility: too little return history"] if no_volatility[i] else []),
            *missing[i],
        ]
        for i in range(live.size)
    ]
    days = np.array([d.astype(object) for d in inputs.sessions[ts]], dtype=object)

    def at(values: np.ndarray) -> list[float | None]:
        return finite(values.reshape(-1)[live])

    columns: Columns = {
        "portfolio_id": np.tile(inputs.portfolios.id, K)[live].tolist(),
        "snapshot_date": days[day_of].tolist(),
        "nav": finite(nav[live]),
        "cash": finite(nav[live] - held_value[live]),
        "long_exposure": finite(exposures.long[live]),
        "short_exposure": finite(exposures.short[live]),
        "gross_exposure": finite(exposures.gross[live]),
        "net_exposure": finite(exposures.net[live]),
        "leverage": finite(exposures.leverage[live]),
        "private_value": finite(exposures.private_value[live]),
        "daily_pnl": at(valuation.pnl[rs]),
        "daily_return": at(valuation.daily_return[rs]),
        "cumulative_pnl": at(valuation.cumulative_pnl[rs]),
        "flows": at(valuation.flows[rs]),
        "n_positions": ints(exposures.n_positions[live]),
        "n_long": ints(exposures.n_long[live]),
        "n_short": ints(exposures.n_short[live]),
        "n_options": ints(exposures.n_options[live]),
        "n_private": ints(exposures.n_private[live]),
        "beta_weighted": finite(weighted.beta[live]),
        # column name kept from before issue #13: it holds the mean security R²
        "beta_weighted_r_squared": finite(weighted.mean_security_r_squared[live]),
        "beta_weighted_positions": ints(weighted.n_covered[live]),
        **{name: finite(figures[name][live]) for name in SERIES_FIGURES},
        "beta_direct_observations": ints(figures["beta_direct_observations"][live]),
        "volatility_har_fallback": (figures["volatility_har_fallback"][live] > 0).tolist(),
        "volatility_trend": [str(label) or None for label in trend.label[live]],
        "sector_exposure": sectors,
        "hhi": finite(conc.hhi[live]),
        "effective_positions": finite(conc.effective_n[live]),
        "top3_weight": finite(conc.top3[live]),
        "top10_weight": finite(conc.top10[live]),
        "is_complete": [not n for n in notes],
        "notes": notes,
    }
    return columns

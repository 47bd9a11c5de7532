"""Security-level analytics: computed once per symbol and date, shared by all portfolios."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sigmasight.analytics._typing import Reason
from sigmasight.analytics.beta import (
    BETA_CAP,
    BETA_MIN_OBS,
    BETA_WINDOW,
    BetaResult,
    rolling_security_beta,
)
from sigmasight.analytics.returns import simple_returns
from sigmasight.analytics.volatility import (
    HARForecast,
    VolPercentile,
    VolTrend,
    har_forecasts_at,
    rolling_volatility,
    rolling_volatility_percentile,
    trend_from_volatilities,
)
from sigmasight.batch.columns import finite
from sigmasight.batch.inputs import BatchInputs, FloatArray
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR

#: Returns in each HAR fit: the two years ending at the figure's date.
HAR_FIT_WINDOW = 2 * TRADING_DAYS_PER_YEAR
#: Sessions of history a run loads before its first date (HAR window plus slack).
LOOKBACK_SESSIONS = HAR_FIT_WINDOW + 10


def aligned_returns(prices: FloatArray) -> FloatArray:
    """Simple returns with row t the return into session t (row 0 is NaN)."""
    out = np.full(prices.shape, np.nan)
    out[1:] = simple_returns(prices)
    return out


@dataclass(frozen=True)
class SecurityMetrics:
    """Per-security figures for the rows of a run, arrays (R, S); full-length vols (T, S)."""

    rows: slice
    beta: BetaResult  # fields (T, S); p-values only for ``rows``
    p_value: FloatArray  # (R, S)
    vol21: FloatArray  # (T, S)
    vol63: FloatArray  # (T, S)
    har: HARForecast  # fields (R, S); coef (R, 4, S)
    trend: VolTrend  # (R, S)
    percentile: VolPercentile  # (R, S)


def security_metrics(inputs: BatchInputs, returns: FloatArray, rows: slice) -> SecurityMetrics:
    """Beta, volatility, HAR forecast, trend and percentile for every symbol and row.

    Rolling figures come from prefix-sum kernels over the whole panel (each row uses
    only rows up to itself); the HAR model is re-fitted for each row on the
    :data:`HAR_FIT_WINDOW` returns ending there, all symbols at once.
    """
    market = returns[:, inputs.market_column]
    beta = rolling_security_beta(returns, market, BETA_WINDOW, BETA_MIN_OBS, BETA_CAP)
    vol21 = np.asarray(rolling_volatility(returns, 21).volatility)
    vol63 = np.asarray(rolling_volatility(returns, 63).volatility)
    ends = np.arange(rows.start, rows.stop)
    har = har_forecasts_at(returns, ends, HAR_FIT_WINDOW, first=1)  # row 0 has no return
    return SecurityMetrics(
        rows=rows,
        beta=beta,
        p_value=beta.ols.p_value(rows),
        vol21=vol21,
        vol63=vol63,
        har=har,
        trend=trend_from_volatilities(vol21[rows], vol63[rows]),
        percentile=rolling_volatility_percentile(vol21, rows),
    )


def beta_rows(
    inputs: BatchInputs, metrics: SecurityMetrics, method: str = "ols"
) -> dict[str, list[Any]]:
    """Rows (as columns) for ``security_market_betas`` (every symbol but the market itself), built a
    column at a time over (run row, symbol)."""
    b, ols = metrics.beta, metrics.beta.ols
    rows = metrics.rows
    keep = np.array([s != inputs.market_column for s in range(len(inputs.symbols))])
    n_rows, n_kept = rows.stop - rows.start, int(keep.sum())

    def cells(values: np.ndarray) -> np.ndarray:
        return np.asarray(values)[:, keep].reshape(-1)

    days = [d.astype(object) for d in inputs.sessions[rows]]
    names = [sym for sym, k in zip(inputs.symbols, keep, strict=True) if k]
    reasons = {int(r): Reason(int(r)).name for r in np.unique(ols.reason[rows])}
    n = n_rows * n_kept
    return {
        "symbol": names * n_rows,
        "calc_date": [d for d in days for _ in range(n_kept)],
        "method": [method] * n,
        "window": [BETA_WINDOW] * n,
        "market_index": [inputs.symbols[inputs.market_column]] * n,
        "beta": finite(cells(b.beta[rows])),
        "beta_uncapped": finite(cells(ols.beta[rows])),
        "capped": cells(b.capped[rows]).astype(bool).tolist(),
        "alpha": finite(cells(ols.alpha[rows])),
        "r_squared": finite(cells(ols.r_squared[rows])),
        "std_error": finite(cells(ols.se_beta[rows])),
        "t_stat": finite(cells(ols.t_beta[rows])),
        "p_value": finite(cells(metrics.p_value)),
        "observations": cells(ols.n_obs[rows]).astype(np.int64).tolist(),
        "reason": [reasons[int(r)] for r in cells(ols.reason[rows])],
    }


def volatility_rows(inputs: BatchInputs, metrics: SecurityMetrics) -> dict[str, list[Any]]:
    """Rows for ``security_volatility`` (every symbol, the market index included), as
    columns over (run row, symbol)."""
    rows = metrics.rows
    n_rows, n_symbols = rows.stop - rows.start, len(inputs.symbols)
    har = metrics.har
    fitted = (har.reason == 0) | har.fallback  # (R, S): a fallback's fit is still shown

    def har_field(name: str) -> np.ndarray:
        return np.asarray(getattr(har, name)).reshape(-1)

    def coefficient(k: int) -> list[float | None]:
        return finite(np.where(fitted, har.coef[:, k, :], np.nan).reshape(-1))

    days = [d.astype(object) for d in inputs.sessions[rows]]
    return {
        "symbol": list(inputs.symbols) * n_rows,
        "calc_date": [d for d in days for _ in range(n_symbols)],
        "realized_21d": finite(metrics.vol21[rows].reshape(-1)),
        "realized_63d": finite(metrics.vol63[rows].reshape(-1)),
        "har_const": coefficient(0),
        "har_daily": coefficient(1),
        "har_weekly": coefficient(2),
        "har_monthly": coefficient(3),
        "expected_21d": finite(har_field("volatility")),
        "trend": [str(label) or None for label in metrics.trend.label.reshape(-1)],
        "trend_strength": finite(metrics.trend.strength.reshape(-1)),
        "percentile": finite(metrics.percentile.percentile.reshape(-1)),
        "observations": har_field("n_obs").astype(np.int64).tolist(),
        "model_r_squared": finite(har_field("r_squared")),
        "har_fallback": har_field("fallback").astype(bool).tolist(),
    }

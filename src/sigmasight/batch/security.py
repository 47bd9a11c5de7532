"""Security-level analytics: computed once per symbol and date, shared by all portfolios."""

from __future__ import annotations

from dataclasses import dataclass

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
    har_forecast,
    rolling_volatility,
    rolling_volatility_percentile,
    trend_from_volatilities,
)
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
    har: list[HARForecast]  # one per row, fields (S,)
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
    har = [har_forecast(returns[max(t - HAR_FIT_WINDOW + 1, 1) : t + 1]) for t in _range(rows)]
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


def _range(rows: slice) -> range:
    return range(rows.start, rows.stop)


def _num(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def beta_rows(inputs: BatchInputs, metrics: SecurityMetrics, method: str = "ols") -> list[dict]:  # type: ignore[type-arg]
    """Rows for ``security_market_betas`` (every symbol but the market itself)."""
    b, ols = metrics.beta, metrics.beta.ols
    market = inputs.symbols[inputs.market_column]
    out = []
    for r, t in enumerate(_range(metrics.rows)):
        day = inputs.sessions[t].astype(object)
        for s, symbol in enumerate(inputs.symbols):
            if s == inputs.market_column:
                continue
            out.append(
                {
                    "symbol": symbol,
                    "calc_date": day,
                    "method": method,
                    "window": BETA_WINDOW,
                    "market_index": market,
                    "beta": _num(b.beta[t, s]),
                    "beta_uncapped": _num(ols.beta[t, s]),
                    "capped": bool(b.capped[t, s]),
                    "alpha": _num(ols.alpha[t, s]),
                    "r_squared": _num(ols.r_squared[t, s]),
                    "std_error": _num(ols.se_beta[t, s]),
                    "t_stat": _num(ols.t_beta[t, s]),
                    "p_value": _num(metrics.p_value[r, s]),
                    "observations": int(ols.n_obs[t, s]),
                    "reason": Reason(int(ols.reason[t, s])).name,
                }
            )
    return out


def volatility_rows(inputs: BatchInputs, metrics: SecurityMetrics) -> list[dict]:  # type: ignore[type-arg]
    """Rows for ``security_volatility`` (every symbol, the market index included)."""
    labels = metrics.trend.label
    out = []
    for r, t in enumerate(_range(metrics.rows)):
        day = inputs.sessions[t].astype(object)
        har = metrics.har[r]
        for s, symbol in enumerate(inputs.symbols):
            out.append(
                {
                    "symbol": symbol,
                    "calc_date": day,
                    "realized_21d": _num(metrics.vol21[t, s]),
                    "realized_63d": _num(metrics.vol63[t, s]),
                    "har_const": _num(har.coef[0, s]) if har.reason[s] == 0 else None,
                    "har_daily": _num(har.coef[1, s]) if har.reason[s] == 0 else None,
                    "har_weekly": _num(har.coef[2, s]) if har.reason[s] == 0 else None,
                    "har_monthly": _num(har.coef[3, s]) if har.reason[s] == 0 else None,
                    "expected_21d": _num(har.volatility[s]),
                    "trend": str(labels[r, s]) or None,
                    "trend_strength": _num(metrics.trend.strength[r, s]),
                    "percentile": _num(metrics.percentile.percentile[r, s]),
                    "observations": int(har.n_obs[s]),
                    "model_r_squared": _num(har.r_squared[s]),
                }
            )
    return out

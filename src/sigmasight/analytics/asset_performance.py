"""Per-security period returns and one-year risk, vectorised across securities.

Conventions (docs/methodology.md, "Asset metrics"): simple returns on adjusted closes;
horizons counted in trading sessions (:data:`~sigmasight.domain.horizons.RETURN_HORIZONS`);
returns over more than a year are annualised by compounding; volatility and Sharpe use
the 252 daily returns ending at the date (sample deviation, ddof = 1, times
:math:`\\sqrt{252}`); the maximum drawdown is over the 253 closes ending at the date,
with the running peak starting at the window's first close.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sigmasight.analytics._typing import FloatArray, IntArray, prefix_sum, window_diff
from sigmasight.analytics.volatility import rolling_volatility
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR

#: Bound on the (rows, columns, window) temporaries of :func:`max_drawdown_at` (elements).
_BLOCK_ELEMENTS = 4_000_000


def period_return(end: FloatArray, start: FloatArray, sessions: int) -> FloatArray:
    """Simple return from ``start`` to ``end`` prices, annualised beyond a year.

    .. math:: R = P_{end} / P_{start} - 1, \\qquad
              R_{ann} = (1 + R)^{252 / h} - 1 \\quad (h > 252)

    NaN where either price is missing or not positive.
    """
    ok = (end > 0) & (start > 0)
    ratio = np.where(ok, end / np.where(ok, start, 1.0), np.nan)
    if sessions > TRADING_DAYS_PER_YEAR:
        ratio = np.where(ok, ratio ** (TRADING_DAYS_PER_YEAR / sessions), np.nan)
    out: FloatArray = ratio - 1.0
    return out


def lagged(prices: FloatArray, rows: IntArray, lag: int) -> FloatArray:
    """``prices[rows - lag]`` (NaN where that row is before the panel), shape (R, S)."""
    source = rows - lag
    out = np.full((rows.size, prices.shape[1]), np.nan)
    inside = source >= 0
    out[inside] = prices[source[inside]]
    return out


def year_start_rows(sessions: np.ndarray, rows: IntArray) -> IntArray:
    """For each of ``rows``, the row of the last session of the previous calendar year
    (-1 when the panel does not reach back to it)."""
    years = sessions.astype("datetime64[Y]")
    firsts = np.searchsorted(sessions, years[rows].astype("datetime64[D]"), side="left")
    out: IntArray = (firsts - 1).astype(np.int64)
    return out


@dataclass(frozen=True, slots=True)
class YearRisk:
    """One-year risk at each requested row, arrays (R, S)."""

    volatility: FloatArray  # annualised
    sharpe: FloatArray  # annualised, mean excess / deviation x sqrt(252)
    max_drawdown: FloatArray  # <= 0: -0.25 is a 25 % fall from the running peak


def year_risk(
    prices: FloatArray, returns: FloatArray, rows: IntArray, risk_free_daily: float = 0.0
) -> YearRisk:
    """Volatility, Sharpe ratio and maximum drawdown over the year ending at each row.

    .. math:: \\sigma = s(r)\\sqrt{252}, \\qquad
              \\mathrm{Sharpe} = \\frac{\\bar r - r_f}{s(r)} \\sqrt{252}

    over the 252 returns ending at the row (all must be present, else NaN); ``r_f`` is
    the daily risk-free rate (per period, as every rate here).
    """
    n = TRADING_DAYS_PER_YEAR
    vol = rolling_volatility(returns, n, min_obs=n)
    sigma = np.asarray(vol.volatility)[rows]
    valid = ~np.isnan(returns)
    sums = window_diff(prefix_sum(np.where(valid, returns, 0.0)), n)[rows]
    daily_sd = sigma / np.sqrt(n)
    usable = np.isfinite(daily_sd) & (daily_sd > 0)
    excess = sums / n - risk_free_daily
    sharpe = np.where(usable, excess / np.where(usable, daily_sd, 1.0) * np.sqrt(n), np.nan)
    return YearRisk(sigma, sharpe, max_drawdown_at(prices, rows, n + 1))


def max_drawdown_at(prices: FloatArray, rows: IntArray, window: int) -> FloatArray:
    """Maximum drawdown over the ``window`` closes ending at each row, (R, S).

    .. math:: \\mathrm{MDD} = \\min_t \\left(\\frac{P_t}{\\max_{s \\le t} P_s} - 1\\right)

    with the peak starting at the window's first close (a fall on the first day
    counts). NaN where the window is incomplete or lacks a close.
    """
    R, S = rows.size, prices.shape[1]
    out = np.full((R, S), np.nan)
    inside = rows >= window - 1
    if not inside.any():
        return out
    views = np.lib.stride_tricks.sliding_window_view(prices, window, axis=0)  # (T-w+1, S, w)
    step = max(1, _BLOCK_ELEMENTS // max(1, S * window))
    picked = np.flatnonzero(inside)
    for lo in range(0, picked.size, step):
        chosen = picked[lo : lo + step]
        block = views[rows[chosen] - (window - 1)]  # (r, S, w)
        peak = np.maximum.accumulate(block, axis=2)
        draw = (block / peak - 1.0).min(axis=2)  # NaN propagates: incomplete window
        out[chosen] = draw
    return out

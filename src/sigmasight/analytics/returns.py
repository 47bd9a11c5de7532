"""Prices to returns, panel alignment with an explicit missing-data policy.

Conventions (docs/methodology.md): returns are simple returns
:math:`r_t = P_t / P_{t-1} - 1` on adjusted closes unless a function says ``log``;
a return is NaN when either price is missing; forward fill of prices is limited to a
stated number of consecutive days, never unbounded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sigmasight.analytics._typing import ArrayLike, FloatArray, IntArray
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR

#: Default limit of consecutive forward-filled prices (trading days).
DEFAULT_MAX_FILL = 3


def simple_returns(prices: ArrayLike) -> FloatArray:
    r"""Simple returns of a price array.

    .. math:: r_t = \frac{P_t}{P_{t-1}} - 1

    Parameters
    ----------
    prices : ndarray of shape (T,) or (T, N)
        Adjusted prices, time along axis 0. Non-positive prices are treated as missing.

    Returns
    -------
    ndarray of shape (T - 1,) or (T - 1, N)
        NaN where either price is missing or non-positive.
    """
    p = _clean_prices(prices)
    with np.errstate(invalid="ignore"):
        out: FloatArray = p[1:] / p[:-1] - 1.0
    return out


def log_returns(prices: ArrayLike) -> FloatArray:
    r"""Log returns :math:`\ln(P_t / P_{t-1})`, shapes as :func:`simple_returns`."""
    p = _clean_prices(prices)
    with np.errstate(invalid="ignore"):
        out: FloatArray = np.log(p[1:] / p[:-1])
    return out


def _clean_prices(prices: ArrayLike) -> FloatArray:
    p = np.array(prices, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        p[~(p > 0)] = np.nan
    return p


def annualise_volatility(
    daily_vol: ArrayLike, periods_per_year: int = TRADING_DAYS_PER_YEAR
) -> FloatArray:
    r"""Scale a per-period volatility to a year: :math:`\sigma_a = \sigma \sqrt{n}`."""
    out: FloatArray = np.asarray(daily_vol, dtype=np.float64) * np.sqrt(periods_per_year)
    return out


@dataclass(frozen=True, slots=True)
class AlignedPanel:
    """A time x symbols price panel on a common calendar.

    Attributes
    ----------
    prices : ndarray of shape (T, N)
        Observed prices, forward filled up to ``max_fill`` days; NaN beyond.
    filled : ndarray of shape (T, N), bool
        True where the price is a forward-filled copy, not an observation.
    n_missing : ndarray of shape (N,)
        Dates still missing (NaN) per symbol after the limited fill.
    """

    prices: FloatArray
    filled: np.ndarray
    n_missing: IntArray


def align_prices(
    calendar: ArrayLike,
    symbol_index: ArrayLike,
    dates: ArrayLike,
    values: ArrayLike,
    n_symbols: int,
    max_fill: int = DEFAULT_MAX_FILL,
) -> AlignedPanel:
    """Scatter long-format prices onto a calendar and forward fill at most ``max_fill`` days.

    Parameters
    ----------
    calendar : ndarray of shape (T,)
        Sorted unique trading dates (any orderable dtype, e.g. ``datetime64[D]``).
    symbol_index : ndarray of shape (M,)
        Column of each observation, in ``[0, n_symbols)``.
    dates, values : ndarray of shape (M,)
        Date and price of each observation. Dates not on the calendar are dropped
        (a non-trading-day quote never creates a row).
    n_symbols : int
        Number of columns N.
    max_fill : int, default 3
        Longest run of consecutive missing dates replaced by the last observed price.
        0 disables filling. A gap longer than this stays NaN for its whole length
        beyond the limit, so returns across it are NaN, not a silent stale price.

    Returns
    -------
    AlignedPanel
    """
    cal = np.asarray(calendar)
    d = np.asarray(dates)
    col = np.asarray(symbol_index, dtype=np.int64)
    val = np.asarray(values, dtype=np.float64)
    pos = np.searchsorted(cal, d)
    on_cal = (pos < cal.size) & (cal[np.minimum(pos, cal.size - 1)] == d)
    panel = np.full((cal.size, n_symbols), np.nan)
    panel[pos[on_cal], col[on_cal]] = val[on_cal]
    return fill_limited(panel, max_fill)


def fill_limited(panel: FloatArray, max_fill: int = DEFAULT_MAX_FILL) -> AlignedPanel:
    """Forward fill each column of a (T, N) array by at most ``max_fill`` consecutive rows."""
    t_idx = np.arange(panel.shape[0])[:, None]
    observed = np.isfinite(panel)
    last = np.where(observed, t_idx, -1)
    np.maximum.accumulate(last, axis=0, out=last)
    gap = t_idx - last
    use = (~observed) & (last >= 0) & (gap <= max_fill)
    out = panel.copy()
    cols = np.broadcast_to(np.arange(panel.shape[1]), panel.shape)
    out[use] = panel[last[use], cols[use]]
    n_missing = (~np.isfinite(out)).sum(axis=0).astype(np.int64)
    return AlignedPanel(prices=out, filled=use, n_missing=n_missing)


def portfolio_returns(
    weights: ArrayLike | sp.sparray | sp.spmatrix, returns: ArrayLike
) -> FloatArray:
    r"""Returns of P fixed-weight portfolios from security returns: :math:`R W^\top`.

    Parameters
    ----------
    weights : ndarray or scipy.sparse matrix of shape (P, N)
        Signed weights (exposure / equity; a short is negative). Held constant over
        the history: today's holdings applied to past returns (an ex-ante view).
    returns : ndarray of shape (T, N)

    Returns
    -------
    ndarray of shape (T, P)
        NaN on a date where any security held by the portfolio (non-zero weight) has a
        missing return; missing returns of securities it does not hold never matter.
    """
    W = sp.csr_array(weights)
    R = np.asarray(returns, dtype=np.float64)
    used = np.unique(W.indices)
    if used.size < R.shape[1] // 2:
        # A few books over a wide panel: only the securities they hold are read.
        W = sp.csr_array(
            (W.data, np.searchsorted(used, W.indices), W.indptr), shape=(W.shape[0], used.size)
        )
        RT = R.T[used]  # (N, T) in one copy (fancy indexing): NaN is zeroed below
    else:
        RT = R.T.copy()
    missing = ~np.isfinite(RT)
    gaps = np.flatnonzero(missing.any(axis=1))  # securities with a missing return
    RT[gaps] = np.where(missing[gaps], 0.0, RT[gaps])
    out: FloatArray = np.asarray(W @ RT).T
    if gaps.size:
        # Only the securities with gaps can spoil a date: one product over those.
        held = sp.csr_array((W[:, gaps] != 0).astype(np.float64))
        hit = np.asarray(held @ missing[gaps].astype(np.float64)).T > 0
        out[hit] = np.nan
    return out


def trailing_windows(panel: ArrayLike, ends: ArrayLike, window: int, first: int = 0) -> FloatArray:
    """The ``window`` rows of ``panel`` ending at each row of ``ends``, side by side.

    Parameters
    ----------
    panel : ndarray of shape (T, N)
    ends : int array of shape (K,)
        Last row of each window.
    window : int
        Rows per window.
    first : int, default 0
        No window reaches above this row.

    Returns
    -------
    ndarray of shape (window, K * N)
        Column ``k * N + j`` holds ``panel[max(ends[k] - window + 1, first) : ends[k] + 1, j]``
        aligned at the bottom, NaN above where the window was cut short. Every kernel
        here skips NaN rows as missing, so one call over this array gives each (window,
        column) pair what a call on its own slice gives, for all K windows at once.
    """
    P = np.asarray(panel, dtype=np.float64)
    last = np.asarray(ends, dtype=np.int64)
    out = np.full((window, last.size, P.shape[1]), np.nan)
    for k, end in enumerate(last.tolist()):
        lo = max(end - window + 1, first)
        out[window - (end + 1 - lo) :, k] = P[lo : end + 1]
    return out.reshape(window, last.size * P.shape[1])

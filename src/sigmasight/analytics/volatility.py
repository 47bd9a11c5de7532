"""Realized volatility, HAR volatility forecast, trend and percentile.

Conventions (docs/methodology.md): daily simple returns; sample standard deviation
(ddof = 1) over a trailing window counted in trading days; annualised by
:math:`\\sqrt{252}`. A portfolio's volatility is computed from its own return series
(:func:`~sigmasight.analytics.returns.portfolio_returns`), never by averaging position
volatilities.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sigmasight.analytics._typing import (
    ArrayLike,
    FloatArray,
    IntArray,
    Reason,
    ReasonArray,
    as_float_2d,
    prefix_sum,
    window_diff,
)
from sigmasight.analytics.regression import solve_normal_equations
from sigmasight.analytics.returns import trailing_windows
from sigmasight.domain.conventions import (
    TRADING_DAYS_PER_MONTH,
    TRADING_DAYS_PER_WEEK,
    TRADING_DAYS_PER_YEAR,
)

#: Columns fitted per pass: the fit makes some fifteen temporaries of the window's
#: length by this many columns, which then stay in the CPU's cache (504-row windows:
#: about 21 µs a series at 256 columns; the earlier kernel took 35 µs at 250 and 66 µs
#: at 4,096).
_COLUMN_CHUNK = 256
#: Lags of the HAR components (daily, weekly, monthly) in trading days.
HAR_LAGS: tuple[int, int, int] = (1, TRADING_DAYS_PER_WEEK, 22)


@dataclass(frozen=True, slots=True)
class VolResult:
    """Annualised volatility with its observation count; NaN where ``reason`` != OK."""

    volatility: FloatArray
    n_obs: IntArray
    reason: ReasonArray


def _squeeze(a: FloatArray | IntArray | ReasonArray, one_d: bool) -> FloatArray:
    return a[..., 0] if one_d else a  # type: ignore[return-value]


def _vol_from_sums(
    n: FloatArray, s: FloatArray, ss: FloatArray, min_obs: int, ppy: int
) -> VolResult:
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.maximum(ss - s * s / n, 0.0) / (n - 1.0)
    reason = np.where(n >= max(min_obs, 2), Reason.OK, Reason.INSUFFICIENT_DATA).astype(np.uint8)
    vol = np.where(
        reason == Reason.OK, np.sqrt(np.where(reason == Reason.OK, var, 0.0) * ppy), np.nan
    )
    return VolResult(volatility=vol, n_obs=n.astype(np.int64), reason=reason)


def realized_volatility(
    returns: ArrayLike,
    window: int = TRADING_DAYS_PER_MONTH,
    min_obs: int | None = None,
    periods_per_year: int = TRADING_DAYS_PER_YEAR,
) -> VolResult:
    r"""Annualised realized volatility over the last ``window`` rows of each column.

    .. math:: \sigma = \sqrt{\tfrac{252}{n-1} \sum_{t} (r_t - \bar r)^2}

    Parameters
    ----------
    returns : ndarray of shape (T,) or (T, N)
        Daily returns (NaN = missing, skipped).
    window : int, default 21
        Trading days; 63 gives the quarterly figure.
    min_obs : int, optional
        Minimum finite returns in the window (default: ``window``).

    Returns
    -------
    VolResult
        Fields (N,) or 0-d for 1-D input.
    """
    R, one_d = as_float_2d(returns)
    R = R[-window:]
    mask = np.isfinite(R)
    n = mask.sum(axis=0).astype(np.float64)
    mean = np.where(mask, R, 0.0).sum(axis=0) / np.maximum(n, 1.0)
    dev = np.where(mask, R - mean, 0.0)
    res = _vol_from_sums(n, dev.sum(0), (dev * dev).sum(0), min_obs or window, periods_per_year)
    return VolResult(*(_squeeze(a, one_d) for a in (res.volatility, res.n_obs, res.reason)))  # type: ignore[arg-type]


def rolling_volatility(
    returns: ArrayLike,
    window: int = TRADING_DAYS_PER_MONTH,
    min_obs: int | None = None,
    periods_per_year: int = TRADING_DAYS_PER_YEAR,
) -> VolResult:
    """:func:`realized_volatility` for the window ending at every row, fields (T, N).

    Prefix sums of mean-shifted returns and their squares, O(T x N) for any window.
    """
    R, one_d = as_float_2d(returns)
    mask = np.isfinite(R)
    centre = np.where(mask, R, 0.0).sum(axis=0) / np.maximum(mask.sum(axis=0), 1)
    dev = np.where(mask, R - centre, 0.0)
    n = window_diff(prefix_sum(mask.astype(np.float64)), window)
    s = window_diff(prefix_sum(dev), window)
    ss = window_diff(prefix_sum(dev * dev), window)
    res = _vol_from_sums(n, s, ss, min_obs or window, periods_per_year)
    return VolResult(*(_squeeze(a, one_d) for a in (res.volatility, res.n_obs, res.reason)))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class HARForecast:
    """HAR fit on daily squared returns and its iterated multi-step forecast.

    Attributes
    ----------
    coef : ndarray of shape (4, N)
        Constant, daily, weekly and monthly coefficients.
    path : ndarray of shape (horizon, N)
        Forecast daily variance (squared return) for each of the next ``horizon`` days.
    variance : ndarray of shape (N,)
        Sum of ``path``: the forecast variance of the ``horizon``-day return.
    volatility : ndarray of shape (N,)
        Annualised: :math:`\\sqrt{252 \\cdot variance / horizon}`.
    n_obs, reason : ndarray of shape (N,)
    r_squared : ndarray of shape (N,)
        In-sample R² of the fit on squared returns.
    fallback : bool ndarray of shape (N,)
        True where the fitted model forecast a non-positive daily variance on some day of
        the path (``reason`` is ``NONPOSITIVE_FORECAST``): ``variance`` and
        ``volatility`` are then the realized figures of the last ``horizon`` returns
        (sample variance x horizon; the realized ``horizon``-day volatility), never a
        number made from an impossible path. ``path`` is NaN there.
    """

    coef: FloatArray
    path: FloatArray
    variance: FloatArray
    volatility: FloatArray
    n_obs: IntArray
    reason: ReasonArray
    r_squared: FloatArray
    fallback: np.ndarray


_HAR_FIELDS = tuple(f.name for f in fields(HARForecast))


def _har_design(y: FloatArray) -> tuple[list[FloatArray], FloatArray, np.ndarray | None]:
    """Regressors (daily, weekly, monthly means of past values), target and row mask
    (``None`` when every row is usable, which spares the fit its masking passes)."""
    T, L = y.shape[0], HAR_LAGS[-1]
    ok = np.isfinite(y)
    complete = bool(ok.all())
    y0 = y if complete else np.where(ok, y, 0.0)
    csum = prefix_sum(y0)
    regs = [(csum[L:T] - csum[L - k : T - k]) / k for k in HAR_LAGS]
    if complete:
        return regs, y0[L:], None
    cbad = prefix_sum((~ok).astype(np.float64))
    clean = (cbad[L:T] - cbad[0 : T - L]) == 0
    return regs, y0[L:], clean & ok[L:]


def har_forecast(
    returns: ArrayLike,
    horizon: int = TRADING_DAYS_PER_MONTH,
    min_obs: int = TRADING_DAYS_PER_YEAR,
    periods_per_year: int = TRADING_DAYS_PER_YEAR,
) -> HARForecast:
    r"""Fit a HAR model to daily squared returns and forecast the next ``horizon`` days.

    .. math::
        r_t^2 = c + \beta_d\, r_{t-1}^2 + \beta_w \tfrac{1}{5}\sum_{i=1}^{5} r_{t-i}^2
        + \beta_m \tfrac{1}{22}\sum_{i=1}^{22} r_{t-i}^2 + \varepsilon_t

    fitted by OLS on every row whose target and 22 lags are finite (all columns at once,
    batched normal equations). The forecast is **iterated**: each day's prediction feeds
    the lags of the next, for ``horizon`` steps; the ``horizon``-day variance is the sum of
    the path, so the 21-day figure is a genuine 21-day horizon.

    Parameters
    ----------
    returns : ndarray of shape (T,) or (T, N)
        Daily returns up to the as-of date; the whole array is the fit sample.
    horizon : int, default 21
    min_obs : int, default 252
        Minimum usable rows for the fit.

    Returns
    -------
    HARForecast
    """
    R, one_d = as_float_2d(returns)
    chunks = [
        _har_columns(R[:, lo : lo + _COLUMN_CHUNK], horizon, min_obs, periods_per_year)
        for lo in range(0, max(R.shape[1], 1), _COLUMN_CHUNK)
    ]
    parts = [np.concatenate([getattr(c, n) for c in chunks], axis=-1) for n in _HAR_FIELDS]
    if one_d:
        return HARForecast(*(p[..., 0] for p in parts))
    return HARForecast(*parts)


def _har_columns(R: FloatArray, horizon: int, min_obs: int, periods_per_year: int) -> HARForecast:
    """:func:`har_forecast` of the columns of a 2-D ``R``."""
    y = R * R
    regs, target, mask = _har_design(y)
    coef, n, reason, r2 = _har_fit(regs, target, mask, min_obs)
    path = _har_iterate(coef, y, horizon)
    variance = path.sum(axis=0)
    tail_ok = np.isfinite(y[-HAR_LAGS[-1] :]).all(axis=0) & (y.shape[0] >= HAR_LAGS[-1])
    reason[(reason == Reason.OK) & ~tail_ok] = Reason.INSUFFICIENT_DATA
    # A daily variance forecast <= 0 on any step makes the path meaningless, even when
    # the sum stays positive: such columns fall back to the realized figure (flagged).
    fallback = (reason == Reason.OK) & ~(path > 0).all(axis=0)
    reason[fallback] = Reason.NONPOSITIVE_FORECAST
    bad = reason != Reason.OK
    variance = np.where(bad, np.nan, variance)
    if fallback.any():
        realized = realized_volatility(R[:, fallback], horizon, periods_per_year=periods_per_year)
        variance[fallback] = realized.volatility**2 / periods_per_year * horizon
    with np.errstate(invalid="ignore"):
        vol = np.sqrt(variance * periods_per_year / horizon)
    r2 = np.where(bad & ~fallback, np.nan, r2)  # a fallback's fit is still shown
    path = np.where(bad, np.nan, path)
    return HARForecast(coef, path, variance, vol, n.astype(np.int64), reason, r2, fallback)


def har_forecasts_at(
    returns: ArrayLike,
    ends: ArrayLike,
    window: int,
    first: int = 0,
    block_series: int = 256,
) -> HARForecast:
    """:func:`har_forecast` fitted on the ``window`` rows ending at each row of ``ends``.

    Each fit sees only its own window (rows ``max(end - window + 1, first) .. end``), so
    nothing looks ahead. Windows are laid side by side
    (:func:`~sigmasight.analytics.returns.trailing_windows`) and fitted in blocks of
    about ``block_series`` series per call, which bounds memory.

    Returns
    -------
    HARForecast
        Fields of shape (K, N); ``coef`` (K, 4, N) and ``path`` (K, horizon, N).
    """
    R, _ = as_float_2d(returns)
    last = np.asarray(ends, dtype=np.int64)
    N = R.shape[1]
    step = max(1, block_series // max(N, 1))
    parts = []
    for lo in range(0, max(last.size, 1), step):  # no window: one empty block, same shapes
        block = last[lo : lo + step]
        K = block.size
        fit = har_forecast(trailing_windows(R, block, window, first))
        parts.append(
            HARForecast(
                coef=fit.coef.reshape(4, K, N).transpose(1, 0, 2),
                path=fit.path.reshape(fit.path.shape[0], K, N).transpose(1, 0, 2),
                variance=fit.variance.reshape(K, N),
                volatility=fit.volatility.reshape(K, N),
                n_obs=fit.n_obs.reshape(K, N),
                reason=fit.reason.reshape(K, N),
                r_squared=fit.r_squared.reshape(K, N),
                fallback=fit.fallback.reshape(K, N),
            )
        )
    return HARForecast(*(np.concatenate([getattr(p, n) for p in parts]) for n in _HAR_FIELDS))


def _dot(a: FloatArray, b: FloatArray) -> FloatArray:
    """Column-wise dot products of two (T, N) arrays, with no (T, N) temporary."""
    out: FloatArray = np.einsum("tn,tn->n", a, b)
    return out


def _har_fit(
    regs: list[FloatArray], target: FloatArray, mask: np.ndarray | None, min_obs: int
) -> tuple[FloatArray, FloatArray, ReasonArray, FloatArray]:
    # Without a mask every row counts; with one, masked rows enter as exact zeros. A
    # complete column gets the same figures either way (x * 1.0 and x + 0.0 are exact).
    if mask is None:
        n = np.full(target.shape[1], float(target.shape[0]))
        means = [a.sum(axis=0) / n for a in regs]
        ybar = target.sum(axis=0) / n
        dev = [a - mu for a, mu in zip(regs, means, strict=True)]
        ydev = target - ybar
    else:
        m = mask.astype(np.float64)
        n = m.sum(axis=0)
        nn = np.maximum(n, 1.0)
        means = [(m * a).sum(axis=0) / nn for a in regs]
        ybar = (m * target).sum(axis=0) / nn
        dev = [m * (a - mu) for a, mu in zip(regs, means, strict=True)]
        ydev = m * (target - ybar)
    K = len(dev)
    gram = np.empty((n.size, K, K))
    for i in range(K):
        for j in range(i, K):
            gram[:, i, j] = gram[:, j, i] = _dot(dev[i], dev[j])
    cross = np.stack([_dot(d, ydev) for d in dev], axis=1)
    cyy = _dot(ydev, ydev)
    slopes, _, r2, reason = solve_normal_equations(gram, cross, cyy, n, 0.0, max(min_obs, K + 2))
    const = ybar - sum(slopes[:, k] * means[k] for k in range(K))
    return np.vstack([const, slopes.T]), n, reason, r2


def _har_iterate(coef: FloatArray, y: FloatArray, horizon: int) -> FloatArray:
    """Iterate the fitted model ``horizon`` days ahead, each prediction feeding the lags
    of the next (running sums over the weekly and monthly windows)."""
    L = HAR_LAGS[-1]
    buf = np.full((L + horizon, y.shape[1]), np.nan)
    tail = y[-L:]
    buf[L - tail.shape[0] : L] = tail
    sums = [buf[L - k : L].sum(axis=0) for k in HAR_LAGS]
    for h in range(horizon):
        end = L + h
        nxt = coef[0] + sum(coef[i + 1] * (sums[i] / k) for i, k in enumerate(HAR_LAGS))
        buf[end] = nxt
        for i, k in enumerate(HAR_LAGS):
            sums[i] = sums[i] + nxt - buf[end - k]
    out: FloatArray = buf[L:]
    return out


@dataclass(frozen=True, slots=True)
class VolTrend:
    """Direction (+1 increasing, -1 decreasing, 0 stable) and strength, shape (N,).

    ``strength`` is :math:`\\sigma_{short} / \\sigma_{long} - 1` (0.25 = short-term
    volatility 25 % above the longer window's).
    """

    direction: IntArray
    strength: FloatArray
    reason: ReasonArray

    @property
    def label(self) -> np.ndarray:
        """``"increasing"``, ``"decreasing"``, ``"stable"`` or ``""`` (no value)."""
        names = np.array(["decreasing", "stable", "increasing", ""])
        return names[np.where(self.reason == Reason.OK, self.direction + 1, 3)]


def volatility_trend(
    returns: ArrayLike,
    short_window: int = TRADING_DAYS_PER_MONTH,
    long_window: int = 3 * TRADING_DAYS_PER_MONTH,
    threshold: float = 0.10,
) -> VolTrend:
    """Trend of volatility: the 21-day realized volatility against the 63-day one.

    Increasing when the ratio exceeds ``1 + threshold``, decreasing below
    ``1 - threshold``, stable otherwise. ``returns`` (T, N) or (T,).
    """
    short = np.asarray(realized_volatility(returns, short_window).volatility)
    long = np.asarray(realized_volatility(returns, long_window).volatility)
    return trend_from_volatilities(short, long, threshold)


def trend_from_volatilities(short: ArrayLike, long: ArrayLike, threshold: float = 0.10) -> VolTrend:
    """:func:`volatility_trend` from precomputed short and long volatilities (any shape).

    Lets a caller that already holds rolling 21- and 63-day volatilities for every date
    classify all dates at once.
    """
    s = np.asarray(short, dtype=np.float64)
    lv = np.asarray(long, dtype=np.float64)
    ok = np.isfinite(s) & np.isfinite(lv) & (lv > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        strength = np.where(ok, s / lv - 1.0, np.nan)
        direction = np.where(strength > threshold, 1, np.where(strength < -threshold, -1, 0))
    reason = np.where(ok, Reason.OK, Reason.INSUFFICIENT_DATA).astype(np.uint8)
    return VolTrend(direction=direction.astype(np.int64), strength=strength, reason=reason)


@dataclass(frozen=True, slots=True)
class VolPercentile:
    """Percentile (0-100) of the current volatility in the past year, shape (N,)."""

    percentile: FloatArray
    n_obs: IntArray
    reason: ReasonArray


def volatility_percentile(
    returns: ArrayLike,
    window: int = TRADING_DAYS_PER_MONTH,
    lookback: int = TRADING_DAYS_PER_YEAR,
) -> VolPercentile:
    """Where today's ``window``-day volatility ranks among those of the last ``lookback`` days.

    .. math:: pct = 100 \\cdot \\frac{\\#\\{s : \\sigma_s \\le \\sigma_t\\}}{\\#\\{s\\}}

    over the dates s of the trailing ``lookback`` rows (today included) that have a
    ``window``-day volatility. Needs at least ``lookback`` returns (one year, 252): pass
    the history, not only the last window. With fewer than
    ``lookback - window + 1`` volatility values the result is NaN with
    ``INSUFFICIENT_DATA``.
    """
    R, one_d = as_float_2d(returns)
    span = R[-(lookback + window - 1) :]
    vols = rolling_volatility(span, window).volatility[-lookback:]
    current = vols[-1]
    valid = np.isfinite(vols)
    count = valid.sum(axis=0)
    below = (valid & (vols <= current)).sum(axis=0)
    ok = (count >= lookback - window + 1) & np.isfinite(current) & (R.shape[0] >= lookback)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(ok, 100.0 * below / count, np.nan)
    reason = np.where(ok, Reason.OK, Reason.INSUFFICIENT_DATA).astype(np.uint8)
    out = VolPercentile(pct, count.astype(np.int64), reason)
    if one_d:
        return VolPercentile(*(p[..., 0] for p in (out.percentile, out.n_obs, out.reason)))  # type: ignore[arg-type]
    return out


def rolling_volatility_percentile(
    vols: ArrayLike,
    rows: slice,
    window: int = TRADING_DAYS_PER_MONTH,
    lookback: int = TRADING_DAYS_PER_YEAR,
) -> VolPercentile:
    """:func:`volatility_percentile` for each row in ``rows`` at once.

    ``vols`` (T, N) are rolling ``window``-day volatilities of a return panel whose row t
    is the return of date t (NaN where the window is incomplete). Row t of the result
    equals ``volatility_percentile(returns[: t + 1])``. Only the requested rows are
    materialised (a (rows, N, lookback) view), so memory stays bounded.
    """
    V = np.asarray(vols, dtype=np.float64)
    start, stop, _ = rows.indices(V.shape[0])
    lo = max(start - lookback + 1, 0)
    pad = np.full((lookback - 1 - (start - lo), V.shape[1]), np.nan)
    block = np.concatenate([pad, V[lo:stop]], axis=0)
    windows = np.lib.stride_tricks.sliding_window_view(block, lookback, axis=0)
    current = V[start:stop]
    valid = np.isfinite(windows)
    count = valid.sum(axis=2)
    with np.errstate(invalid="ignore"):
        below = (valid & (windows <= current[:, :, None])).sum(axis=2)
    have_year = (np.arange(start, stop) + 1 >= lookback)[:, None]
    ok = (count >= lookback - window + 1) & np.isfinite(current) & have_year
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(ok, 100.0 * below / count, np.nan)
    reason = np.where(ok, Reason.OK, Reason.INSUFFICIENT_DATA).astype(np.uint8)
    return VolPercentile(pct, count.astype(np.int64), reason)

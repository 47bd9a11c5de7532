r"""Value at risk, expected shortfall, risk-adjusted ratios, drawdowns and risk level.

Conventions (docs/methodology.md, "Risk metrics"):

- Returns are daily simple returns, one column per series, time along axis 0. NaN is
  a missing observation: leading NaN rows (before a series starts) are skipped.
- VaR and CVaR are **positive numbers meaning a loss**, as fractions of NAV.
- The historical quantile is numpy's default (linear interpolation between order
  statistics, Hyndman-Fan type 7), as empyrical's ``value_at_risk``; historical CVaR
  is the mean of the returns at or below that quantile (empyrical's
  ``conditional_value_at_risk``).
- Ratios annualise with 252 periods a year and take the risk-free rate **per period**.

Every function takes any number of series at once: (T,) gives floats, (T, N) arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from sigmasight.analytics._typing import ArrayLike, FloatArray, IntArray, as_float_2d
from sigmasight.domain.conventions import TRADING_DAYS_PER_MONTH, TRADING_DAYS_PER_YEAR

#: Confidence levels of every VaR figure.
VAR_CONFIDENCES: tuple[float, ...] = (0.95, 0.99)
#: VaR methods, as served.
VAR_METHODS: tuple[str, ...] = ("historical", "parametric", "cornish_fisher")
#: Sessions of the ex-ante window (two years) and the fewest returns a VaR needs.
EX_ANTE_WINDOW = 2 * TRADING_DAYS_PER_YEAR
EX_ANTE_MIN_OBS = 100
#: Sessions of the realized window and the fewest returns a ratio needs.
REALIZED_WINDOW = 2 * TRADING_DAYS_PER_YEAR
REALIZED_MIN_OBS = TRADING_DAYS_PER_MONTH
#: Columns per pass of :func:`var_table`: a pass's temporaries (504 rows by this many
#: columns) stay in the CPU's cache.
COLUMN_CHUNK = 256
#: Risk level names, lowest first, and the upper band edges on annualised volatility
#: and on the 1-day 99 % historical VaR (each VaR edge is 2.33 daily sigmas of the
#: volatility edge, so a normal series lands in the same band on both).
RISK_LEVELS: tuple[str, ...] = ("Very Low", "Low", "Moderate", "High", "Very High")
VOLATILITY_BANDS: tuple[float, ...] = (0.08, 0.15, 0.25, 0.40)
VAR99_BANDS: tuple[float, ...] = (0.012, 0.022, 0.037, 0.059)


def _by_column(returns: ArrayLike) -> FloatArray:
    """(T, N) in column-major order: every sum over time then runs along one contiguous
    column, in the same order whatever N is, so a series gets the same figure to the
    last bit alone or beside thousands of others (a daily run equals a backfill)."""
    R, _ = as_float_2d(returns)
    return np.asfortranarray(R)


def _squeeze(a: FloatArray, one_d: bool) -> FloatArray:
    return a[0] if one_d else a


@dataclass(frozen=True, slots=True)
class VaRResult:
    """VaR and CVaR (positive = loss, fraction of NAV) and the observations used."""

    var: FloatArray
    cvar: FloatArray
    n_obs: IntArray


@dataclass(frozen=True, slots=True)
class Moments:
    """Sample mean, standard deviation (ddof 1), skewness and excess kurtosis
    (population moments, as ``scipy.stats.skew`` / ``kurtosis`` with ``bias=True``)."""

    mean: FloatArray
    std: FloatArray
    skewness: FloatArray
    excess_kurtosis: FloatArray
    n_obs: IntArray


def moments(returns: ArrayLike) -> Moments:
    r"""Moments of each column, NaN skipped.

    .. math:: S = m_3 / m_2^{3/2}, \qquad K = m_4 / m_2^2 - 3,
              \qquad m_k = \tfrac1n \sum (r_t - \bar r)^k
    """
    R = _by_column(returns)
    ok = np.isfinite(R)
    n = ok.sum(axis=0)
    nn = np.maximum(n, 1)
    if bool(ok.all()):  # the common case: no mask to apply
        mean = R.sum(axis=0) / nn
        dev = R - mean
    else:
        mean = np.where(ok, R, 0.0).sum(axis=0) / nn
        dev = np.where(ok, R - mean, 0.0)
    d2 = dev * dev
    m2 = d2.sum(axis=0) / nn
    m3 = (d2 * dev).sum(axis=0) / nn
    m4 = (d2 * d2).sum(axis=0) / nn
    good = (n >= 2) & (m2 > 0)
    safe = np.where(good, m2, 1.0)
    return Moments(
        mean=np.where(n >= 1, mean, np.nan),
        std=np.where(n >= 2, np.sqrt(m2 * nn / np.maximum(n - 1, 1)), np.nan),
        skewness=np.where(good, m3 / safe**1.5, np.nan),
        excess_kurtosis=np.where(good, m4 / (safe * safe) - 3.0, np.nan),
        n_obs=n.astype(np.int64),
    )


def historical_var(returns: ArrayLike, confidence: float, min_obs: int = 1) -> VaRResult:
    r"""Historical VaR and CVaR of each column.

    .. math:: \mathrm{VaR} = -Q_{1-c}(r), \qquad
              \mathrm{CVaR} = -\operatorname{mean}\{r_t : r_t \le Q_{1-c}(r)\}

    :math:`Q` is the linear-interpolation quantile (numpy's default). NaN where a
    column has fewer than ``min_obs`` returns.
    """
    R, one_d = as_float_2d(returns)
    n = np.isfinite(R).sum(axis=0)
    var, cvar = _historical_sorted(np.sort(_by_column(R), axis=0), n, confidence, min_obs)
    return VaRResult(_squeeze(var, one_d), _squeeze(cvar, one_d), n.astype(np.int64))


def _historical_sorted(
    ordered: FloatArray, n: IntArray, confidence: float, min_obs: int
) -> tuple[FloatArray, FloatArray]:
    """Historical VaR and CVaR from columns sorted ascending (NaN last), ``n`` known each."""
    cols = np.arange(ordered.shape[1])
    h = (np.maximum(n, 1) - 1) * (1.0 - confidence)
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
    below, above = ordered[lo, cols], ordered[hi, cols]
    quantile = below + (h - lo) * (above - below)
    in_tail = ordered <= quantile  # NaN compares False
    k = in_tail.sum(axis=0)
    tail_sum = np.where(in_tail, ordered, 0.0).sum(axis=0)
    ok = n >= max(min_obs, 1)
    var = np.where(ok, -quantile, np.nan)
    cvar = np.where(ok, -tail_sum / np.maximum(k, 1), np.nan)
    return var, cvar


def parametric_var(returns: ArrayLike, confidence: float, min_obs: int = 2) -> VaRResult:
    r"""Normal (variance-covariance) VaR and CVaR from the sample mean and std.

    .. math:: \mathrm{VaR} = -(\mu + z_{1-c}\,\sigma), \qquad
              \mathrm{CVaR} = -\Big(\mu - \sigma\,\frac{\varphi(z_{1-c})}{1-c}\Big)
    """
    R, one_d = as_float_2d(returns)
    m = moments(R)
    var, cvar = _normal(m, confidence, min_obs)
    return VaRResult(_squeeze(var, one_d), _squeeze(cvar, one_d), m.n_obs)


def cornish_fisher_var(returns: ArrayLike, confidence: float, min_obs: int = 2) -> VaRResult:
    r"""Modified (Cornish-Fisher) VaR and the tail mean of the same quantile function.

    .. math::
        z_{cf} = z + \frac{(z^2-1)S}{6} + \frac{(z^3-3z)K}{24} - \frac{(2z^3-5z)S^2}{36},
        \qquad \mathrm{VaR} = -(\mu + z_{cf}\,\sigma)

    CVaR averages the expanded quantile over the tail probabilities :math:`u < 1-c`
    (closed form from the truncated normal moments, :math:`\alpha = 1-c`):

    .. math::
        \mathrm{CVaR} = -\Big(\mu - \sigma\frac{\varphi(z)}{\alpha}
        \big[1 + \tfrac{zS}{6} + \tfrac{(z^2-1)K}{24} - \tfrac{(2z^2-1)S^2}{36}\big]\Big)

    :math:`S` is the skewness and :math:`K` the excess kurtosis (:func:`moments`).
    """
    R, one_d = as_float_2d(returns)
    m = moments(R)
    var, cvar = _cornish_fisher(m, confidence, min_obs)
    return VaRResult(_squeeze(var, one_d), _squeeze(cvar, one_d), m.n_obs)


def _z_phi(confidence: float) -> tuple[float, float, float]:
    alpha = 1.0 - confidence
    z = float(ndtri(alpha))
    return alpha, z, float(np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi))


def _normal(m: Moments, confidence: float, min_obs: int) -> tuple[FloatArray, FloatArray]:
    alpha, z, phi = _z_phi(confidence)
    ok = m.n_obs >= max(min_obs, 2)
    var = np.where(ok, -(m.mean + z * m.std), np.nan)
    cvar = np.where(ok, -(m.mean - m.std * phi / alpha), np.nan)
    return var, cvar


def _cornish_fisher(m: Moments, confidence: float, min_obs: int) -> tuple[FloatArray, FloatArray]:
    alpha, z, phi = _z_phi(confidence)
    S, K = m.skewness, m.excess_kurtosis
    z_cf = z + (z * z - 1) * S / 6 + (z**3 - 3 * z) * K / 24 - (2 * z**3 - 5 * z) * S * S / 36
    bracket = 1 + z * S / 6 + (z * z - 1) * K / 24 - (2 * z * z - 1) * S * S / 36
    ok = (m.n_obs >= max(min_obs, 2)) & np.isfinite(S)
    var = np.where(ok, -(m.mean + z_cf * m.std), np.nan)
    cvar = np.where(ok, -(m.mean - m.std * phi / alpha * bracket), np.nan)
    return var, cvar


def overlapping_returns(returns: ArrayLike, horizon: int = TRADING_DAYS_PER_MONTH) -> FloatArray:
    r"""Compounded returns over every run of ``horizon`` consecutive rows.

    .. math:: R_t = \prod_{j=0}^{h-1} (1 + r_{t-j}) - 1

    Shape (T, N) -> (T - h + 1, N); NaN where a run touches a missing return.
    """
    R, one_d = as_float_2d(returns)
    rows = R.shape[0] - horizon + 1
    if rows <= 0:
        out = np.full((0, R.shape[1]), np.nan)
    elif bool((R > -1.0).all()):  # all finite and above -100 %: sums of log growth
        logs = np.zeros((R.shape[0] + 1, R.shape[1]))
        np.cumsum(np.log1p(R), axis=0, out=logs[1:])
        out = np.expm1(logs[horizon:] - logs[:rows])
    else:  # missing returns (NaN propagates) or total losses: the product itself
        out = 1.0 + R[:rows]
        for j in range(1, horizon):
            out *= 1.0 + R[j : j + rows]
        out -= 1.0
    return out[:, 0] if one_d else out


@dataclass(frozen=True, slots=True)
class VaREstimate:
    """One row of the VaR table, for every series (arrays (N,))."""

    method: str
    confidence: float
    horizon_days: int
    scaling: str  # one_day | sqrt_time | overlapping
    var: FloatArray
    cvar: FloatArray


def var_table(
    returns: ArrayLike,
    min_obs: int = EX_ANTE_MIN_OBS,
    horizon: int = TRADING_DAYS_PER_MONTH,
) -> list[VaREstimate]:
    r"""Every VaR/CVaR figure of each column: three methods at each of
    :data:`VAR_CONFIDENCES` over one day, the same scaled by :math:`\sqrt{h}` to
    ``horizon`` days (a convention, labelled ``sqrt_time``), and the historical figure
    of the overlapping ``horizon``-day compounded returns (labelled ``overlapping``).
    """
    R, _ = as_float_2d(returns)
    labels = [
        label
        for c in VAR_CONFIDENCES
        for label in [
            *(
                (method, c, scaling)
                for method in VAR_METHODS
                for scaling in ("one_day", "sqrt_time")
            ),
            ("historical", c, "overlapping"),
        ]
    ]
    N = R.shape[1]
    var = {label: np.empty(N) for label in labels}
    cvar = {label: np.empty(N) for label in labels}
    root = float(np.sqrt(horizon))
    for lo in range(0, N, COLUMN_CHUNK):
        part = slice(lo, min(lo + COLUMN_CHUNK, N))
        chunk = _by_column(R[:, part])
        m = moments(chunk)
        ordered = np.sort(chunk, axis=0)
        long_run = overlapping_returns(chunk, horizon)
        ordered_long = np.sort(_by_column(long_run), axis=0)
        n_long = np.isfinite(long_run).sum(axis=0)
        for c in VAR_CONFIDENCES:
            day = {
                "historical": _historical_sorted(ordered, m.n_obs, c, min_obs),
                "parametric": _normal(m, c, min_obs),
                "cornish_fisher": _cornish_fisher(m, c, min_obs),
            }
            for method, (v, cv) in day.items():
                var[(method, c, "one_day")][part], cvar[(method, c, "one_day")][part] = v, cv
                var[(method, c, "sqrt_time")][part] = v * root
                cvar[(method, c, "sqrt_time")][part] = cv * root
            month = _historical_sorted(ordered_long, n_long, c, max(min_obs - horizon + 1, 1))
            var[("historical", c, "overlapping")][part] = month[0]
            cvar[("historical", c, "overlapping")][part] = month[1]
    return [
        VaREstimate(method, c, 1 if scaling == "one_day" else horizon, scaling, v, cv)
        for (method, c, scaling), v, cv in zip(
            labels, (var[k] for k in labels), (cvar[k] for k in labels), strict=True
        )
    ]


@dataclass(frozen=True, slots=True)
class Ratios:
    """Risk-adjusted ratios of each column (annualised unless named daily)."""

    annual_return: FloatArray  # compound annual growth rate
    volatility: FloatArray  # annualised std (ddof 1)
    sharpe_daily: FloatArray
    sharpe: FloatArray
    sortino: FloatArray
    downside_deviation: FloatArray  # annualised
    calmar: FloatArray
    omega: FloatArray
    beta: FloatArray
    treynor: FloatArray
    max_drawdown: FloatArray
    n_obs: IntArray


def _ratio(num: FloatArray, den: FloatArray, ok: np.ndarray) -> FloatArray:
    good = ok & np.isfinite(den) & (np.abs(den) > 1e-15)
    return np.where(good, num / np.where(good, den, 1.0), np.nan)


def ratios(
    returns: ArrayLike,
    market: ArrayLike | None = None,
    risk_free: float = 0.0,
    periods_per_year: int = TRADING_DAYS_PER_YEAR,
    min_obs: int = REALIZED_MIN_OBS,
) -> Ratios:
    r"""Sharpe, Sortino, Calmar, Omega and Treynor of each column.

    With :math:`x_t = r_t - r_f` (``risk_free`` per period) and :math:`A` the
    periods per year:

    .. math::
        \mathrm{Sharpe} = \sqrt{A}\,\frac{\bar x}{s_x}, \quad
        \mathrm{Sortino} = \sqrt{A}\,\frac{\bar x}{\sqrt{\tfrac1n\sum_t \min(x_t,0)^2}},\quad
        \mathrm{Calmar} = \frac{\mathrm{CAGR}}{|\mathrm{MDD}|},\quad
        \Omega = \frac{\sum_t \max(x_t,0)}{\sum_t \max(-x_t,0)},\quad
        \mathrm{Treynor} = \frac{A\,\bar x}{\beta}

    The Sortino denominator is the root mean square of the shortfall below the target
    over **all** periods (Sortino and Price 1994; empyrical's ``downside_risk``), not
    the std of the negative returns only. :math:`\mathrm{CAGR} = W_n^{A/n} - 1`.
    :math:`\beta` is the OLS slope of :math:`r` on ``market`` over the rows where
    both are known. NaN where fewer than ``min_obs`` returns or a zero denominator.
    """
    R, one_d = as_float_2d(returns)
    M = None if market is None else np.asarray(market, dtype=np.float64)
    parts = []
    for lo in range(0, max(R.shape[1], 1), COLUMN_CHUNK):
        cols = slice(lo, lo + COLUMN_CHUNK)
        chunk = _by_column(R[:, cols])
        sub = None if M is None else (M if M.ndim == 1 else _by_column(M[:, cols]))
        parts.append(_ratios(chunk, sub, risk_free, periods_per_year, min_obs))
    out = Ratios(*(np.concatenate([getattr(p, f) for p in parts]) for f in Ratios.__slots__))
    if one_d:
        return Ratios(*(np.asarray(getattr(out, f))[0] for f in Ratios.__slots__))
    return out


def _ratios(
    R: FloatArray,
    market: FloatArray | None,
    risk_free: float,
    periods_per_year: int,
    min_obs: int,
) -> Ratios:
    ok_r = np.isfinite(R)
    n = ok_r.sum(axis=0)
    ok = n >= max(min_obs, 2)
    nn = np.maximum(n, 1)
    x = np.where(ok_r, R - risk_free, 0.0)
    mean = x.sum(axis=0) / nn
    dev = np.where(ok_r, x - mean, 0.0)
    std = np.sqrt((dev * dev).sum(axis=0) / np.maximum(n - 1, 1))
    downside = np.sqrt((np.minimum(x, 0.0) ** 2).sum(axis=0) / nn)
    root = float(np.sqrt(periods_per_year))
    index = wealth_index(R)
    wealth = index[-1]
    growth = np.where(wealth > 0, np.abs(wealth) ** (periods_per_year / nn), 0.0) - 1.0
    cagr = np.where(ok, growth, np.nan)
    mdd = np.where(ok, (index / np.maximum.accumulate(index, axis=0)).min(axis=0) - 1.0, np.nan)
    gains = np.maximum(x, 0.0).sum(axis=0)
    losses = np.maximum(-x, 0.0).sum(axis=0)
    beta = _beta(R, market) if market is not None else np.full(R.shape[1], np.nan)
    sharpe_daily = _ratio(mean, std, ok)
    return Ratios(
        annual_return=cagr,
        volatility=np.where(ok, std * root, np.nan),
        sharpe_daily=sharpe_daily,
        sharpe=sharpe_daily * root,
        sortino=_ratio(mean * root, downside, ok),
        downside_deviation=np.where(ok, downside * root, np.nan),
        calmar=_ratio(cagr, np.abs(mdd), ok),
        omega=_ratio(gains, losses, ok),
        beta=np.where(ok, beta, np.nan),
        treynor=_ratio(mean * periods_per_year, beta, ok),
        max_drawdown=mdd,
        n_obs=n.astype(np.int64),
    )


def _beta(R: FloatArray, market: ArrayLike) -> FloatArray:
    M = np.asarray(market, dtype=np.float64)
    M = np.asfortranarray(np.broadcast_to(M[:, None] if M.ndim == 1 else M, R.shape))
    both = np.isfinite(R) & np.isfinite(M)
    n = np.maximum(both.sum(axis=0), 1)
    y = np.where(both, R, 0.0)
    m = np.where(both, M, 0.0)
    y_dev = np.where(both, y - y.sum(axis=0) / n, 0.0)
    m_dev = np.where(both, m - m.sum(axis=0) / n, 0.0)
    return _ratio((y_dev * m_dev).sum(axis=0), (m_dev * m_dev).sum(axis=0), both.sum(0) >= 2)


def wealth_index(returns: ArrayLike) -> FloatArray:
    """Growth of 1 with a leading baseline row of 1 (the value before the first return),
    missing returns counted as 0: shape (T, N) -> (T + 1, N)."""
    R, _ = as_float_2d(returns)
    out = np.empty((R.shape[0] + 1, R.shape[1]))
    out[0] = 1.0
    np.cumprod(np.where(np.isfinite(R), 1.0 + R, 1.0), axis=0, out=out[1:])
    return out


def drawdown_series(returns: ArrayLike) -> FloatArray:
    r"""Underwater curve (T + 1, N): :math:`D_t = W_t / \max(1, \max_{s \le t} W_s) - 1`.

    The running peak starts at the baseline 1 (the value before the first return), so a
    loss on the first day is a drawdown.
    """
    W = wealth_index(returns)
    return W / np.maximum.accumulate(W, axis=0) - 1.0


def max_drawdown(returns: ArrayLike) -> FloatArray:
    """The most negative value of :func:`drawdown_series` (0 without a loss)."""
    R, one_d = as_float_2d(returns)
    return _squeeze(drawdown_series(R).min(axis=0), one_d)


@dataclass(frozen=True, slots=True)
class DrawdownEpisodes:
    """Drawdown episodes of many series, worst first within each series.

    Indices are rows of the underwater curve (T + 1 rows, row 0 the baseline before the
    first return). ``recovery`` is -1 for an episode not yet recovered.
    """

    series: IntArray
    peak: IntArray
    trough: IntArray
    recovery: IntArray
    depth: FloatArray


def drawdown_episodes(returns: ArrayLike, worst: int | None = 5) -> DrawdownEpisodes:
    """Every episode below a running peak (at most ``worst`` per series, deepest first).

    An episode runs from the last row at the peak to the first row back at it; its depth
    is the lowest drawdown and its trough the first row at that depth.
    """
    R, _ = as_float_2d(returns)
    dd = np.ascontiguousarray(drawdown_series(R).T)  # (N, T + 1)
    _N, L = dd.shape
    under = dd < 0.0
    before = np.zeros_like(under)
    before[:, 1:] = under[:, :-1]
    after = np.zeros_like(under)
    after[:, :-1] = under[:, 1:]
    flat = dd.reshape(-1)
    starts = np.flatnonzero((under & ~before).reshape(-1))
    ends = np.flatnonzero((under & ~after).reshape(-1))
    if starts.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return DrawdownEpisodes(empty, empty, empty, empty, np.zeros(0))
    depth = np.minimum.reduceat(flat, starts)
    episode = np.cumsum((under & ~before).reshape(-1)) - 1
    at_depth = under.reshape(-1) & (flat == depth[np.maximum(episode, 0)])
    first_at = np.unique(episode[at_depth], return_index=True)[1]
    trough_flat = np.flatnonzero(at_depth)[first_at]
    series = starts // L
    recovered = (ends + 1) % L != 0
    order = np.lexsort((depth, series))
    if worst is not None:
        ranked = series[order]
        group_start = np.r_[0, np.flatnonzero(np.diff(ranked)) + 1]
        counts = np.diff(np.r_[group_start, ranked.size])
        rank = np.arange(ranked.size) - np.repeat(group_start, counts)
        order = order[rank < worst]
    return DrawdownEpisodes(
        series=series[order].astype(np.int64),
        peak=(starts[order] - 1) % L,
        trough=trough_flat[order] % L,
        recovery=np.where(recovered[order], (ends[order] + 1) % L, -1),
        depth=depth[order],
    )


def risk_level(volatility: ArrayLike, var99: ArrayLike) -> IntArray:
    """Index into :data:`RISK_LEVELS` (-1 when either input is missing): the higher of
    the annualised-volatility band and the 1-day 99 % VaR band."""
    vol = np.asarray(volatility, dtype=np.float64)
    var = np.asarray(var99, dtype=np.float64)
    known = np.isfinite(vol) & np.isfinite(var)
    by_vol = np.searchsorted(np.array(VOLATILITY_BANDS), np.where(known, vol, 0.0), "right")
    by_var = np.searchsorted(np.array(VAR99_BANDS), np.where(known, var, 0.0), "right")
    return np.where(known, np.maximum(by_vol, by_var), -1).astype(np.int64)


def diversification_ratio(
    weighted_volatility: ArrayLike, portfolio_volatility: ArrayLike
) -> FloatArray:
    r"""Choueifaty's diversification ratio with absolute weights (shorts count by size):

    .. math:: DR = \frac{\sum_i |w_i|\,\sigma_i}{\sigma_p}

    ``weighted_volatility`` is the numerator (for example ``|W| @ sigma``).
    """
    num = np.asarray(weighted_volatility, dtype=np.float64)
    den = np.asarray(portfolio_volatility, dtype=np.float64)
    return _ratio(num, den, np.isfinite(num))

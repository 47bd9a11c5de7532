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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np
from scipy.special import ndtri

from sigmasight.analytics import _blocks
from sigmasight.analytics._blocks import COLUMN_CHUNK
from sigmasight.analytics._typing import ArrayLike, FloatArray, IntArray, as_float_2d
from sigmasight.analytics.drawdowns import (
    DrawdownAnalysis,
    DrawdownEpisodes,
    drawdown_episodes,
    drawdown_series,
    max_drawdown,
    walk,
    wealth_index,
)
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
#: Risk level names, lowest first, and the upper band edges on annualised volatility
#: and on the 1-day 99 % historical VaR (each VaR edge is 2.33 daily sigmas of the
#: volatility edge, so a normal series lands in the same band on both).
RISK_LEVELS: tuple[str, ...] = ("Very Low", "Low", "Moderate", "High", "Very High")
VOLATILITY_BANDS: tuple[float, ...] = (0.08, 0.15, 0.25, 0.40)
VAR99_BANDS: tuple[float, ...] = (0.012, 0.022, 0.037, 0.059)


__all__ = [
    "COLUMN_CHUNK",
    "DrawdownEpisodes",
    "drawdown_episodes",
    "drawdown_series",
    "max_drawdown",
    "wealth_index",
]


def _kernels() -> ModuleType:
    """The compiled kernels (numba is imported on first use)."""
    from sigmasight.analytics import _kernels

    return _kernels


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
    R, _ = as_float_2d(returns)
    raw = np.empty((5, R.shape[1]))
    kernel = _kernels().moments_kernel
    _blocks.map_blocks(R, lambda part, block: kernel(block.T, part.start, raw))
    return _moments(raw)


def _moments(raw: FloatArray) -> Moments:
    """:class:`Moments` from the kernels' ``(n, mean, m2, m3, m4)`` rows."""
    n = raw[0].astype(np.int64)
    nn = np.maximum(n, 1)
    mean, m2, m3, m4 = raw[1], raw[2], raw[3], raw[4]
    good = (n >= 2) & (m2 > 0)
    safe = np.where(good, m2, 1.0)
    return Moments(
        mean=np.where(n >= 1, mean, np.nan),
        std=np.where(n >= 2, np.sqrt(m2 * nn / np.maximum(n - 1, 1)), np.nan),
        skewness=np.where(good, m3 / safe**1.5, np.nan),
        excess_kurtosis=np.where(good, m4 / (safe * safe) - 3.0, np.nan),
        n_obs=n,
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
    out = np.empty((1, 2, R.shape[1]))
    kernel = _kernels().historical_kernel
    levels, head = np.array([confidence]), _head_rows(R.shape[0], (confidence,))
    _blocks.map_blocks(R, lambda part, block: kernel(block.T, part.start, levels, head, out))
    var, cvar = _enough(out[0], n, min_obs)
    return VaRResult(_squeeze(var, one_d), _squeeze(cvar, one_d), n.astype(np.int64))


def _head_rows(T: int, confidences: Sequence[float]) -> int:
    """How many of the lowest order statistics the quantiles of ``T`` values need."""
    last = max(T - 1, 0)
    return min(max(math.floor(last * (1.0 - c)) + 2 for c in confidences), T)


def _enough(tails: FloatArray, n: IntArray, min_obs: int) -> tuple[FloatArray, FloatArray]:
    """The kernel's (VaR, CVaR) rows, NaN where fewer than ``min_obs`` values."""
    ok = n >= max(min_obs, 1)
    return np.where(ok, tails[0], np.nan), np.where(ok, tails[1], np.nan)


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

    .. math:: R_t = \prod_{j=0}^{h-1} (1 + r_{t-j}) - 1 = W_{t+1} / W_{t+1-h} - 1

    Shape (T, N) -> (T - h + 1, N); NaN where a run touches a missing return. The
    products are built by doubling (runs of 1, 2, 4, ... rows, then the binary digits
    of ``horizon`` combined): each value is rounded at most ~log2(h) times deeper than
    in a running product.
    """
    R, one_d = as_float_2d(returns)
    by_series = np.empty((R.shape[1], max(R.shape[0] - horizon + 1, 0)))
    if by_series.shape[1]:
        kernel = _kernels().overlapping_kernel
        _blocks.map_blocks(R, lambda part, block: kernel(block.T, horizon, by_series, part.start))
    out: FloatArray = by_series.T
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
    return ex_ante_risk(returns, min_obs, horizon).var


@dataclass(frozen=True, slots=True)
class ExAnteRisk:
    """:func:`moments` and :func:`var_table` of many series."""

    moments: Moments
    var: list[VaREstimate]


def ex_ante_risk(
    returns: ArrayLike,
    min_obs: int = EX_ANTE_MIN_OBS,
    horizon: int = TRADING_DAYS_PER_MONTH,
) -> ExAnteRisk:
    """:func:`moments` and :func:`var_table` of (T, N) returns, each block of series
    read once: the same figures as those functions, for the cost of one of them."""
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
    T, N = R.shape
    rows = max(T - horizon + 1, 0)
    heads = (_head_rows(T, VAR_CONFIDENCES), _head_rows(rows, VAR_CONFIDENCES))
    levels = np.array(VAR_CONFIDENCES)
    tails = np.empty((len(levels), 4, N))
    n_long = np.empty(N, dtype=np.int64)
    raw = np.empty((5, N))
    kernel = _kernels().ex_ante_kernel

    def one_block(part: slice, block: FloatArray) -> None:
        kernel(block.T, horizon, part.start, levels, heads, raw, tails, n_long)

    _blocks.map_blocks(R, one_block)
    m = _moments(raw)
    var: dict[tuple[str, float, str], FloatArray] = {}
    cvar: dict[tuple[str, float, str], FloatArray] = {}
    root = float(np.sqrt(horizon))
    for i, c in enumerate(VAR_CONFIDENCES):
        day = {
            "historical": _enough(tails[i, 0:2], m.n_obs, min_obs),
            "parametric": _normal(m, c, min_obs),
            "cornish_fisher": _cornish_fisher(m, c, min_obs),
        }
        for method, (v, cv) in day.items():
            var[(method, c, "one_day")], cvar[(method, c, "one_day")] = v, cv
            var[(method, c, "sqrt_time")], cvar[(method, c, "sqrt_time")] = v * root, cv * root
        month = _enough(tails[i, 2:4], n_long, max(min_obs - horizon + 1, 1))
        var[("historical", c, "overlapping")], cvar[("historical", c, "overlapping")] = month
    table = [
        VaREstimate(method, c, 1 if scaling == "one_day" else horizon, scaling, v, cv)
        for (method, c, scaling), v, cv in zip(
            labels, (var[k] for k in labels), (cvar[k] for k in labels), strict=True
        )
    ]
    return ExAnteRisk(m, table)


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
    found = walk(R, market, risk_free, worst=0)
    out = _ratios(found.sums, found.analysis, periods_per_year, min_obs)
    if one_d:
        return Ratios(*(np.asarray(getattr(out, f))[0] for f in Ratios.__slots__))
    return out


@dataclass(frozen=True, slots=True)
class RealizedRisk:
    """:func:`ratios`, drawdown episodes and current drawdown of many series."""

    ratios: Ratios
    episodes: DrawdownEpisodes
    current_drawdown: FloatArray


def realized_risk(
    returns: ArrayLike,
    market: ArrayLike | None = None,
    risk_free: float = 0.0,
    periods_per_year: int = TRADING_DAYS_PER_YEAR,
    min_obs: int = REALIZED_MIN_OBS,
    worst: int | None = 5,
) -> RealizedRisk:
    """:func:`ratios`, :func:`drawdown_episodes` (the ``worst`` deepest per series) and
    the last point of :func:`drawdown_series` of (T, N) returns, reading each series
    once: the same figures as those functions, for the cost of one of them."""
    R, _ = as_float_2d(returns)
    found = walk(R, market, risk_free, worst)
    analysis = found.analysis
    out = _ratios(found.sums, analysis, periods_per_year, min_obs)
    return RealizedRisk(out, analysis.episodes, analysis.current)


def _ratios(
    sums: FloatArray, drawdowns: DrawdownAnalysis, periods_per_year: int, min_obs: int
) -> Ratios:
    """:class:`Ratios` from the walk's sums and drawdowns (:func:`walk`)."""
    n = sums[0].astype(np.int64)
    mean, dev2, gains, losses, short2, beta = sums[1], sums[2], sums[3], sums[4], sums[5], sums[6]
    ok = n >= max(min_obs, 2)
    nn = np.maximum(n, 1)
    std = np.sqrt(dev2 / np.maximum(n - 1, 1))
    downside = np.sqrt(short2 / nn)
    root = float(np.sqrt(periods_per_year))
    wealth = drawdowns.final_wealth
    growth = np.where(wealth > 0, np.abs(wealth) ** (periods_per_year / nn), 0.0) - 1.0
    cagr = np.where(ok, growth, np.nan)
    mdd = np.where(ok, drawdowns.max_drawdown, np.nan)
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
        n_obs=n,
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


def warm_kernels() -> None:
    """Compile every kernel into numba's on-disk cache, through the same calls (and so
    the same argument types) as the figures use.

    The install script runs this once (``scripts/_env.sh``): without it a fresh checkout's
    first run compiles the kernels itself, about 2.5 s (the demo backfill measured
    4.65 s instead of 2.2 s). With the cache filled a new process loads them in
    ~0.2 s."""
    R = np.random.default_rng(0).normal(0.0, 0.01, (64, 3))
    R[0, 1] = np.nan
    moments(R)
    historical_var(R, VAR_CONFIDENCES[0])
    overlapping_returns(R, 5)
    ex_ante_risk(R, min_obs=2, horizon=5)
    realized_risk(R, R[:, 0], min_obs=2)
    realized_risk(R, None, min_obs=2, worst=None)
    max_drawdown(R)

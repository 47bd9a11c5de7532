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
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from scipy.special import ndtri

from sigmasight.analytics._typing import ArrayLike, FloatArray, IntArray, as_float_2d
from sigmasight.analytics.drawdowns import (
    DrawdownEpisodes,
    drawdown_analysis,
    drawdown_episodes,
    drawdown_series,
    max_drawdown,
    wealth_extremes,
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
#: Columns per pass of :func:`var_table`: a pass's temporaries (504 rows by this many
#: columns) stay in the CPU's cache.
COLUMN_CHUNK = 256
#: Risk level names, lowest first, and the upper band edges on annualised volatility
#: and on the 1-day 99 % historical VaR (each VaR edge is 2.33 daily sigmas of the
#: volatility edge, so a normal series lands in the same band on both).
RISK_LEVELS: tuple[str, ...] = ("Very Low", "Low", "Moderate", "High", "Very High")
VOLATILITY_BANDS: tuple[float, ...] = (0.08, 0.15, 0.25, 0.40)
VAR99_BANDS: tuple[float, ...] = (0.012, 0.022, 0.037, 0.059)


__all__ = [
    "DrawdownEpisodes",
    "drawdown_episodes",
    "drawdown_series",
    "max_drawdown",
    "wealth_index",
]


class _Work:
    """Column-major scratch arrays of one call, reused block after block: a fresh array
    of this size costs more than the arithmetic done in it (zeroed pages from the OS).
    Each block is a view of the first rows and columns, so every sum over time still
    runs along one contiguous column, in the same order whatever the number of series:
    a series gets the same figure to the last bit alone or beside thousands of others
    (a daily run equals a backfill)."""

    def __init__(self, rows: int, cols: int) -> None:
        self._shape = (rows, cols)
        self._arrays: dict[str, FloatArray] = {}

    def __call__(self, name: str, rows: int, cols: int) -> FloatArray:
        array = self._arrays.get(name)
        if array is None:
            array = self._arrays[name] = np.empty(self._shape, order="F")
        return array[:rows, :cols]


def _column_blocks(
    R: FloatArray, work: _Work, starts: Sequence[int] | None = None
) -> Iterator[tuple[slice, FloatArray]]:
    """Column blocks of ``R`` (:data:`COLUMN_CHUNK` columns: a block's temporaries stay
    in the CPU's cache) as column-major copies the caller may overwrite; those starting
    at ``starts`` (default: every block)."""
    for lo in range(0, R.shape[1], COLUMN_CHUNK) if starts is None else starts:
        part = slice(lo, min(lo + COLUMN_CHUNK, R.shape[1]))
        block = work("block", R.shape[0], part.stop - lo)
        np.copyto(block, R[:, part])
        yield part, block


def _work(R: FloatArray) -> _Work:
    return _Work(R.shape[0], min(R.shape[1], COLUMN_CHUNK))


#: Fewest column blocks a thread takes in :func:`_map_blocks` (fewer: one thread).
BLOCKS_PER_THREAD = 4

_T = TypeVar("_T")


def _threads() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def _map_blocks(R: FloatArray, fn: Callable[[slice, FloatArray, _Work], _T]) -> list[_T]:
    """``fn(part, block, work)`` for every column block of ``R``, in column order.

    The blocks are shared among the process's cores, consecutive blocks to a thread,
    each thread with its own scratch arrays: numpy runs the block's arithmetic, sorts
    and partitions without the GIL. Each block is computed exactly as in one thread
    (same block, same operations), so the figures are the same to the last bit."""
    N = R.shape[1]
    starts = list(range(0, N, COLUMN_CHUNK))
    workers = min(_threads(), len(starts) // BLOCKS_PER_THREAD)

    def run(group: list[int]) -> list[_T]:
        work = _work(R)
        return [fn(part, block, work) for part, block in _column_blocks(R, work, group)]

    if workers < 2:
        return run(starts)

    share = -(-len(starts) // workers)
    groups = [starts[i : i + share] for i in range(0, len(starts), share)]
    with ThreadPoolExecutor(len(groups)) as pool:
        return [x for found in pool.map(run, groups) for x in found]


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
    work = _work(R)
    return _joined([_block_moments(block, work) for _, block in _column_blocks(R, work)])


def _joined(parts: list[Moments]) -> Moments:
    """The moments of consecutive column blocks, side by side."""
    if not parts:
        empty = np.zeros(0)
        return Moments(empty, empty, empty, empty, np.zeros(0, dtype=np.int64))
    return Moments(*(np.concatenate([getattr(p, f) for p in parts]) for f in Moments.__slots__))


def _block_moments(R: FloatArray, work: _Work) -> Moments:
    """:func:`moments` of one column-major block (read only)."""
    T, cols = R.shape
    dev, d2 = work("dev", T, cols), work("d2", T, cols)
    total = R.sum(axis=0)
    if bool(np.isfinite(total).all()):  # every return finite: no mask to apply
        n = np.full(cols, T)
        nn = np.maximum(n, 1)
        mean = total / nn
        np.subtract(R, mean, out=dev)
    else:
        ok = np.isfinite(R)
        n = ok.sum(axis=0)
        nn = np.maximum(n, 1)
        mean = np.where(ok, R, 0.0).sum(axis=0) / nn
        np.copyto(dev, np.where(ok, R - mean, 0.0))
    np.multiply(dev, dev, out=d2)
    m2 = d2.sum(axis=0) / nn
    dev *= d2  # the cubes
    m3 = dev.sum(axis=0) / nn
    d2 *= d2  # the fourth powers
    m4 = d2.sum(axis=0) / nn
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
    heads = np.empty((_head_rows(R.shape[0], (confidence,)), R.shape[1]), order="F")
    for part, block in _column_blocks(R, _work(R)):
        _lowest_into(block, heads[:, part])
    var, cvar = _tails(heads, n, confidence, min_obs, lambda cols: R[:, cols])
    return VaRResult(_squeeze(var, one_d), _squeeze(cvar, one_d), n.astype(np.int64))


def _head_rows(T: int, confidences: Sequence[float]) -> int:
    """How many of the lowest order statistics the quantiles of ``T`` values need."""
    last = max(T - 1, 0)
    return min(max(math.floor(last * (1.0 - c)) + 2 for c in confidences), T)


def _lowest_into(block: FloatArray, out: FloatArray) -> None:
    """The ``len(out)`` lowest values of each column of a column-major block, ascending
    (NaN last), into ``out``: the block is partitioned about that order statistic (in
    place) and only the head is sorted."""
    k = out.shape[0]
    if k == 0:
        return
    if k < block.shape[0]:
        block.partition(k - 1, axis=0)
    head = block[:k]
    head.sort(axis=0)
    out[...] = head


def _tails(
    heads: FloatArray,
    n: IntArray,
    confidence: float,
    min_obs: int,
    columns: Callable[[IntArray], FloatArray],
) -> tuple[FloatArray, FloatArray]:
    """Historical VaR and CVaR from each column's lowest values, ascending (``heads``,
    column-major), ``n`` the column's finite values.

    The tail sum is a running sum of the sorted head read at the tail's length: the same
    additions in the same order however many rows the head has. A value past the head
    can sit at the quantile only if the head's last one does; for those columns
    ``columns(indices)`` gives every value, and the ties join the tail (the CVaR is the
    mean of every return at or below the quantile).
    """
    N = heads.shape[1]
    if heads.shape[0] == 0:
        return np.full(N, np.nan), np.full(N, np.nan)
    index = np.arange(N)
    last = np.maximum(n - 1, 0)
    h = last * (1.0 - confidence)
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, last)
    below, above = heads[lo, index], heads[hi, index]
    quantile = below + (h - lo) * (above - below)
    k = (heads <= quantile).sum(axis=0)  # NaN compares False
    tail_sum = np.cumsum(heads, axis=0)[np.maximum(k - 1, 0), index]
    ties = np.flatnonzero((heads[-1] <= quantile) & (n > heads.shape[0]))
    if ties.size:
        extra = (columns(ties) <= quantile[ties]).sum(axis=0) - k[ties]
        k[ties] += extra
        tail_sum[ties] += extra * quantile[ties]
    ok = (n >= max(min_obs, 1)) & (k > 0)
    return np.where(ok, -quantile, np.nan), np.where(ok, -tail_sum / np.maximum(k, 1), np.nan)


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

    Shape (T, N) -> (T - h + 1, N); NaN where a run touches a missing return.
    """
    R, one_d = as_float_2d(returns)
    work = _work(R)
    out = np.empty((max(R.shape[0] - horizon + 1, 0), R.shape[1]))
    for part, block in _column_blocks(R, work):
        out[:, part] = _overlapping(block, horizon, work)
    return out[:, 0] if one_d else out


def _overlapping(block: FloatArray, horizon: int, work: _Work) -> FloatArray:
    """:func:`overlapping_returns` of a column-major block (read only), column-major.

    The products of ``horizon`` growth factors are built by doubling (runs of 1, 2, 4,
    ... rows, then the binary digits of ``horizon`` combined): a handful of vector
    products instead of ``horizon`` of them, each factor rounded at most ~log2(h) times
    deeper than in a running product. A missing return's NaN propagates; a total loss
    gives a product of 0, as it should.

    Each product runs over the block's columns laid end to end as one vector (shifted
    copies of it): a run near the end of a column then mixes in the next column's first
    rows, but only rows past a column's last full run do, and those are never read.
    """
    T, cols = block.shape
    rows = max(T - horizon + 1, 0)
    if rows == 0 or cols == 0:
        return work("long", rows, cols)
    size = T * cols
    flat = {
        name: np.reshape(work(name, T, cols), -1, order="F", copy=False)
        for name in ("run", "spare", "long")
    }
    run, spare, out = flat["run"], flat["spare"], flat["long"]
    np.add(np.reshape(block, -1, order="F", copy=False), 1.0, out=run)  # runs of `width` rows
    width, covered = 1, 0
    with np.errstate(over="ignore", invalid="ignore"):  # only in the rows never read
        for bit in range(horizon.bit_length()):
            if bit:
                np.multiply(run[: size - width], run[width:], out=spare[: size - width])
                run, spare = spare, run
                width *= 2
            if horizon >> bit & 1:
                if covered:
                    np.multiply(out[: size - covered], run[covered:], out=out[: size - covered])
                else:
                    np.copyto(out, run)
                covered += width
    out -= 1.0
    return work("long", T, cols)[:rows]


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
    day_heads = np.empty((_head_rows(T, VAR_CONFIDENCES), N), order="F")
    month_heads = np.empty((_head_rows(rows, VAR_CONFIDENCES), N), order="F")
    n_long = np.empty(N, dtype=np.int64)

    def one_block(part: slice, block: FloatArray, work: _Work) -> Moments:
        m = _block_moments(block, work)
        long_run = _overlapping(block, horizon, work)
        complete = bool((m.n_obs == T).all())
        n_long[part] = rows if complete else np.isfinite(long_run).sum(axis=0)
        _lowest_into(block, day_heads[:, part])
        _lowest_into(long_run, month_heads[:, part])
        return m

    m = _joined(_map_blocks(R, one_block))
    var: dict[tuple[str, float, str], FloatArray] = {}
    cvar: dict[tuple[str, float, str], FloatArray] = {}
    root = float(np.sqrt(horizon))
    for c in VAR_CONFIDENCES:
        day = {
            "historical": _tails(day_heads, m.n_obs, c, min_obs, lambda cols: R[:, cols]),
            "parametric": _normal(m, c, min_obs),
            "cornish_fisher": _cornish_fisher(m, c, min_obs),
        }
        for method, (v, cv) in day.items():
            var[(method, c, "one_day")], cvar[(method, c, "one_day")] = v, cv
            var[(method, c, "sqrt_time")], cvar[(method, c, "sqrt_time")] = v * root, cv * root
        month = _tails(
            month_heads,
            n_long,
            c,
            max(min_obs - horizon + 1, 1),
            lambda cols: overlapping_returns(R[:, cols], horizon),
        )
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
    wealth, low = wealth_extremes(R)
    out = _all_ratios(R, market, wealth, low - 1.0, risk_free, periods_per_year, min_obs)
    if one_d:
        return Ratios(*(np.asarray(getattr(out, f))[0] for f in Ratios.__slots__))
    return out


def _all_ratios(
    R: FloatArray,
    market: ArrayLike | None,
    wealth: FloatArray,
    mdd: FloatArray,
    risk_free: float,
    periods_per_year: int,
    min_obs: int,
) -> Ratios:
    """:func:`ratios` of a (T, N) panel given each column's final wealth and maximum
    drawdown, block by block."""
    M = None if market is None else np.asarray(market, dtype=np.float64)

    def one_block(part: slice, chunk: FloatArray, work: _Work) -> Ratios:
        sub = None if M is None else (M if M.ndim == 1 else np.asfortranarray(M[:, part]))
        drawdown = (wealth[part], mdd[part])
        return _ratios(chunk, sub, drawdown, risk_free, periods_per_year, min_obs, work)

    parts = _map_blocks(R, one_block)
    if not parts:
        empty = np.empty((R.shape[0], 0), order="F")
        none = (np.zeros(0), np.zeros(0))
        parts.append(_ratios(empty, None, none, risk_free, 1, min_obs, _work(R)))
    return Ratios(*(np.concatenate([getattr(p, f) for p in parts]) for f in Ratios.__slots__))


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
    the last point of :func:`drawdown_series` of (T, N) returns, walking the wealth
    index once: the same figures as those functions, for the cost of one of them."""
    R, _ = as_float_2d(returns)
    analysis = drawdown_analysis(R, worst)
    wealth, mdd = analysis.final_wealth, analysis.max_drawdown
    found = _all_ratios(R, market, wealth, mdd, risk_free, periods_per_year, min_obs)
    return RealizedRisk(found, analysis.episodes, analysis.current)


def _ratios(
    R: FloatArray,
    market: FloatArray | None,
    drawdown: tuple[FloatArray, FloatArray],
    risk_free: float,
    periods_per_year: int,
    min_obs: int,
    work: _Work,
) -> Ratios:
    """:func:`ratios` of one column-major block (overwritten), given each column's final
    wealth and maximum drawdown."""
    T, cols = R.shape
    total = R.sum(axis=0)
    complete = bool(np.isfinite(total).all())  # every return finite: no mask to apply
    known = np.ones((0, 0), dtype=bool) if complete else np.isfinite(R)
    n = np.full(cols, T) if complete else known.sum(axis=0)
    ok = n >= max(min_obs, 2)
    nn = np.maximum(n, 1)
    x, dev, tmp = R, work("dev", T, cols), work("tmp", T, cols)
    if risk_free != 0.0 or not complete:
        x = work("x", T, cols)
        np.subtract(R, risk_free, out=x)
        if not complete:
            x[~known] = 0.0
    mean = (total if x is R else x.sum(axis=0)) / nn
    np.subtract(x, mean, out=dev)
    if not complete:
        dev[~known] = 0.0
    std = np.sqrt(np.square(dev, out=tmp).sum(axis=0) / np.maximum(n - 1, 1))
    if market is None:
        beta = np.full(cols, np.nan)
    elif complete and market.ndim == 1 and bool(np.isfinite(market).all()):
        # x - mean(x) is r - mean(r) shifted by the constant rate: the same deviations
        m_dev = market - market.sum() / max(market.size, 1)
        cov = np.multiply(dev, m_dev[:, None], out=tmp).sum(axis=0)
        beta = _ratio(cov, np.full(cols, float((m_dev * m_dev).sum())), n >= 2)
    else:
        beta = _beta(R, market, np.isfinite(R))
    gains = np.maximum(x, 0.0, out=tmp).sum(axis=0)
    shortfall = np.minimum(x, 0.0, out=x)  # x (or the block) is not needed any more
    losses = -shortfall.sum(axis=0)
    downside = np.sqrt(np.square(shortfall, out=shortfall).sum(axis=0) / nn)
    root = float(np.sqrt(periods_per_year))
    wealth, mdd = drawdown
    growth = np.where(wealth > 0, np.abs(wealth) ** (periods_per_year / nn), 0.0) - 1.0
    cagr = np.where(ok, growth, np.nan)
    mdd = np.where(ok, mdd, np.nan)
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


def _beta(R: FloatArray, market: ArrayLike, known: np.ndarray) -> FloatArray:
    M = np.asarray(market, dtype=np.float64)
    M = np.asfortranarray(np.broadcast_to(M[:, None] if M.ndim == 1 else M, R.shape))
    both = known & np.isfinite(M)
    n = np.maximum(both.sum(axis=0), 1)
    y = np.where(both, R, 0.0)
    m = np.where(both, M, 0.0)
    y_dev = np.where(both, y - y.sum(axis=0) / n, 0.0)
    m_dev = np.where(both, m - m.sum(axis=0) / n, 0.0)
    return _ratio((y_dev * m_dev).sum(axis=0), (m_dev * m_dev).sum(axis=0), both.sum(0) >= 2)


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

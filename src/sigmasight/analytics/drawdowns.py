r"""Wealth index, underwater curve and drawdown episodes of many return series at once.

Conventions (docs/methodology.md, "Drawdowns"): returns are daily simple returns, one
column per series, time along axis 0; a missing return counts as 0. The wealth index
starts with a baseline row of 1 (the value before the first return) and the running
peak starts there, so a loss on the first day is a drawdown.

The summaries (maximum and current drawdown, final wealth, the deepest episodes) come
from one compiled walk of each series (:func:`sigmasight.analytics._kernels.realized_kernel`),
column blocks shared among the cores. The full curves (:func:`wealth_index`,
:func:`drawdown_series`) are built by numpy: wide panels a session at a time (one vector
operation over all series per step), narrow ones by accumulations along each column.
Every figure of a series is computed by the same operations in the same order whatever
the number of series beside it, and the walk's figures equal the curves' to the bit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from sigmasight.analytics._blocks import map_blocks
from sigmasight.analytics._typing import ArrayLike, FloatArray, IntArray, as_float_2d

#: Panels at least this wide get their curves a session at a time (one vector operation
#: over all series per step); narrower ones by numpy's accumulations along each column.
WIDE = 128


def wealth_index(returns: ArrayLike) -> FloatArray:
    """Growth of 1 with a leading baseline row of 1 (the value before the first return),
    missing returns counted as 0: shape (T, N) -> (T + 1, N)."""
    R, _ = as_float_2d(returns)
    out = np.empty((R.shape[0] + 1, R.shape[1]))
    out[0] = 1.0
    if R.shape[1] < WIDE:
        np.cumprod(np.where(np.isfinite(R), 1.0 + R, 1.0), axis=0, out=out[1:])
        return out
    for t, growth in enumerate(_growth_rows(R)):
        np.multiply(out[t], growth, out=out[t + 1])
    return out


def drawdown_series(returns: ArrayLike) -> FloatArray:
    r"""Underwater curve (T + 1, N): :math:`D_t = W_t / \max(1, \max_{s \le t} W_s) - 1`.

    The running peak starts at the baseline 1 (the value before the first return), so a
    loss on the first day is a drawdown.
    """
    R, _ = as_float_2d(returns)
    if R.shape[1] < WIDE:
        W = wealth_index(R)
        return W / np.maximum.accumulate(W, axis=0) - 1.0
    return _underwater(R)


def max_drawdown(returns: ArrayLike) -> FloatArray:
    """The most negative value of :func:`drawdown_series` (0 without a loss)."""
    R, one_d = as_float_2d(returns)
    low = walk(R, worst=0).analysis.max_drawdown
    return low[0] if one_d else low


def _growth_rows(R: FloatArray) -> Iterator[FloatArray]:
    """:math:`1 + r_t` of each row (1 where the return is missing), one row at a time
    into the same buffer."""
    rows = R if R.flags.c_contiguous else np.ascontiguousarray(R)
    growth = np.empty(R.shape[1])
    complete = bool(np.isfinite(rows.sum(axis=0)).all())
    for t in range(rows.shape[0]):
        np.add(rows[t], 1.0, out=growth)
        if not complete:
            np.copyto(growth, 1.0, where=~np.isfinite(rows[t]))
        yield growth


def _underwater(R: FloatArray) -> FloatArray:
    """:func:`drawdown_series` a session at a time."""
    N = R.shape[1]
    out = np.empty((R.shape[0] + 1, N))
    out[0] = 0.0
    wealth, peak = np.ones(N), np.ones(N)
    for t, growth in enumerate(_growth_rows(R), start=1):
        np.multiply(wealth, growth, out=wealth)
        np.maximum(peak, wealth, out=peak)
        now = out[t]
        np.divide(wealth, peak, out=now)
        now -= 1.0
    return out


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
    return drawdown_analysis(returns, worst).episodes


@dataclass(frozen=True, slots=True)
class DrawdownAnalysis:
    """Everything about the drawdowns of many series from one walk along time."""

    episodes: DrawdownEpisodes
    #: Lowest point of the underwater curve (0 without a loss), (N,)
    max_drawdown: FloatArray
    #: Last point of the underwater curve, (N,)
    current: FloatArray
    #: Growth of 1 over the whole series (the wealth index's last row), (N,)
    final_wealth: FloatArray


def drawdown_analysis(returns: ArrayLike, worst: int | None = 5) -> DrawdownAnalysis:
    """:func:`drawdown_episodes`, :func:`max_drawdown`, the current drawdown and the
    final wealth, from one walk of each series."""
    R, _ = as_float_2d(returns)
    return walk(R, worst=worst).analysis


@dataclass(frozen=True, slots=True)
class Walk:
    """What one compiled read of each series gives (:func:`walk`)."""

    analysis: DrawdownAnalysis
    #: (7, N): n, mean excess return, sum of squared deviations, sum of gains, sum of
    #: losses, sum of squared shortfalls, beta (see ``realized_kernel``)
    sums: FloatArray


def walk(
    R: FloatArray,
    market: ArrayLike | None = None,
    risk_free: float = 0.0,
    worst: int | None = 5,
) -> Walk:
    """Drawdowns and the sums of the risk-adjusted ratios of each column of a (T, N)
    panel, reading each series once (:func:`sigmasight.analytics._kernels.realized_kernel`;
    ``worst`` episodes kept per series, all of them for None). ``market``: None, one
    series (T,) or one per column (T, N), for the beta."""
    from sigmasight.analytics import _kernels

    T, N = R.shape
    if worst is None:
        counts = np.zeros(N, dtype=np.int64)
        map_blocks(R, lambda part, block: _kernels.episode_count_kernel(block.T, counts[part]))
        worst = int(counts.max(initial=0))
    market_arr, market_dev = _market_inputs(market, T)
    sums, summary = np.empty((7, N)), np.empty((3, N))
    counts = np.empty(N, dtype=np.int64)
    rows = np.empty((N, max(worst, 0), 3), dtype=np.int64)
    depth = np.empty((N, max(worst, 0)))

    def one_block(part: slice, block: FloatArray) -> None:
        _kernels.realized_kernel(
            block.T, market_arr, market_dev, risk_free, part.start,
            sums, summary, counts, rows, depth,
        )  # fmt: skip

    map_blocks(R, one_block)
    keep = np.arange(rows.shape[1]) < counts[:, None]
    kept = rows[keep]
    episodes = DrawdownEpisodes(
        series=np.nonzero(keep)[0].astype(np.int64),
        peak=kept[:, 0].copy(),
        trough=kept[:, 1].copy(),
        recovery=kept[:, 2].copy(),
        depth=depth[keep],
    )
    analysis = DrawdownAnalysis(episodes, summary[0], summary[1], summary[2])
    return Walk(analysis, sums)


def _market_inputs(market: ArrayLike | None, T: int) -> tuple[FloatArray, FloatArray]:
    """The kernel's market arguments: the series as (T, 0), (T, 1) or (T, N), and a
    complete single series minus its mean (empty otherwise)."""
    if market is None:
        return np.empty((T, 0)), np.empty(0)
    M = np.asarray(market, dtype=np.float64)
    if M.ndim == 1:
        if M.shape[0] != T:
            raise ValueError(f"the market series has {M.shape[0]} rows, the returns {T}")
        dev = M - M.sum() / max(M.size, 1) if bool(np.isfinite(M).all()) else np.empty(0)
        return M[:, None], dev
    if M.shape[0] != T:
        raise ValueError(f"the market panel has {M.shape[0]} rows, the returns {T}")
    return np.asfortranarray(M), np.empty(0)

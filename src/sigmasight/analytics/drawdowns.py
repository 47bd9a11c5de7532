r"""Wealth index, underwater curve and drawdown episodes of many return series at once.

Conventions (docs/methodology.md, "Drawdowns"): returns are daily simple returns, one
column per series, time along axis 0; a missing return counts as 0. The wealth index
starts with a baseline row of 1 (the value before the first return) and the running
peak starts there, so a loss on the first day is a drawdown.

Wide panels (:data:`WIDE` series or more) are walked a session at a time: each step is
a handful of vector operations over all series, and the running product and running
maximum, which are sequential along time, never walk one column at a time. Every
figure of a series is computed by the same operations in the same order whatever the
number of series beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from sigmasight.analytics._typing import ArrayLike, FloatArray, IntArray, as_float_2d

#: Panels at least this wide are walked a session at a time (one vector operation over
#: all series per step); narrower ones by numpy's accumulations along each column.
WIDE = 128
#: Larger than 2**53 by far (no drawdown below zero is smaller than 2**-53 in size)
#: and still finite times -1: a drawdown times this is below any low under water.
_BIG = 1e300


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
    return _underwater(R, None)[0]


def max_drawdown(returns: ArrayLike) -> FloatArray:
    """The most negative value of :func:`drawdown_series` (0 without a loss)."""
    R, one_d = as_float_2d(returns)
    low = wealth_extremes(R)[1] - 1.0
    return low[0] if one_d else low


def wealth_extremes(R: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Final wealth :math:`W_T` and the lowest :math:`W_t / \\max_{s \\le t} W_s` of each
    column of a (T, N) panel: the same operations as :func:`drawdown_series` without
    keeping the curve (the maximum drawdown is the second minus 1)."""
    if R.shape[1] < WIDE:
        W = wealth_index(R)
        return W[-1].copy(), (W / np.maximum.accumulate(W, axis=0)).min(axis=0)
    N = R.shape[1]
    wealth, peak, low, ratio = np.ones(N), np.ones(N), np.ones(N), np.empty(N)
    for growth in _growth_rows(R):
        np.multiply(wealth, growth, out=wealth)
        np.maximum(peak, wealth, out=peak)
        np.divide(wealth, peak, out=ratio)
        np.minimum(low, ratio, out=low)
    return wealth, low


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


def _underwater(R: FloatArray, trough: IntArray | None) -> tuple[FloatArray, FloatArray]:
    """:func:`drawdown_series` a session at a time, and the final wealth; with ``trough``
    (T + 1, N), also the row where each series' current episode first reached its
    lowest so far."""
    N = R.shape[1]
    out = np.empty((R.shape[0] + 1, N))
    out[0] = 0.0
    wealth, peak = np.ones(N), np.ones(N)
    low, scaled, deeper = np.zeros(N), np.empty(N), np.empty(N, dtype=bool)
    if trough is not None:
        trough[0] = 0
    for t, growth in enumerate(_growth_rows(R), start=1):
        np.multiply(wealth, growth, out=wealth)
        np.maximum(peak, wealth, out=peak)
        now = out[t]
        np.divide(wealth, peak, out=now)
        now -= 1.0
        if trough is None:
            continue
        np.less(now, low, out=deeper)  # a new low of the episode: its trough so far
        trough[t] = trough[t - 1]
        np.copyto(trough[t], t, where=deeper)
        # The episode's low starts afresh at a peak: there D = 0 and D * BIG = 0, while
        # under water D * BIG is below any low (selects by arithmetic, no masked copy).
        np.fmin(low, now, out=low)
        np.multiply(now, _BIG, out=scaled)
        np.fmax(low, scaled, out=low)
    return out, wealth


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
    final wealth, computing the underwater curve once."""
    R, _ = as_float_2d(returns)
    L, N = R.shape[0] + 1, R.shape[1]
    low_row = None
    if N >= WIDE:
        low_row = np.empty((L, N), dtype=np.int32)
        dd, wealth = _underwater(R, low_row)
    else:
        W = wealth_index(R)
        dd, wealth = W / np.maximum.accumulate(W, axis=0) - 1.0, W[-1].copy()
    episodes = _episodes(dd, low_row, worst)
    return DrawdownAnalysis(episodes, dd.min(axis=0), dd[-1].copy(), wealth)


def _episodes(dd: FloatArray, low_row: IntArray | None, worst: int | None) -> DrawdownEpisodes:
    L = dd.shape[0]
    # Row 0 of every series is its baseline (never under water), so in the series-major
    # flat order an episode never runs from one series into the next.
    under = np.ascontiguousarray((dd < 0.0).T).reshape(-1)
    step = np.diff(under.view(np.int8), append=np.int8(0))
    starts = np.flatnonzero(step == 1) + 1
    ends = np.flatnonzero(step == -1)
    if starts.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return DrawdownEpisodes(empty, empty, empty, empty, np.zeros(0))
    series, last = np.divmod(ends, L)
    if low_row is not None:
        trough = low_row[last, series].astype(np.int64)  # the episode's low, at its end
    else:
        trough = _first_lowest(np.ascontiguousarray(dd.T).reshape(-1), starts, ends) % L
    depth = dd[trough, series]
    order = _deepest_first(series, depth, worst)
    ends = ends[order]
    return DrawdownEpisodes(
        series=series[order].astype(np.int64),
        peak=(starts[order] - 1) % L,
        trough=trough[order],
        recovery=np.where((ends + 1) % L != 0, (ends + 1) % L, -1),
        depth=depth[order],
    )


def _first_lowest(flat: FloatArray, starts: IntArray, ends: IntArray) -> IntArray:
    """First flat index of the lowest value in each ``[starts, ends]`` (narrow panels:
    the episodes' rows, listed once)."""
    lengths = ends - starts + 1
    depth = np.minimum.reduceat(flat, starts)  # between episodes the curve is 0
    offsets = np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    rows = np.arange(int(lengths.sum())) + offsets
    hit = np.flatnonzero(flat[rows] == np.repeat(depth, lengths))
    episode = np.searchsorted(np.cumsum(lengths), hit, side="right")
    first = np.r_[True, episode[1:] != episode[:-1]]
    out: IntArray = rows[hit[first]]
    return out


def _deepest_first(series: IntArray, depth: FloatArray, worst: int | None) -> IntArray:
    """Episode order by series, then depth (deepest first, earlier first on ties),
    keeping at most ``worst`` per series. Episodes come grouped by series: with a small
    ``worst``, a cut-off depth per series (its worst-th deepest, by a partition) leaves
    few to sort."""
    if worst is None:
        return np.lexsort((depth, series))
    group_start = np.r_[0, np.flatnonzero(np.diff(series)) + 1]
    counts = np.diff(np.r_[group_start, series.size])
    keep = np.arange(series.size)
    if worst < counts.max():
        rank = keep - np.repeat(group_start, counts)
        padded = np.full((group_start.size, int(counts.max())), np.inf)
        padded[np.repeat(np.arange(group_start.size), counts), rank] = depth
        cut = np.partition(padded, worst - 1, axis=1)[:, worst - 1]
        keep = np.flatnonzero(depth <= np.repeat(cut, counts))
    order = keep[np.lexsort((depth[keep], series[keep]))]
    ranked = series[order]
    start = np.r_[0, np.flatnonzero(np.diff(ranked)) + 1]
    rank = np.arange(ranked.size) - np.repeat(start, np.diff(np.r_[start, ranked.size]))
    out: IntArray = order[rank < worst]
    return out

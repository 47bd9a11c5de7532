"""Compiled one-pass kernels for the risk metrics and drawdowns of many series.

Each kernel takes a block of series laid out series-major, (N, T) C-contiguous (the
transpose of a column-major (T, N) block: ``R[j]`` is series ``j``, contiguous; one
layout, so one compiled version of each loop for every block), and handles one series
at a time: its few hundred returns stay in the CPU's first-level cache while every
figure of that series is computed from them, instead of one pass over the whole panel
per figure. numba compiles the kernels to machine code on first use (cached on disk beside
this file, or in numba's user cache when that is not writable) and they run without the
GIL, so callers share column blocks among the process's cores.

Conventions:

- The arithmetic of a series does not depend on the series beside it, so a series gets
  the same figure to the last bit alone or beside thousands of others (a daily run
  equals a backfill).
- Sums may be reassociated by the compiler to run in SIMD lanes (:data:`_sums`); every
  other operation is plain IEEE arithmetic in the order written, so the drawdowns equal
  :func:`sigmasight.analytics.drawdowns.drawdown_series`'s curve to the bit.
- NaN is a missing observation, skipped by the sums; the drawdown walk counts it as a
  return of 0.

Importing this module imports numba (about a second): the analytics modules import it
on first use, not when the package is imported.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sigmasight.analytics._typing import FloatArray, IntArray

#: Compiled on first call (cached on disk), the GIL released, a division by zero giving
#: inf or NaN as in numpy rather than raising.
_jit = numba.njit(cache=True, nogil=True, error_model="numpy")
#: The same for sums: the compiler may reassociate them (and fuse a multiply and an add)
#: to run them in SIMD lanes. A column's sum then depends on its length and the
#: machine's vector width, never on the columns beside it. NaN and infinities keep
#: their IEEE meaning (no "finite math" flags).
_sums = numba.njit(
    cache=True, nogil=True, error_model="numpy", fastmath={"reassoc", "nsz", "contract"}
)

#: The candidates of a tail selection are the values below mean + this many standard
#: deviations (about the lowest 10 % of a normal series): the few dozen values the
#: insertion sort then sees, instead of every value.
_SELECT_Z = -1.28


@_sums
def _count_sum(col: FloatArray) -> tuple[int, float]:
    """How many values of ``col`` are finite, and their sum."""
    n = 0
    total = 0.0
    for t in range(col.shape[0]):
        v = col[t]
        ok = math.isfinite(v)
        total += v if ok else 0.0
        n += ok
    return n, total


@_sums
def _central_sums(col: FloatArray, mean: float) -> tuple[float, float, float]:
    """Sums of the 2nd, 3rd and 4th powers of the finite values' deviations from
    ``mean``."""
    s2 = 0.0
    s3 = 0.0
    s4 = 0.0
    for t in range(col.shape[0]):
        v = col[t]
        d = v - mean if math.isfinite(v) else 0.0
        d2 = d * d
        s2 += d2
        s3 += d2 * d
        s4 += d2 * d2
    return s2, s3, s4


@_sums
def _ratio_sums(
    col: FloatArray, risk_free: float, market_dev: FloatArray, use_dev: bool
) -> tuple[int, float, float, float, float, float, float]:
    """Over the finite values of ``col``, with :math:`x = r - r_f`: n, the mean of x,
    the sum of squared deviations of x, the sums of max(x, 0), of -min(x, 0) and of
    min(x, 0)^2, and (with ``use_dev`` and ``col`` complete) the sum of the deviations
    times ``market_dev``."""
    n, total = _count_sum(col)
    mean = (total - n * risk_free) / max(n, 1)
    dev2 = 0.0
    gains = 0.0
    losses = 0.0
    short2 = 0.0
    for t in range(col.shape[0]):
        v = col[t]
        ok = math.isfinite(v)
        x = v - risk_free if ok else 0.0
        d = x - mean if ok else 0.0
        dev2 += d * d
        # max(x, 0) and min(x, 0) without a branch on the sign (both exact)
        size = abs(x)
        gains += (x + size) * 0.5
        s = (x - size) * 0.5
        losses -= s
        short2 += s * s
    cov = 0.0
    if use_dev and n == col.shape[0]:
        for t in range(col.shape[0]):
            cov += (col[t] - risk_free - mean) * market_dev[t]
    return n, mean, dev2, gains, losses, short2, cov


@_jit
def _insert(head: FloatArray, kept: int, v: float) -> int:
    """Insert ``v`` into the ascending ``head[:kept]`` (the largest falls off a full
    head; equal values keep their order of arrival); returns the new count."""
    k = head.shape[0]
    if kept < k:
        p = kept
        kept += 1
    else:
        p = k - 1
    while p > 0 and head[p - 1] > v:
        head[p] = head[p - 1]
        p -= 1
    head[p] = v
    return kept


@_jit
def _select_from(values: FloatArray, head: FloatArray) -> int:
    """The ``len(head)`` lowest of ``values`` ascending into ``head`` (NaN never
    enters); returns how many were kept."""
    k = head.shape[0]
    kept = 0
    cut = np.inf
    for t in range(values.shape[0]):
        v = values[t]
        if v < cut:
            kept = _insert(head, kept, v)
            if kept == k:
                cut = head[k - 1]
    return kept


@_jit
def _lowest(col: FloatArray, head: FloatArray, guess: float, buf: FloatArray) -> None:
    """The ``len(head)`` lowest non-NaN values of ``col``, ascending, into ``head`` (NaN
    in the slots it cannot fill). The values below ``guess`` are gathered first (a
    branch-free pass); when there are at least ``len(head)`` of them they hold the lowest
    ones and only they are sorted, otherwise every value is."""
    T = col.shape[0]
    k = head.shape[0]
    if k == 0:
        return
    c = 0
    for t in range(T):
        v = col[t]
        buf[c] = v
        c += v < guess
    kept = _select_from(buf[:c], head) if c >= k else _select_from(col, head)
    for p in range(kept, k):
        head[p] = np.nan


@_jit
def _overlap(col: FloatArray, horizon: int, out: FloatArray, a: FloatArray, b: FloatArray) -> None:
    """``out[t] = prod_{i < horizon} (1 + col[t + i]) - 1`` for the ``len(col) - horizon
    + 1`` runs (NaN where a run touches a missing return; 0 growth stays 0), built by
    doubling: products of runs of 1, 2, 4, ... values, then the binary digits of
    ``horizon`` combined, as ``horizon`` products would be, each value rounded at most
    ~log2(horizon) times deeper. ``a`` and ``b`` are scratch of ``len(col)``."""
    T = col.shape[0]
    rows = T - horizon + 1
    if rows <= 0:
        return
    for t in range(T):
        a[t] = col[t] + 1.0
    width = 1
    covered = 0
    bit = 0
    while (horizon >> bit) > 0:
        if bit > 0:
            for t in range(T - width):
                b[t] = a[t] * a[t + width]
            a, b = b, a
            width *= 2
        if (horizon >> bit) & 1:
            if covered > 0:
                for t in range(rows):
                    out[t] = out[t] * a[t + covered]
            else:
                for t in range(rows):
                    out[t] = a[t]
            covered += width
        bit += 1
    for t in range(rows):
        out[t] = out[t] - 1.0


@_jit
def overlapping_kernel(R: FloatArray, horizon: int, out: FloatArray, lo: int) -> None:
    """:func:`_overlap` of every series ``R[j]`` into ``out[lo + j]``."""
    N, T = R.shape
    a = np.empty(T)
    b = np.empty(T)
    for j in range(N):
        _overlap(R[j], horizon, out[lo + j], a, b)


@_jit
def _column_moments(col: FloatArray, moments: FloatArray, c: int) -> tuple[int, float, float]:
    r"""``moments[:, c] = (n, mean, m2, m3, m4)`` of ``col``: n its finite values and
    :math:`m_k = \frac1n\sum (r_t - \bar r)^k` over them; returns n, the mean and the
    sum of squared deviations."""
    n, total = _count_sum(col)
    nn = max(n, 1)
    mean = total / nn
    s2, s3, s4 = _central_sums(col, mean)
    moments[0, c] = n
    moments[1, c] = mean
    moments[2, c] = s2 / nn
    moments[3, c] = s3 / nn
    moments[4, c] = s4 / nn
    return n, mean, s2


@_jit
def _cut(n: int, mean: float, s2: float) -> float:
    """The cut below which :func:`_lowest` gathers candidates: mean + :data:`_SELECT_Z`
    standard deviations (population), from n, the mean and the sum of squared
    deviations."""
    return mean + _SELECT_Z * math.sqrt(s2 / max(n, 1))


@_jit
def _guess(col: FloatArray) -> tuple[int, float]:
    """How many values of ``col`` are finite, and their :func:`_cut`."""
    n, total = _count_sum(col)
    mean = total / max(n, 1)
    s2, _, _ = _central_sums(col, mean)
    return n, _cut(n, mean, s2)


@_jit
def moments_kernel(R: FloatArray, lo: int, moments: FloatArray) -> None:
    """:func:`_column_moments` of every series ``R[j]`` into ``moments[:, lo + j]``."""
    for j in range(R.shape[0]):
        _column_moments(R[j], moments, lo + j)


@_jit
def _tail(head: FloatArray, n: int, confidence: float, values: FloatArray) -> tuple[float, float]:
    """Historical VaR and CVaR (positive = loss; NaN without a finite value) of
    ``values``, ``n`` of them finite, from ``head``, their lowest values ascending.

    The quantile is the linear interpolation between order statistics (numpy's default,
    Hyndman-Fan 7); the CVaR the mean of every value at or below it: the values below
    it, summed in ascending order, plus the values equal to it as their count times the
    quantile. The quantile lies between two of the head's values, so every value below
    it is in the head; values equal to it may continue past the head only if the head
    ends at it, and then ``values`` is read again to count them. The sum is therefore
    the same whatever the head's length.
    """
    if n == 0:
        return np.nan, np.nan
    k_head = head.shape[0]
    last = n - 1
    h = last * (1.0 - confidence)
    lo = math.floor(h)
    hi = min(lo + 1, last)
    below = head[lo]
    quantile = below + (h - lo) * (head[hi] - below)
    k = 0
    tail_sum = 0.0
    while k < k_head and head[k] < quantile:
        tail_sum += head[k]
        k += 1
    ties = 0
    while k + ties < k_head and head[k + ties] == quantile:
        ties += 1
    if k + ties == k_head and n > k_head:
        ties = 0
        for t in range(values.shape[0]):
            ties += values[t] == quantile
    if k + ties == 0:
        return np.nan, np.nan
    return -quantile, -(tail_sum + ties * quantile) / (k + ties)


@_jit
def historical_kernel(
    R: FloatArray, lo: int, confidences: FloatArray, head_rows: int, out: FloatArray
) -> None:
    """``out[i, :, lo + j] = (VaR, CVaR)`` (:func:`_tail`) at ``confidences[i]`` of every
    series ``R[j]``, from its ``head_rows`` lowest values."""
    buf = np.empty(R.shape[1])
    head = np.empty(head_rows)
    for j in range(R.shape[0]):
        col = R[j]
        n, guess = _guess(col)
        _lowest(col, head, guess, buf)
        for i in range(confidences.shape[0]):
            out[i, 0, lo + j], out[i, 1, lo + j] = _tail(head, n, confidences[i], col)


@_jit
def ex_ante_kernel(
    R: FloatArray,
    horizon: int,
    lo: int,
    confidences: FloatArray,
    head_rows: tuple[int, int],
    moments: FloatArray,
    tails: FloatArray,
    n_long: IntArray,
) -> None:
    """For every series ``R[j]`` of ``R`` (N, T), into column ``lo + j`` of the outputs:
    :func:`_column_moments` into ``moments``; at each ``confidences[i]``, the historical
    VaR and CVaR (:func:`_tail`) of the returns into ``tails[i, 0:2]`` and of the
    compounded ``horizon``-row returns (:func:`_overlap`) into ``tails[i, 2:4]``, from
    their ``head_rows`` lowest values; and how many compounded returns are finite into
    ``n_long``."""
    N, T = R.shape
    rows = max(T - horizon + 1, 0)
    buf = np.empty(T)
    long_run = np.empty(rows)
    a = np.empty(T)
    b = np.empty(T)
    day = np.empty(head_rows[0])
    month = np.empty(head_rows[1])
    for j in range(N):
        col = R[j]
        c = lo + j
        n, mean, s2 = _column_moments(col, moments, c)
        _lowest(col, day, _cut(n, mean, s2), buf)
        _overlap(col, horizon, long_run, a, b)
        m, guess = _guess(long_run)
        _lowest(long_run, month, guess, buf)
        n_long[c] = m
        for i in range(confidences.shape[0]):
            tails[i, 0, c], tails[i, 1, c] = _tail(day, n, confidences[i], col)
            tails[i, 2, c], tails[i, 3, c] = _tail(month, m, confidences[i], long_run)


@_jit
def _keep_episode(
    kept: int,
    peak: int,
    trough: int,
    recovery: int,
    depth: float,
    rows: IntArray,
    depths: FloatArray,
) -> int:
    """Insert an episode among a series' kept ones (``rows`` (cap, 3) and ``depths``
    (cap,), deepest first, earlier first on equal depths: a new episode is later than
    every kept one, so it goes after those as deep); returns the new count."""
    cap: int = depths.shape[0]
    p = kept
    while p > 0 and depths[p - 1] > depth:
        p -= 1
    if p >= cap:
        return kept
    for q in range(min(kept, cap - 1), p, -1):
        depths[q] = depths[q - 1]
        rows[q, 0] = rows[q - 1, 0]
        rows[q, 1] = rows[q - 1, 1]
        rows[q, 2] = rows[q - 1, 2]
    depths[p] = depth
    rows[p, 0] = peak
    rows[p, 1] = trough
    rows[p, 2] = recovery
    return min(kept + 1, cap)


@_jit
def _walk(
    col: FloatArray, rows: IntArray, depths: FloatArray, W: FloatArray, P: FloatArray
) -> tuple[int, float, float, float]:
    """The drawdowns of one series (see :func:`realized_kernel`): its deepest episodes
    into ``rows`` and ``depths``; returns how many were kept, the maximum and current
    drawdowns and the final wealth. ``W`` and ``P`` are scratch of ``len(col)``.

    A first pass builds the wealth index and its running peak without a branch; the
    second finds each episode (rows below the peak) and its lowest wealth, the peak
    being constant within it. The trough is the first row at the lowest drawdown
    :math:`W_t / P - 1` as rounded, so rows with a slightly higher wealth that round to
    the same drawdown are looked for before the lowest wealth's row.
    """
    T = col.shape[0]
    wealth = 1.0
    peak = 1.0
    for t in range(T):
        v = col[t]
        wealth = wealth * (v + 1.0 if math.isfinite(v) else 1.0)
        peak = max(peak, wealth)
        W[t] = wealth
        P[t] = peak
    kept = 0
    lowest = 0.0
    t = 0
    while True:
        while t < T and W[t] >= P[t]:
            t += 1
        if t == T:
            break
        start = t
        top = P[t]
        low = W[t]
        at = t
        t += 1
        while t < T and W[t] < P[t]:
            w = W[t]
            at = t if w < low else at
            low = min(low, w)
            t += 1
        depth = low / top - 1.0
        near = low * (1.0 + 1e-12)
        first = start
        while first < at and not (W[first] <= near and W[first] / top - 1.0 == depth):
            first += 1
        lowest = min(lowest, depth)
        recovery = t + 1 if t < T else -1
        # rows of the underwater curve: row 0 is the baseline, return t is row t + 1
        kept = _keep_episode(kept, start, first + 1, recovery, depth, rows, depths)
    return kept, lowest, wealth / peak - 1.0, wealth


@_jit
def realized_kernel(
    R: FloatArray,
    market: FloatArray,
    market_dev: FloatArray,
    risk_free: float,
    lo: int,
    sums: FloatArray,
    drawdown: FloatArray,
    counts: IntArray,
    ep_rows: IntArray,
    ep_depth: FloatArray,
) -> None:
    """For every series ``R[j]`` of ``R`` (N, T), into column (or row) ``lo + j`` of the
    outputs.

    ``sums[:, lo + j] = (n, mean x, sum (x - mean)^2, sum max(x, 0), -sum min(x, 0),
    sum min(x, 0)^2, beta)`` over the finite returns, :math:`x = r - r_f`. Beta is the
    OLS slope on the market: with ``market_dev`` (T,) (a complete market series minus
    its mean), :math:`\\sum_t (x_t - \\bar x)\\,m_t / \\sum_t m_t^2` for a complete
    column; otherwise from ``market`` ((T, 0) none: NaN; (T, 1) one series; (T, N) one
    per column) over the rows where both are finite. NaN with fewer than 2 such rows or
    no variation in the market.

    The wealth index (baseline 1 before the first return, a missing return counted as
    0) is walked once: ``drawdown[:, lo + j] = (max drawdown, current drawdown, final
    wealth)``, and the deepest ``ep_depth.shape[1]`` episodes below a running peak into
    ``ep_rows[lo + j]`` (peak row, trough row, recovery row or -1) and ``ep_depth[lo +
    j]``, deepest first, ``counts[lo + j]`` of them. Rows are rows of the underwater
    curve :math:`D_t = W_t / \\max_{s \\le t} W_s - 1` (row 0 the baseline); an episode
    runs from the last row at the peak to the first row back at it, and its trough is
    the first row at its lowest (:func:`_walk`).
    """
    N, T = R.shape
    fast_market = market_dev.shape[0] == T
    m_var = 0.0
    for t in range(market_dev.shape[0]):
        m_var += market_dev[t] * market_dev[t]
    W = np.empty(T)
    P = np.empty(T)
    for j in range(N):
        col = R[j]
        c = lo + j
        n, mean, dev2, gains, losses, short2, cov = _ratio_sums(
            col, risk_free, market_dev, fast_market
        )
        use_dev = fast_market and n == T
        kept, lowest, current, wealth = _walk(col, ep_rows[c], ep_depth[c], W, P)
        drawdown[0, c] = lowest
        drawdown[1, c] = current
        drawdown[2, c] = wealth
        counts[c] = kept
        beta = np.nan
        if use_dev:
            if n >= 2 and m_var > 1e-15:
                beta = cov / m_var
        elif market.shape[1] > 0:
            beta = _masked_beta(col, market[:, c if market.shape[1] > 1 else 0])
        sums[0, c] = n
        sums[1, c] = mean
        sums[2, c] = dev2
        sums[3, c] = gains
        sums[4, c] = losses
        sums[5, c] = short2
        sums[6, c] = beta


@_jit
def _masked_beta(y: FloatArray, m: FloatArray) -> float:
    """OLS slope of ``y`` on ``m`` over the rows where both are finite (NaN with fewer
    than 2 of them or no variation in ``m``)."""
    nb = 0
    sy = 0.0
    sm = 0.0
    for t in range(y.shape[0]):
        if math.isfinite(y[t]) and math.isfinite(m[t]):
            sy += y[t]
            sm += m[t]
            nb += 1
    if nb < 2:
        return np.nan
    my = sy / nb
    mm = sm / nb
    cov = 0.0
    var = 0.0
    for t in range(y.shape[0]):
        if math.isfinite(y[t]) and math.isfinite(m[t]):
            dm = m[t] - mm
            cov += (y[t] - my) * dm
            var += dm * dm
    if not (math.isfinite(var) and var > 1e-15):
        return np.nan
    return cov / var


@_jit
def episode_count_kernel(R: FloatArray, counts: IntArray) -> None:
    """How many drawdown episodes each series ``R[j]`` has (:func:`_walk`, counting
    only)."""
    N, T = R.shape
    for j in range(N):
        col = R[j]
        wealth = 1.0
        peak = 1.0
        under = False
        n = 0
        for t in range(T):
            v = col[t]
            wealth = wealth * (v + 1.0 if math.isfinite(v) else 1.0)
            peak = max(peak, wealth)
            n += wealth < peak and not under
            under = wealth < peak
        counts[j] = n

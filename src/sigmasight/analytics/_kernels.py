"""Compiled one-pass kernels for the risk metrics and drawdowns of many series.

Each kernel takes a column-major block of series and handles one series (one column) at
a time: its few hundred returns stay in the CPU's first-level cache while every figure
of that series is computed from them, instead of one pass over the whole panel per
figure. numba compiles the kernels to machine code on first use (cached on disk beside
this file, or in numba's user cache when that is not writable) and they run without the
GIL, so callers share column blocks among the process's cores.

Conventions:

- The arithmetic of a series does not depend on the series beside it, so a series gets
  the same figure to the last bit alone or beside thousands of others (a daily run
  equals a backfill).
- Plain IEEE arithmetic (no fast-math): sums run in a fixed order (interleaved partial
  sums where stated), so a figure is the same on every machine.
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

#: The candidates of a tail selection are the values below mean + this many standard
#: deviations (about the lowest 10 % of a normal series): the few dozen values the
#: insertion sort then sees, instead of every value.
_SELECT_Z = -1.28


@_jit
def _count_sum(col: FloatArray) -> tuple[int, float]:
    """How many values of ``col`` are finite, and their sum (four interleaved partial
    sums, added pairwise at the end)."""
    T = col.shape[0]
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    a3 = 0.0
    n = 0
    end = T - T % 4
    for t in range(0, end, 4):
        v0 = col[t]
        v1 = col[t + 1]
        v2 = col[t + 2]
        v3 = col[t + 3]
        f0 = math.isfinite(v0)
        f1 = math.isfinite(v1)
        f2 = math.isfinite(v2)
        f3 = math.isfinite(v3)
        a0 += v0 if f0 else 0.0
        a1 += v1 if f1 else 0.0
        a2 += v2 if f2 else 0.0
        a3 += v3 if f3 else 0.0
        n += f0 + f1 + f2 + f3
    for t in range(end, T):
        v = col[t]
        if math.isfinite(v):
            a0 += v
            n += 1
    return n, (a0 + a1) + (a2 + a3)


@_jit
def _central_sums(col: FloatArray, mean: float, complete: bool) -> tuple[float, float, float]:
    """Sums of the 2nd, 3rd and 4th powers of the finite values' deviations from
    ``mean`` (two interleaved partial sums each when every value is finite)."""
    T = col.shape[0]
    s2 = 0.0
    s3 = 0.0
    s4 = 0.0
    q2 = 0.0
    q3 = 0.0
    q4 = 0.0
    if complete:
        end = T - T % 2
        for t in range(0, end, 2):
            d = col[t] - mean
            e = col[t + 1] - mean
            d2 = d * d
            e2 = e * e
            s2 += d2
            q2 += e2
            s3 += d2 * d
            q3 += e2 * e
            s4 += d2 * d2
            q4 += e2 * e2
        for t in range(end, T):
            d = col[t] - mean
            d2 = d * d
            s2 += d2
            s3 += d2 * d
            s4 += d2 * d2
    else:
        for t in range(T):
            v = col[t]
            if math.isfinite(v):
                d = v - mean
                d2 = d * d
                s2 += d2
                s3 += d2 * d
                s4 += d2 * d2
    return s2 + q2, s3 + q3, s4 + q4


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
    """:func:`_overlap` of every column ``j`` of ``R`` into ``out[:, lo + j]``."""
    T, N = R.shape
    a = np.empty(T)
    b = np.empty(T)
    for j in range(N):
        _overlap(R[:, j], horizon, out[:, lo + j], a, b)


@_jit
def _column_moments(col: FloatArray, moments: FloatArray, c: int) -> tuple[int, float, float]:
    r"""``moments[:, c] = (n, mean, m2, m3, m4)`` of ``col``: n its finite values and
    :math:`m_k = \frac1n\sum (r_t - \bar r)^k` over them; returns n, the mean and the
    sum of squared deviations."""
    n, total = _count_sum(col)
    nn = max(n, 1)
    mean = total / nn
    s2, s3, s4 = _central_sums(col, mean, n == col.shape[0])
    moments[0, c] = n
    moments[1, c] = mean
    moments[2, c] = s2 / nn
    moments[3, c] = s3 / nn
    moments[4, c] = s4 / nn
    return n, mean, s2


@_jit
def _guess(col: FloatArray) -> tuple[int, float]:
    """How many values of ``col`` are finite, and the cut below which :func:`_lowest`
    gathers candidates (mean + :data:`_SELECT_Z` standard deviations)."""
    n, total = _count_sum(col)
    mean = total / max(n, 1)
    s2, _, _ = _central_sums(col, mean, n == col.shape[0])
    return n, mean + _SELECT_Z * math.sqrt(s2 / max(n, 1))


@_jit
def moments_kernel(R: FloatArray, lo: int, moments: FloatArray) -> None:
    """:func:`_column_moments` of every column ``j`` of ``R`` into ``moments[:, lo + j]``."""
    for j in range(R.shape[1]):
        _column_moments(R[:, j], moments, lo + j)


@_jit
def _tail(head: FloatArray, n: int, confidence: float, values: FloatArray) -> tuple[float, float]:
    """Historical VaR and CVaR (positive = loss; NaN without a finite value) of
    ``values``, ``n`` of them finite, from ``head``, their lowest values ascending.

    The quantile is the linear interpolation between order statistics (numpy's default,
    Hyndman-Fan 7); the CVaR the mean of every value at or below it: the head's running
    sum read at the tail's length (the same additions in the same order however long the
    head is). A value past the head can sit at the quantile only if the head's last one
    does: then ``values`` is read again and those ties join the tail.
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
    for i in range(k_head):
        if head[i] <= quantile:
            tail_sum += head[i]
            k += 1
        else:
            break
    if k == 0:
        return np.nan, np.nan
    if k == k_head and n > k_head:
        every = 0
        for t in range(values.shape[0]):
            every += values[t] <= quantile
        extra = every - k
        k += extra
        tail_sum += extra * quantile
    return -quantile, -tail_sum / k


@_jit
def historical_kernel(
    R: FloatArray, lo: int, confidences: FloatArray, head_rows: int, out: FloatArray
) -> None:
    """``out[i, :, lo + j] = (VaR, CVaR)`` (:func:`_tail`) at ``confidences[i]`` of every
    column ``j`` of ``R``, from its ``head_rows`` lowest values."""
    buf = np.empty(R.shape[0])
    head = np.empty(head_rows)
    for j in range(R.shape[1]):
        col = R[:, j]
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
    """For every column ``j`` of ``R`` (T, N), into column ``lo + j`` of the outputs:
    :func:`_column_moments` into ``moments``; at each ``confidences[i]``, the historical
    VaR and CVaR (:func:`_tail`) of the returns into ``tails[i, 0:2]`` and of the
    compounded ``horizon``-row returns (:func:`_overlap`) into ``tails[i, 2:4]``, from
    their ``head_rows`` lowest values; and how many compounded returns are finite into
    ``n_long``."""
    T, N = R.shape
    rows = max(T - horizon + 1, 0)
    buf = np.empty(T)
    long_run = np.empty(rows)
    a = np.empty(T)
    b = np.empty(T)
    day = np.empty(head_rows[0])
    month = np.empty(head_rows[1])
    for j in range(N):
        col = R[:, j]
        c = lo + j
        n, mean, s2 = _column_moments(col, moments, c)
        _lowest(col, day, mean + _SELECT_Z * math.sqrt(s2 / max(n, 1)), buf)
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
    """For every column ``j`` of ``R`` (T, N), into column (or row) ``lo + j`` of the
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
    the first row at its lowest. Only a candidate for a new low is divided out: the
    drawdown of a row below ``bound`` (the episode's low as wealth, with a margin far
    above rounding), compared exactly.
    """
    T, N = R.shape
    fast_market = market_dev.shape[0] == T
    m_var = 0.0
    if fast_market:
        for t in range(T):
            m_var += market_dev[t] * market_dev[t]
    for j in range(N):
        col = R[:, j]
        c = lo + j
        n, total = _count_sum(col)
        total -= n * risk_free
        nn = max(n, 1)
        mean = total / nn
        dev2 = 0.0
        gains = 0.0
        losses = 0.0
        short2 = 0.0
        cov = 0.0
        complete = n == T
        use_dev = fast_market and complete
        wealth = 1.0
        peak = 1.0
        under = False
        start = 0
        low = 0.0
        lowest = 0.0
        trough = 0
        bound = 0.0
        kept = 0
        rows = ep_rows[c]
        depths = ep_depth[c]
        for t in range(T):
            v = col[t]
            if complete or math.isfinite(v):
                x = v - risk_free
                d = x - mean
                dev2 += d * d
                if use_dev:
                    cov += d * market_dev[t]
                # max(x, 0) and min(x, 0) without a branch on the sign (both exact)
                size = abs(x)
                gains += (x + size) * 0.5
                s = (x - size) * 0.5
                losses -= s
                short2 += s * s
                wealth = wealth * (v + 1.0)
            if wealth >= peak:
                peak = wealth
                if under:
                    under = False
                    lowest = min(lowest, low)
                    kept = _keep_episode(kept, start - 1, trough, t + 1, low, rows, depths)
            elif not under:
                under = True
                start = t + 1
                trough = t + 1
                low = wealth / peak - 1.0
                bound = peak * ((1.0 + low) * (1.0 + 1e-9) + 1e-12)
            elif wealth <= bound:
                dd = wealth / peak - 1.0
                if dd < low:
                    low = dd
                    trough = t + 1
                    bound = peak * ((1.0 + low) * (1.0 + 1e-9) + 1e-12)
        if under:
            lowest = min(lowest, low)
            kept = _keep_episode(kept, start - 1, trough, -1, low, rows, depths)
        drawdown[0, c] = lowest
        drawdown[1, c] = wealth / peak - 1.0
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
    """How many drawdown episodes each column of ``R`` has (the walk of
    :func:`realized_kernel`, counting only)."""
    T, N = R.shape
    for j in range(N):
        wealth = 1.0
        peak = 1.0
        under = False
        n = 0
        for t in range(T):
            v = R[t, j]
            if math.isfinite(v):
                wealth = wealth * (v + 1.0)
            if wealth >= peak:
                peak = wealth
                under = False
            elif not under:
                under = True
                n += 1
        counts[j] = n

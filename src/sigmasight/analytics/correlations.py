r"""Pairwise-complete correlation matrices, their significance and clustering order.

Conventions (docs/methodology.md, "Correlations"):

- Inputs are daily simple returns, time along axis 0, one column per security; NaN is a
  missing return. A pair's observations are the sessions where **both** have a return
  (pairwise complete, as pandas' ``DataFrame.corr``); each pair carries its count.
- A correlation needs at least :func:`min_observations` of its window's sessions
  (three quarters of the window, and never fewer than 4 so that the Fisher interval
  exists); below that it is NaN and the count says why.
- Significance: :math:`t = r\sqrt{(n-2)/(1-r^2)}` with :math:`n - 2` degrees of freedom
  and the two-sided p-value :math:`2F_{n-2}(-|t|)` (``scipy.special.stdtr``; the test
  ``scipy.stats.pearsonr`` makes); the 95 % interval is Fisher's
  :math:`\tanh(\operatorname{artanh} r \pm z_{0.975}/\sqrt{n-3})`.
- The clustering order is the leaf order of average-linkage hierarchical clustering on
  the distance :math:`d_{ij} = \sqrt{(1 - \rho_{ij})/2}` (a missing correlation counts
  as 0), with scipy's optimal leaf ordering, so that correlated blocks sit together.

Every matrix comes from a few matrix products over the masked, de-meaned panel (no
loop over pairs); rolling pair correlations come from prefix sums over time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy.special import ndtri, stdtr

from sigmasight.analytics._typing import ArrayLike, BoolArray, FloatArray, IntArray
from sigmasight.domain.horizons import RETURN_HORIZONS

#: Horizons of the correlation matrices, by name -> sessions (1m = 21, 3y = 756).
CORRELATION_HORIZONS: Final[dict[str, int]] = {
    name: RETURN_HORIZONS[name] for name in ("1m", "3m", "6m", "1y", "3y")
}
#: Windows of the rolling pair correlations, in sessions.
ROLLING_WINDOWS: Final[tuple[int, ...]] = (20, 60)
#: Two-sided confidence of the Fisher-z interval.
INTERVAL_CONFIDENCE: Final = 0.95
#: Fewest observations any correlation is given on (the Fisher interval needs n > 3).
ABSOLUTE_MIN_OBS: Final = 4


def min_observations(window: int) -> int:
    """Fewest pairwise-complete sessions a correlation over ``window`` sessions needs:
    three quarters of the window, rounded up, and at least :data:`ABSOLUTE_MIN_OBS`."""
    return max(ABSOLUTE_MIN_OBS, -(-3 * window // 4))


@dataclass(frozen=True, slots=True)
class CorrelationMatrix:
    """Correlations of N series over one window, each array (N, N) and symmetric.

    ``corr`` is NaN where a pair has fewer than ``min_obs`` observations (its count is
    in ``n_obs``); the diagonal is 1 for every series with enough observations. ``t_stat``
    is infinite where :math:`|r| = 1` (the diagonal); ``p_value`` is then 0.
    """

    corr: FloatArray
    n_obs: IntArray
    t_stat: FloatArray
    p_value: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    min_obs: int


@dataclass(frozen=True, slots=True)
class PairStatistics:
    """t statistic, two-sided p-value and Fisher-z interval of correlations ``r`` on
    ``n`` observations (arrays of one shape; NaN where ``r`` is NaN)."""

    t_stat: FloatArray
    p_value: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray


def pair_statistics(
    r: ArrayLike, n: ArrayLike, confidence: float = INTERVAL_CONFIDENCE
) -> PairStatistics:
    r"""Significance of correlations: :math:`t = r\sqrt{(n-2)/(1-r^2)}`,
    :math:`p = 2F_{n-2}(-|t|)`, and :math:`\tanh(\operatorname{artanh} r \pm
    z_{(1+c)/2}/\sqrt{n-3})`. Depends on ``r`` and ``n`` only, so a stored correlation
    and its count give them back on read."""
    rr = np.asarray(r, dtype=np.float64)
    nn = np.asarray(n, dtype=np.float64)
    ok = np.isfinite(rr) & (nn > 3)
    r_ok = np.where(ok, np.clip(rr, -1.0, 1.0), 0.0)
    n_ok = np.where(ok, nn, 4.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = r_ok * np.sqrt((n_ok - 2.0) / (1.0 - r_ok * r_ok))
        z = np.arctanh(r_ok)
    p = 2.0 * stdtr(n_ok - 2.0, -np.abs(t))
    half = ndtri(0.5 + confidence / 2.0) / np.sqrt(n_ok - 3.0)
    nan = np.nan
    return PairStatistics(
        t_stat=np.where(ok, t, nan),
        p_value=np.where(ok, p, nan),
        ci_low=np.where(ok, np.tanh(z - half), nan),
        ci_high=np.where(ok, np.tanh(z + half), nan),
    )


def _moments(X: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Pairwise-complete sums of a window (W, N): count, sums of x over the pair's
    sessions (row series i given column j), of x², and the cross products."""
    mask = np.isfinite(X)
    M = mask.astype(np.float64)
    centre = np.where(mask, X, 0.0).sum(axis=0) / np.maximum(M.sum(axis=0), 1.0)
    # De-meaned first: one-pass sums of raw returns lose digits (PERFORMANCE.md).
    Xc = np.where(mask, X - centre, 0.0)
    n = M.T @ M
    cross = Xc.T @ Xc
    if mask.all():  # complete window: every pair shares every session
        s = np.broadcast_to(Xc.sum(axis=0)[:, None], n.shape)
        q = np.broadcast_to((Xc * Xc).sum(axis=0)[:, None], n.shape)
        return n, np.array(s), np.array(q), cross
    return n, Xc.T @ M, (Xc * Xc).T @ M, cross


def correlation_matrix(returns: ArrayLike, min_obs: int | None = None) -> CorrelationMatrix:
    r"""Pairwise-complete Pearson correlations of every pair of columns of ``returns``.

    .. math::
        \rho_{ij} = \frac{\sum_t (x_{it} - \bar x_{i|j})(x_{jt} - \bar x_{j|i})}
                         {\sqrt{\sum_t (x_{it} - \bar x_{i|j})^2 \sum_t (x_{jt} - \bar x_{j|i})^2}}

    over the sessions where both have a return, :math:`\bar x_{i|j}` the mean of
    :math:`x_i` on those sessions.

    Parameters
    ----------
    returns : ndarray of shape (W, N)
        One window of returns; NaN marks a missing one.
    min_obs : int, optional
        Fewest pairwise-complete sessions; default :func:`min_observations` of ``W``.

    Returns
    -------
    CorrelationMatrix
    """
    X = np.asarray(returns, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"expected a (W, N) array, got {X.ndim}-D")
    need = min_observations(X.shape[0]) if min_obs is None else max(int(min_obs), 2)
    n, s, q, cross = _moments(X)
    n_safe = np.maximum(n, 1.0)
    cov = cross - s * s.T / n_safe
    var_i = q - s * s / n_safe
    var_j = var_i.T
    with np.errstate(divide="ignore", invalid="ignore"):
        r = cov / np.sqrt(var_i * var_j)
    good = (n >= need) & (var_i > 0) & (var_j > 0)
    r = np.where(good, np.clip(r, -1.0, 1.0), np.nan)
    r = 0.5 * (r + r.T)  # exact symmetry (the products are symmetric up to rounding)
    diag = np.diag_indices_from(r)
    r[diag] = np.where(good[diag], 1.0, np.nan)
    stats = pair_statistics(r, n)
    return CorrelationMatrix(
        corr=r,
        n_obs=n.astype(np.int64),
        t_stat=stats.t_stat,
        p_value=stats.p_value,
        ci_low=stats.ci_low,
        ci_high=stats.ci_high,
        min_obs=need,
    )


def horizon_matrices(
    returns: ArrayLike, end: int, horizons: dict[str, int] | None = None
) -> dict[str, CorrelationMatrix]:
    """:func:`correlation_matrix` over the sessions ending at row ``end`` for each named
    horizon (default :data:`CORRELATION_HORIZONS`); a window that starts before the
    panel is cut at row 0 and so may fall short of its minimum (NaN with the counts)."""
    R = np.asarray(returns, dtype=np.float64)
    out: dict[str, CorrelationMatrix] = {}
    for name, window in (horizons or CORRELATION_HORIZONS).items():
        lo = max(end - window + 1, 0)
        out[name] = correlation_matrix(R[lo : end + 1], min_observations(window))
    return out


@dataclass(frozen=True, slots=True)
class RollingCorrelation:
    """Rolling correlations of K pairs over T sessions: ``corr`` and ``n_obs`` (T, K);
    row t covers rows ``t - window + 1 .. t`` (NaN below the window's minimum)."""

    corr: FloatArray
    n_obs: IntArray
    window: int
    min_obs: int


def _windowed(a: FloatArray, window: int) -> FloatArray:
    """Trailing sums over ``window`` rows of ``a`` (T, K) via prefix sums."""
    p = np.zeros((a.shape[0] + 1, a.shape[1]))
    np.cumsum(a, axis=0, out=p[1:])
    lo = np.maximum(np.arange(1, a.shape[0] + 1) - window, 0)
    out: FloatArray = p[1:] - p[lo]
    return out


def rolling_pair_correlation(
    a: ArrayLike, b: ArrayLike, window: int, min_obs: int | None = None
) -> RollingCorrelation:
    r"""Correlation of ``a[:, k]`` with ``b[:, k]`` over every trailing ``window``.

    Parameters
    ----------
    a, b : ndarray of shape (T,) or (T, K)
        Paired return series; a session counts where both have a return.
    window : int
        Sessions per window.
    min_obs : int, optional
        Default :func:`min_observations` of ``window``.

    Returns
    -------
    RollingCorrelation
        Arrays (T, K) (K = 1 for 1-D input).

    Notes
    -----
    Sums over each window come from prefix sums of the pair-masked, de-meaned series:
    :math:`n, \sum x, \sum y, \sum x^2, \sum y^2, \sum xy`, then
    :math:`r = (S_{xy} - S_x S_y/n)/\sqrt{(S_{xx} - S_x^2/n)(S_{yy} - S_y^2/n)}`.
    """
    A = np.asarray(a, dtype=np.float64)
    B = np.asarray(b, dtype=np.float64)
    if A.ndim == 1:
        A, B = A[:, None], B[:, None]
    need = min_observations(window) if min_obs is None else max(int(min_obs), 2)
    both = np.isfinite(A) & np.isfinite(B)
    m = both.astype(np.float64)
    count = np.maximum(m.sum(axis=0), 1.0)
    x = np.where(both, A - np.where(both, A, 0.0).sum(axis=0) / count, 0.0)
    y = np.where(both, B - np.where(both, B, 0.0).sum(axis=0) / count, 0.0)
    n = _windowed(m, window)
    sx, sy = _windowed(x, window), _windowed(y, window)
    n_safe = np.maximum(n, 1.0)
    cxy = _windowed(x * y, window) - sx * sy / n_safe
    cxx = _windowed(x * x, window) - sx * sx / n_safe
    cyy = _windowed(y * y, window) - sy * sy / n_safe
    # Rounding can leave a tiny positive residual where a window is constant.
    tiny = 1e-14 * np.maximum(_windowed(x * x + y * y, window), 1e-300)
    good = (n >= need) & (cxx > tiny) & (cyy > tiny)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(good, cxy / np.sqrt(np.where(good, cxx * cyy, 1.0)), np.nan)
    return RollingCorrelation(
        corr=np.clip(r, -1.0, 1.0),
        n_obs=np.rint(n).astype(np.int64),
        window=window,
        min_obs=need,
    )


def cluster_order(corr: ArrayLike) -> IntArray:
    r"""Leaf order of average-linkage clustering on :math:`\sqrt{(1-\rho)/2}`.

    Missing correlations count as 0 (no information, half-way distance). One or two
    series keep their order.
    """
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import squareform

    C = np.asarray(corr, dtype=np.float64)
    N = C.shape[0]
    if N <= 2:
        return np.arange(N, dtype=np.int64)
    filled = np.where(np.isfinite(C), np.clip(C, -1.0, 1.0), 0.0)
    np.fill_diagonal(filled, 1.0)
    dist = np.sqrt(np.maximum((1.0 - 0.5 * (filled + filled.T)) / 2.0, 0.0))
    np.fill_diagonal(dist, 0.0)
    condensed = squareform(dist, checks=False)
    tree = optimal_leaf_ordering(linkage(condensed, method="average"), condensed)
    order: IntArray = np.asarray(leaves_list(tree), dtype=np.int64)
    return order


#: Columns of the first series per block of :func:`pair_correlations` (bounds the
#: (block, N) running sums held at once).
_PAIR_BLOCK = 512


@dataclass(frozen=True, slots=True)
class PairCorrelations:
    """Correlations of K chosen pairs over several trailing windows ending at one row:
    ``corr`` and ``n_obs`` (K, len(windows)), NaN below each window's minimum."""

    corr: FloatArray
    n_obs: IntArray
    windows: tuple[int, ...]


def pair_correlations(
    returns: ArrayLike, end: int, windows: tuple[int, ...], a: ArrayLike, b: ArrayLike
) -> PairCorrelations:
    r"""Pairwise-complete correlations of the pairs ``(a[k], b[k])`` of columns of
    ``returns`` over each of ``windows`` sessions ending at row ``end``.

    The same figures as :func:`correlation_matrix` on each window, computed for many
    pairs of a wide panel at once: the rows of the longest window are cut into the
    segments between consecutive window lengths; each segment's cross products come
    from one matrix product of a block of first columns against every column, and
    running sums over the segments give each window's sums, from which the window's
    pairs are read. Pairs of two columns without a gap in the longest window need only
    column sums besides; a pair with a gap also needs the masked sums
    (:math:`n, \sum x, \sum x^2` over the pair's sessions), four more products.

    Parameters
    ----------
    returns : ndarray of shape (T, N)
    end : int
        Last row of every window.
    windows : tuple of int
        Window lengths in sessions (cut at row 0).
    a, b : int arrays of shape (K,)
        Column indices of each pair.
    """
    R = np.asarray(returns, dtype=np.float64)
    ia = np.asarray(a, dtype=np.int64)
    ib = np.asarray(b, dtype=np.int64)
    corr = np.full((ia.size, len(windows)), np.nan)
    n_obs = np.zeros((ia.size, len(windows)), dtype=np.int64)
    lengths = sorted(set(windows))
    longest = R[max(end - lengths[-1] + 1, 0) : end + 1][::-1]  # most recent first
    if longest.shape[0] == 0 or ia.size == 0:
        return PairCorrelations(corr=corr, n_obs=n_obs, windows=tuple(windows))
    cols = np.unique(np.concatenate([ia, ib]))
    X = longest[:, cols]
    mask = np.isfinite(X)
    centre = np.where(mask, X, 0.0).sum(axis=0) / np.maximum(mask.sum(axis=0), 1)
    panel = _Panel(np.where(mask, X - centre, 0.0), mask.astype(np.float64))
    gap: BoolArray = np.asarray(~mask.all(axis=0))
    pa, pb = np.searchsorted(cols, ia), np.searchsorted(cols, ib)
    swap = gap[pb] & ~gap[pa]  # a pair with a gap has it in its first column
    pa, pb = np.where(swap, pb, pa), np.where(swap, pa, pb)
    for masked in (False, True):
        chosen = np.flatnonzero(gap[pa] == masked)
        for mine, lo in _blocks(pa, chosen, cols.size):
            ra, rb = pa[mine] - lo, pb[mine]
            cut = slice(lo, lo + _PAIR_BLOCK)
            for length, sums in _running(panel, cut, masked, lengths, X.shape[0]):
                n, sa, sb, qa, qb, xy = _at(sums, ra, rb)
                r, count = _pair_r(n, sa, sb, qa, qb, xy, length)
                for j in (j for j, w in enumerate(windows) if w == length):
                    corr[mine, j], n_obs[mine, j] = r, count
    return PairCorrelations(corr=corr, n_obs=n_obs, windows=tuple(windows))


@dataclass(frozen=True, slots=True)
class _Panel:
    """The longest window, most recent row first: de-meaned returns (0 where missing)
    and the mask of observed returns."""

    Xc: FloatArray
    M: FloatArray


def _blocks(pa: IntArray, chosen: IntArray, N: int) -> Iterator[tuple[IntArray, int]]:
    """The pairs of ``chosen`` grouped by blocks of first columns: (pairs, block start)."""
    order = chosen[np.argsort(pa[chosen], kind="stable")]
    bounds = np.searchsorted(pa[order], np.arange(0, N + _PAIR_BLOCK, _PAIR_BLOCK))
    for block, lo in enumerate(range(0, N, _PAIR_BLOCK)):
        mine = order[bounds[block] : bounds[block + 1]]
        if mine.size:
            yield mine, lo


def _segment(panel: _Panel, cut: slice, seg: slice, masked: bool) -> list[FloatArray]:
    """A segment's sums (n, s_a, s_b, q_a, q_b, xy) for the block ``cut`` against every
    column: (block, N) arrays, or for a block without gaps n as (1,), s_a and q_a as
    (block,), s_b and q_b as (N,) (the column sums) beside xy (block, N)."""
    Xs, Xa = panel.Xc[seg], panel.Xc[seg, cut]
    xy = Xa.T @ Xs
    if not masked:
        qs = Xs * Xs
        n = np.array([float(Xs.shape[0])])
        return [n, Xa.sum(0), Xs.sum(0), qs[:, cut].sum(0), qs.sum(0), xy]
    Ms, Ma = panel.M[seg], panel.M[seg, cut]
    Qs = Xs * Xs
    return [Ma.T @ Ms, Xa.T @ Ms, Ma.T @ Xs, Qs[:, cut].T @ Ms, Ma.T @ Qs, xy]


def _running(
    panel: _Panel, cut: slice, masked: bool, lengths: list[int], available: int
) -> Iterator[tuple[int, list[FloatArray]]]:
    """(length, sums) for each window length: running totals of the segments between
    consecutive lengths (a window longer than the panel stops at its start)."""
    run: list[FloatArray] = []
    prev = 0
    for length in lengths:
        stop = min(length, available)
        if stop > prev:
            parts = _segment(panel, cut, slice(prev, stop), masked)
            run = (
                parts if not run else [np.add(x, y, out=x) for x, y in zip(run, parts, strict=True)]
            )
            prev = stop
        yield length, run


def _at(sums: list[FloatArray], ra: IntArray, rb: IntArray) -> list[FloatArray]:
    """The sums of each pair (block row ``ra``, column ``rb``)."""
    if sums[0].ndim == 2:
        return [s[ra, rb] for s in sums]
    n, sa, sb, qa, qb, xy = sums
    return [np.broadcast_to(n, ra.shape), sa[ra], sb[rb], qa[ra], qb[rb], xy[ra, rb]]


def _pair_r(
    n: FloatArray,
    sa: FloatArray,
    sb: FloatArray,
    qa: FloatArray,
    qb: FloatArray,
    xy: FloatArray,
    window: int,
) -> tuple[FloatArray, IntArray]:
    n_safe = np.maximum(n, 1.0)
    cov = xy - sa * sb / n_safe
    va = qa - sa * sa / n_safe
    vb = qb - sb * sb / n_safe
    good = (n >= min_observations(window)) & (va > 0) & (vb > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(good, cov / np.sqrt(np.where(good, va * vb, 1.0)), np.nan)
    return np.clip(r, -1.0, 1.0), np.rint(n).astype(np.int64)

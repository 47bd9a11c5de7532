"""Regression kernels, vectorised over columns.

Single-factor OLS :math:`y_t = \\alpha + \\beta x_t + \\varepsilon_t` for every column at
once, on one window (:func:`ols_single`) or on every trailing window (:func:`rolling_ols`,
prefix sums of de-meaned data, O(T x N)); multi-factor OLS and ridge
(:func:`ols_multi`) through batched normal equations.

Missing data: an observation of a column is a row where both ``y`` and ``x`` are
finite; a window with fewer than ``min_obs`` observations gives NaN and
:attr:`Reason.INSUFFICIENT_DATA`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import stdtr

from sigmasight.analytics._typing import (
    AnyArray,
    ArrayLike,
    FloatArray,
    IntArray,
    Reason,
    ReasonArray,
    as_float_2d,
    prefix_sum,
    window_diff,
)

#: Relative size below which a centred sum of squares counts as zero variation.
_ZERO_VARIATION = 1e-12
#: Columns per block in the rolling kernel: bounds peak memory at large N.
_BLOCK = 512


def p_values(t: ArrayLike, df: ArrayLike) -> FloatArray:
    r"""Two-sided p-values of t statistics: :math:`p = 2\,F_{\nu}(-|t|)`.

    Costs about ten regressions per value, so compute it only for rows you keep.
    ``df`` <= 0 or a NaN ``t`` gives NaN.
    """
    t_arr = np.asarray(t, dtype=np.float64)
    nu = np.asarray(df, dtype=np.float64)
    nu = np.where(nu > 0, nu, np.nan)
    out: FloatArray = 2.0 * stdtr(nu, -np.abs(t_arr))
    return out


@dataclass(frozen=True, slots=True)
class OLSResult:
    """Single-factor OLS statistics; every field has the same shape.

    Shapes: (N,) for :func:`ols_single` (0-d for a 1-D ``y``), (T, N) for
    :func:`rolling_ols` (row t is the window ending at t).
    """

    alpha: FloatArray
    beta: FloatArray
    r_squared: FloatArray
    se_alpha: FloatArray
    se_beta: FloatArray
    t_beta: FloatArray
    n_obs: IntArray
    reason: ReasonArray

    def p_value(self, rows: slice | IntArray | int | None = None) -> FloatArray:
        """Two-sided p-value of beta (H0: beta = 0), for ``rows`` only (default: all)."""
        if rows is None:
            return p_values(self.t_beta, self.n_obs - 2)
        return p_values(self.t_beta[rows], self.n_obs[rows] - 2)


def _stats_from_sums(
    n: FloatArray,
    sums: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray],
    centre: tuple[FloatArray, FloatArray],
    min_obs: int,
) -> tuple[AnyArray, ...]:
    """OLS statistics from window sums of data shifted by constants ``centre``.

    ``sums`` are (Σx̃, Σỹ, Σx̃², Σỹ², Σx̃ỹ) with x̃ = x - cx, ỹ = y - cy.
    Returns (alpha, beta, r2, se_alpha, se_beta, t, n_obs, reason).
    """
    sx, sy, sxx, syy, sxy = sums
    cx, cy = centre
    # In-place arithmetic: at (T, N) scale fresh temporaries cost more than the flops.
    with np.errstate(divide="ignore", invalid="ignore"):
        mx, my = sx / n, sy / n
        cxx = sxx - sx * mx
        cyy = syy - sy * my
        cxy = sxy - sx * my
        flat = (cxx <= _ZERO_VARIATION * sxx) | (cyy <= _ZERO_VARIATION * syy)
        beta = cxy / cxx
        s2 = np.multiply(beta, cxy)
        np.subtract(cyy, s2, out=s2)
        # Clipped because cancellation can leave a tiny negative SSR when R² ≈ 1.
        np.maximum(s2, 0.0, out=s2)
        s2 /= n - 2.0
        r2 = np.multiply(cxy, cxy, out=cxy)
        r2 /= cxx
        r2 /= cyy
        se_beta = np.divide(s2, cxx, out=cyy)
        np.sqrt(se_beta, out=se_beta)
        mean_x = mx + cx
        alpha = my + cy - beta * mean_x
        se_alpha = s2 * (mean_x * mean_x / cxx + 1.0 / n)
        np.sqrt(se_alpha, out=se_alpha)
        t = np.divide(beta, se_beta, out=s2)
    reason = np.zeros(np.broadcast_shapes(n.shape, sy.shape), dtype=np.uint8)
    reason[flat] = Reason.ZERO_VARIANCE
    reason[np.broadcast_to(n < max(min_obs, 3), reason.shape)] = Reason.INSUFFICIENT_DATA
    bad = reason != Reason.OK
    outs = [
        np.broadcast_to(a, reason.shape).copy() if a.shape != reason.shape else a
        for a in (alpha, beta, r2, se_alpha, se_beta, t)
    ]
    if bad.any():
        for a in outs:
            a[bad] = np.nan
    n_obs = np.broadcast_to(n, reason.shape).astype(np.int64)
    return (*outs, n_obs, reason)


def _prepare(y: ArrayLike, x: ArrayLike) -> tuple[FloatArray, FloatArray, bool]:
    Y, one_d = as_float_2d(y)
    X = np.asarray(x, dtype=np.float64)
    X = X[:, None] if X.ndim == 1 else X
    if X.shape[0] != Y.shape[0] or X.shape[1] not in (1, Y.shape[1]):
        raise ValueError(f"x of shape {X.shape} does not match y of shape {Y.shape}")
    return Y, X, one_d


def _masked_mean(a: FloatArray, mask: np.ndarray) -> FloatArray:
    cnt = mask.sum(axis=0)
    out: FloatArray = np.where(mask, a, 0.0).sum(axis=0) / np.maximum(cnt, 1)
    return out


def _result(parts: tuple[AnyArray, ...], one_d: bool) -> OLSResult:
    arrs = [p[..., 0] if one_d else p for p in parts]
    return OLSResult(*arrs)


def ols_single(y: ArrayLike, x: ArrayLike, min_obs: int = 3) -> OLSResult:
    r"""OLS of each column of ``y`` on ``x`` with an intercept, over all rows.

    .. math::
        \hat\beta = \frac{\sum (x-\bar x)(y-\bar y)}{\sum (x-\bar x)^2},\quad
        \hat\alpha = \bar y - \hat\beta \bar x,\quad
        SE(\hat\beta) = \sqrt{\frac{SSR / (n-2)}{\sum (x-\bar x)^2}}

    Parameters
    ----------
    y : ndarray of shape (T,) or (T, N)
    x : ndarray of shape (T,) or (T, N)
        One regressor shared by all columns, or one per column.
    min_obs : int, default 3
        Fewer finite (x, y) pairs than this gives NaN with ``INSUFFICIENT_DATA``.

    Returns
    -------
    OLSResult
        Fields of shape (N,), or 0-d for a 1-D ``y``. Means are computed first
        (two-pass), so the figures match a direct regression to rounding error.
    """
    Y, X, one_d = _prepare(y, x)
    mask = np.isfinite(Y) & np.isfinite(X)
    cx, cy = _masked_mean(np.broadcast_to(X, Y.shape), mask), _masked_mean(Y, mask)
    xt = np.where(mask, X - cx, 0.0)
    yt = np.where(mask, Y - cy, 0.0)
    n = mask.sum(axis=0).astype(np.float64)
    sums = (xt.sum(0), yt.sum(0), (xt * xt).sum(0), (yt * yt).sum(0), (xt * yt).sum(0))
    return _result(_stats_from_sums(n, sums, (cx, cy), min_obs), one_d)


def rolling_ols(y: ArrayLike, x: ArrayLike, window: int, min_obs: int | None = None) -> OLSResult:
    """Single-factor OLS on every trailing window, for all columns at once.

    Row t uses rows ``max(0, t - window + 1) .. t``; windows are counted in rows
    (trading days). Each column is shifted by a constant (its mean) before the prefix
    sums so differencing keeps ~1e-13 relative accuracy; the cost is O(T x N) whatever
    the window.

    Parameters
    ----------
    y : ndarray of shape (T,) or (T, N)
    x : ndarray of shape (T,) or (T, N)
    window : int
        Window length in rows.
    min_obs : int, optional
        Minimum finite pairs per window (default: ``window``).

    Returns
    -------
    OLSResult
        Fields of shape (T, N) (or (T,) for a 1-D ``y``). p-values on demand via
        :meth:`OLSResult.p_value`.
    """
    if window < 1:
        raise ValueError("window must be >= 1")
    Y, X, one_d = _prepare(y, x)
    need = window if min_obs is None else min_obs
    T, N = Y.shape
    if N <= _BLOCK:
        return _result(_rolling_block(Y, X, window, need), one_d)
    outs = [np.empty((T, N)) for _ in range(6)]
    n_obs = np.empty((T, N), dtype=np.int64)
    reason = np.empty((T, N), dtype=np.uint8)
    for lo in range(0, N, _BLOCK):
        cols = slice(lo, min(lo + _BLOCK, N))
        xb = X if X.shape[1] == 1 else X[:, cols]
        parts = _rolling_block(Y[:, cols], xb, window, need)
        for dst, src in zip(outs, parts[:6], strict=True):
            dst[:, cols] = src
        n_obs[:, cols], reason[:, cols] = parts[6], parts[7]
    return _result((*outs, n_obs, reason), one_d)


def _rolling_block(Y: FloatArray, X: FloatArray, window: int, min_obs: int) -> tuple[AnyArray, ...]:
    mask = np.isfinite(Y) & np.isfinite(X)
    if mask.all() and X.shape[1] == 1:
        # Fast path: one regressor and no gaps, so its sums are shared by all columns.
        cx, cy = X.mean(axis=0), Y.mean(axis=0)
        xt, yt = X - cx, Y - cy
        n = window_diff(prefix_sum(np.ones((Y.shape[0], 1))), window)
    else:
        cx = _masked_mean(np.broadcast_to(X, Y.shape), mask)
        cy = _masked_mean(Y, mask)
        xt = np.where(mask, X - cx, 0.0)
        yt = np.where(mask, Y - cy, 0.0)
        n = window_diff(prefix_sum(mask.astype(np.float64)), window)
    sums = tuple(window_diff(prefix_sum(a), window) for a in (xt, yt, xt * xt, yt * yt, xt * yt))
    return _stats_from_sums(n, sums, (cx, cy), min_obs)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class MultiOLSResult:
    """Multi-factor OLS / ridge fit of N series on K factors.

    Attributes
    ----------
    intercept : ndarray of shape (N,)
    coef : ndarray of shape (K, N)
    se : ndarray of shape (K, N)
        OLS standard errors; NaN for ridge (``alpha > 0``), which has no unbiased SE.
    r_squared : ndarray of shape (N,)
    n_obs : ndarray of shape (N,)
    reason : ndarray of shape (N,)
    """

    intercept: FloatArray
    coef: FloatArray
    se: FloatArray
    r_squared: FloatArray
    n_obs: IntArray
    reason: ReasonArray

    @property
    def t(self) -> FloatArray:
        """t statistics of ``coef``, shape (K, N)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            out: FloatArray = self.coef / self.se
        return out

    def p_value(self) -> FloatArray:
        """Two-sided p-values of ``coef``, shape (K, N)."""
        k = self.coef.shape[0]
        return p_values(self.t, self.n_obs - k - 1)


def ols_multi(
    y: ArrayLike, factors: ArrayLike, alpha: float = 0.0, min_obs: int | None = None
) -> MultiOLSResult:
    r"""Regress each column of ``y`` on K factors with an (unpenalised) intercept.

    .. math::
        \hat b = (\tilde X^\top \tilde X + \lambda I)^{-1} \tilde X^\top \tilde y

    with :math:`\tilde X, \tilde y` centred per column over that column's observations
    (rows where ``y`` and every factor are finite); ``alpha`` (λ) = 0 is OLS, > 0 ridge.

    Parameters
    ----------
    y : ndarray of shape (T,) or (T, N)
    factors : ndarray of shape (T, K)
    alpha : float, default 0
        Ridge penalty on the sum of squared slopes (data units, not scaled by T).
    min_obs : int, optional
        Default K + 2 (at least one residual degree of freedom).
    """
    Y, _ = as_float_2d(y)
    F, _ = as_float_2d(factors)
    K = F.shape[1]
    need = K + 2 if min_obs is None else max(min_obs, K + 2)
    rows_ok = np.asarray(np.isfinite(F).all(axis=1))
    mask: np.ndarray = np.isfinite(Y) & rows_ok[:, None]
    m = mask.astype(np.float64)
    n = m.sum(axis=0)
    rows = np.asarray(mask.any(axis=1))
    f_centre = F[rows].mean(axis=0) if rows.any() else np.zeros(K)
    y_centre = _masked_mean(Y, mask)
    Fc = np.where(rows[:, None], F - f_centre, 0.0)
    yc = np.where(mask, Y - y_centre, 0.0)
    n_safe = np.maximum(n, 1.0)
    fbar = (m.T @ Fc) / n_safe[:, None]  # (N, K)
    ybar = yc.sum(axis=0) / n_safe
    gram = (m.T @ (Fc[:, :, None] * Fc[:, None, :]).reshape(-1, K * K)).reshape(-1, K, K)
    gram -= n[:, None, None] * fbar[:, :, None] * fbar[:, None, :]
    cross = yc.T @ Fc - (n * ybar)[:, None] * fbar  # (N, K)
    cyy = (yc * yc).sum(axis=0) - n * ybar * ybar
    coef, se, r2, reason = solve_normal_equations(gram, cross, cyy, n, alpha, need)
    intercept = y_centre + ybar - np.einsum("nk,nk->n", coef, fbar + f_centre)
    return MultiOLSResult(
        intercept=intercept,
        coef=coef.T.copy(),
        se=se.T.copy(),
        r_squared=r2,
        n_obs=n.astype(np.int64),
        reason=reason,
    )


def solve_normal_equations(
    gram: FloatArray, cross: FloatArray, cyy: FloatArray, n: FloatArray, alpha: float, need: int
) -> tuple[FloatArray, FloatArray, FloatArray, ReasonArray]:
    """Batched solve of centred normal equations for N problems with K slopes.

    Parameters
    ----------
    gram : (N, K, K) centred cross-products of the regressors.
    cross : (N, K) centred cross-products of regressors and target.
    cyy : (N,) centred sum of squares of the target.
    n : (N,) observations; alpha: ridge penalty; need: minimum observations.

    Returns
    -------
    coef (N, K), se (N, K), r_squared (N,), reason (N,)
    """
    K = gram.shape[1]
    eig = np.linalg.eigvalsh(gram)
    singular = eig[:, 0] <= _ZERO_VARIATION * np.maximum(eig[:, -1], 1e-300)
    reason = np.zeros(n.shape, dtype=np.uint8)
    reason[singular & (alpha <= 0)] = Reason.SINGULAR
    reason[n < need] = Reason.INSUFFICIENT_DATA
    bad = reason != Reason.OK
    eye = np.eye(K)
    # Bad columns get the identity so one batched inverse never raises for the others.
    inv = np.linalg.inv(np.where(bad[:, None, None], eye, gram + alpha * eye))
    coef = np.einsum("nkl,nl->nk", inv, cross)
    # SSR of the centred fit from moments: y'y - 2b'X'y + b'X'Xb (equals y'y - b'X'y for OLS).
    quad = np.einsum("nk,nkl,nl->n", coef, gram, coef)
    ssr = np.maximum(cyy - 2.0 * np.einsum("nk,nk->n", coef, cross) + quad, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if alpha > 0:
            se = np.full_like(coef, np.nan)
        else:
            se = np.sqrt((ssr / (n - K - 1.0))[:, None] * np.einsum("nkk->nk", inv))
        r2 = 1.0 - ssr / cyy
    coef[bad], se[bad] = np.nan, np.nan
    r2[bad] = np.nan
    return coef, se, r2, reason

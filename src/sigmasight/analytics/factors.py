r"""Multi-factor regressions of many return series on one set of factor returns.

Every series :math:`y` (a security, or a portfolio's ex-ante return series) is regressed
with an intercept on K factor returns :math:`f` over a window of sessions:

.. math::
    y_t = a + \sum_k b_k f_{k,t} + \varepsilon_t

- **OLS**: :math:`\hat b = G^{-1} c` with the centred moments
  :math:`G = \sum (f_t - \bar f)(f_t - \bar f)^\top`,
  :math:`c = \sum (f_t - \bar f)(y_t - \bar y)` (the intercept's partialled out);
  standard errors :math:`\sqrt{s^2 [G^{-1}]_{kk}}` with :math:`s^2 = SSR / (n - K - 1)`.
- **Ridge** on standardised factors (each divided by its window standard deviation,
  ``ddof=0``): :math:`\hat b^z = (G^z + \lambda n I)^{-1} c^z`, reported per unit of factor
  return (:math:`\hat b_k = \hat b^z_k / \sigma_k`); the intercept is not penalised.
  Ridge has no unbiased standard error: SE, t and p are NaN.
- Diagnostics: :math:`R^2 = 1 - SSR / \sum (y - \bar y)^2`, adjusted
  :math:`1 - (1 - R^2)(n - 1)/(n - K - 1)`, residual volatility
  :math:`\sqrt{252\, SSR / (n - K - 1)}` (annualised), the variance inflation factor of
  each factor in the design with a constant :math:`VIF_k = G_{kk} [G^{-1}]_{kk}` (what
  statsmodels' ``variance_inflation_factor`` gives on ``add_constant(f)``) and the
  condition number :math:`\sqrt{\lambda_{max} / \lambda_{min}}` of the factors'
  correlation matrix.

An observation of a series is a session where the series and every factor have a
return. Columns whose window is complete share one design, so one inverse per window
serves all of them (prefix sums over time give every window's moments); columns with
gaps get their own masked normal equations, stacked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import stdtr

from sigmasight.analytics._typing import ArrayLike, FloatArray, IntArray, Reason, ReasonArray
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR

#: Smallest eigenvalue of the factors' correlation matrix, relative to the largest,
#: below which OLS is singular.
_SINGULAR = 1e-12
#: Columns per block of the rolling kernel (bounds the (T, K, block) prefix sums).
_BLOCK = 512


@dataclass(frozen=True, slots=True)
class FactorFit:
    """Fitted loadings and statistics; leading shape ``L`` = (N,) for one window,
    (D, N) for D windows, K the number of factors.

    Attributes
    ----------
    intercept, r_squared, adj_r_squared, residual_vol, condition_number : (*L,)
    loading, std_error, t_stat, vif : (*L, K)
    n_obs : (*L,) int
    reason : (*L,) :class:`Reason` codes (NaN figures where not OK)
    """

    intercept: FloatArray
    loading: FloatArray
    std_error: FloatArray
    t_stat: FloatArray
    r_squared: FloatArray
    adj_r_squared: FloatArray
    residual_vol: FloatArray
    vif: FloatArray
    condition_number: FloatArray
    n_obs: IntArray
    reason: ReasonArray

    @property
    def residual_variance(self) -> FloatArray:
        """Daily residual variance :math:`s^2` (from the annualised residual volatility)."""
        out: FloatArray = self.residual_vol**2 / TRADING_DAYS_PER_YEAR
        return out

    def p_value(self) -> FloatArray:
        """Two-sided p-values of the loadings, (*L, K): :math:`2 F_{n-K-1}(-|t|)`."""
        df = (self.n_obs - self.loading.shape[-1] - 1).astype(np.float64)
        df = np.where(df > 0, df, np.nan)[..., None]
        out: FloatArray = 2.0 * stdtr(df, -np.abs(self.t_stat))
        return out


def _matvec(matrix: FloatArray, vectors: FloatArray) -> FloatArray:
    """``matrix @ v`` for each vector of ``vectors`` (*L, K): one matrix per window shared
    by its columns (D, 1, K, K) as one batched product, or one per column (*L, K, K)."""
    if matrix.ndim == vectors.ndim + 1 and matrix.shape[-3] == 1 and vectors.ndim == 3:
        out: FloatArray = vectors @ np.swapaxes(matrix[:, 0], -1, -2)
        return out
    result: FloatArray = np.einsum("...kl,...l->...k", matrix, vectors)
    return result


def _solve(
    n: FloatArray,
    gram: FloatArray,
    cross: FloatArray,
    cyy: FloatArray,
    ybar: FloatArray,
    fbar: FloatArray,
    ridge: float | None,
    min_obs: int,
) -> FactorFit:
    """Statistics from centred moments; ``gram`` (and ``fbar``) broadcast against the
    columns' ``cross`` (*L, K): shared (D, 1, K, K) or one per column (*L, K, K)."""
    K = cross.shape[-1]
    var = np.einsum("...kk->...k", gram)
    scale = np.sqrt(np.where(var > 0, var, 1.0))
    corr = gram / (scale[..., :, None] * scale[..., None, :])
    eig = np.linalg.eigvalsh(corr)
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.sqrt(eig[..., -1] / eig[..., 0])
    singular = (eig[..., 0] <= _SINGULAR * eig[..., -1]) | (var <= 0).any(axis=-1)
    eye = np.eye(K)
    safe = np.where(singular[..., None, None], eye, corr)
    nn = np.broadcast_to(n, cross.shape[:-1])
    # On standardised factors z = (f - mean) / sigma, sigma^2 = G_kk / n, the normal
    # equations are (n corr + lambda n I) b_z = sqrt(n) c / sqrt(G_kk); per unit of
    # factor return b = b_z / sigma, so both estimators are (corr + lambda I)^-1 scaled.
    inv_corr = np.linalg.inv(safe)
    solver = inv_corr if ridge is None else np.linalg.inv(safe + ridge * eye)
    coef_z = _matvec(np.asarray(solver, dtype=np.float64), cross / scale)
    coef = coef_z / scale
    quad = (_matvec(gram, coef) * coef).sum(axis=-1)
    ssr = np.maximum(cyy - 2.0 * (coef * cross).sum(axis=-1) + quad, 0.0)
    dof = nn - K - 1.0
    vif = np.broadcast_to(np.einsum("...kk->...k", inv_corr), cross.shape)
    reason = np.zeros(nn.shape, dtype=np.uint8)
    if ridge is None:
        reason[np.broadcast_to(singular, nn.shape)] = Reason.SINGULAR
    reason[cyy <= 0] = Reason.ZERO_VARIANCE
    reason[nn < max(min_obs, K + 2)] = Reason.INSUFFICIENT_DATA
    bad = reason != Reason.OK
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = ssr / dof
        diag = np.einsum("...kk->...k", inv_corr) / scale**2
        se = np.sqrt(s2[..., None] * diag) if ridge is None else np.full(cross.shape, np.nan)
        t = coef / se
        r2 = 1.0 - ssr / cyy
        adj = 1.0 - (1.0 - r2) * (nn - 1.0) / dof
        resid_vol = np.sqrt(s2 * TRADING_DAYS_PER_YEAR)
    intercept = ybar - (coef * fbar).sum(axis=-1)

    def clean(a: FloatArray) -> FloatArray:
        out = np.array(np.broadcast_to(a, bad.shape + a.shape[bad.ndim :]), dtype=np.float64)
        out[bad] = np.nan
        return out

    return FactorFit(
        intercept=clean(intercept),
        loading=clean(coef),
        std_error=clean(se),
        t_stat=clean(t),
        r_squared=clean(r2),
        adj_r_squared=clean(adj),
        residual_vol=clean(resid_vol),
        vif=clean(vif),
        condition_number=clean(np.broadcast_to(cond, nn.shape)),
        n_obs=nn.astype(np.int64),
        reason=reason,
    )


def fit_factors(
    y: ArrayLike,
    factors: ArrayLike,
    *,
    ridge: float | None = None,
    min_obs: int = 3,
) -> FactorFit:
    """Fit every column of ``y`` (W, N) on ``factors`` (W, K) over one window.

    Parameters
    ----------
    y : ndarray of shape (W, N)
        NaN marks a missing return (the session is not an observation of that column).
    factors : ndarray of shape (W, K)
        A session where any factor is NaN is no observation of any column.
    ridge : float, optional
        Ridge penalty :math:`\\lambda` per observation on standardised factors; None is OLS.
    min_obs : int
        Fewest observations for a fit (at least K + 2).

    Returns
    -------
    FactorFit
        Leading shape (N,).
    """
    Y = np.asarray(y, dtype=np.float64)
    F = np.asarray(factors, dtype=np.float64)
    fit = fit_factors_stacked(Y[None], F[None], ridge=ridge, min_obs=min_obs)
    return FactorFit(*(getattr(fit, name)[0] for name in FactorFit.__slots__))


def fit_factors_stacked(
    y: FloatArray, factors: FloatArray, *, ridge: float | None = None, min_obs: int = 3
) -> FactorFit:
    """:func:`fit_factors` of B windows at once: ``y`` (B, W, N) on ``factors``
    (B, W, K), window ``b`` of every column fitted on window ``b`` of the factors (a
    window cut short is padded with NaN factor rows, which are no observations).

    Returns
    -------
    FactorFit
        Leading shape (B, N).
    """
    Y, F = y, factors
    K = F.shape[-1]
    rows_ok: npt.NDArray[np.bool_] = np.asarray(np.isfinite(F).all(axis=-1))  # (B, W)
    mask = np.isfinite(Y) & rows_ok[..., None]
    m = mask.astype(np.float64)
    n = m.sum(axis=-2)  # (B, N)
    n_safe = np.maximum(n, 1.0)
    count = rows_ok.sum(axis=-1)[:, None]
    centre = np.where(rows_ok[..., None], F, 0.0).sum(axis=-2) / np.maximum(count, 1)
    Fc = np.where(rows_ok[..., None], F - centre[:, None, :], 0.0)
    y_mean = np.where(mask, Y, 0.0).sum(axis=-2) / n_safe
    Yc = np.where(mask, Y - y_mean[:, None, :], 0.0)
    mT = np.swapaxes(m, -1, -2)  # (B, N, W)
    fsum = mT @ Fc  # (B, N, K)
    fbar = fsum / n_safe[..., None]
    outer = (Fc[..., :, None] * Fc[..., None, :]).reshape(*Fc.shape[:-1], K * K)
    gram = (mT @ outer).reshape(*n.shape, K, K) - n[..., None, None] * (
        fbar[..., :, None] * fbar[..., None, :]
    )
    ysum = Yc.sum(axis=-2)
    cross = np.swapaxes(Yc, -1, -2) @ Fc - fbar * ysum[..., None]
    cyy = (Yc * Yc).sum(axis=-2) - ysum * ysum / n_safe
    return _solve(
        n, gram, cross, cyy, y_mean + ysum / n_safe, fbar + centre[:, None, :], ridge, min_obs
    )


def _prefix(a: FloatArray) -> FloatArray:
    """Prefix sums along axis 0 with a leading zero row."""
    out = np.zeros((a.shape[0] + 1, *a.shape[1:]))
    np.cumsum(a, axis=0, out=out[1:])
    return out


def rolling_factor_fits(
    returns: ArrayLike,
    factors: ArrayLike,
    ends: ArrayLike,
    window: int,
    *,
    ridge: float | None = None,
    min_obs: int,
) -> FactorFit:
    """:func:`fit_factors` of every column on the ``window`` sessions ending at each of
    ``ends`` (row indices), for all windows at once.

    Parameters
    ----------
    returns : ndarray of shape (T, N)
    factors : ndarray of shape (T, K)
    ends : int array of shape (D,)
    window : int
    ridge : float, optional
    min_obs : int

    Returns
    -------
    FactorFit
        Leading shape (D, N): row d is the fit on rows ``ends[d] - window + 1 .. ends[d]``.

    Notes
    -----
    A window holds the same observations for every column without a gap in it, so
    their moments come from prefix sums over time (each series de-meaned first, which
    keeps the sums accurate) and one inverse per window serves all of them. Columns
    with a gap in a window are fitted by :func:`fit_factors` on that window.
    """
    R = np.asarray(returns, dtype=np.float64)
    F = np.asarray(factors, dtype=np.float64)
    last = np.asarray(ends, dtype=np.int64)
    N = R.shape[1]
    K = F.shape[1]
    rows_ok: np.ndarray = np.asarray(np.isfinite(F).all(axis=1))
    f_centre = F[rows_ok].mean(axis=0) if rows_ok.any() else np.zeros(K)
    Fc = np.where(rows_ok[:, None], F - f_centre, 0.0)
    lo = np.maximum(last - window + 1, 0)
    hi = last + 1
    o = _window_sums(rows_ok.astype(np.float64), (lo, hi))  # (D,)
    fsum = _window_sums(Fc, (lo, hi))  # (D, K)
    fxx = _window_sums(Fc[:, :, None] * Fc[:, None, :], (lo, hi))
    n_safe = np.maximum(o, 1.0)
    fbar = fsum / n_safe[:, None]
    gram = fxx - o[:, None, None] * fbar[:, :, None] * fbar[:, None, :]
    blocks = [
        _rolling_block(
            R[:, c : c + _BLOCK],
            Fc,
            rows_ok,
            (lo, hi),
            o,
            fbar,
            fbar + f_centre,
            gram,
            ridge,
            min_obs,
        )
        for c in range(0, N, _BLOCK)
    ]
    if len(blocks) == 1:
        fit, gap = blocks[0]
    else:
        fit = FactorFit(
            *(
                np.concatenate([getattr(b[0], n) for b in blocks], axis=1)
                for n in FactorFit.__slots__
            )
        )
        gap = np.concatenate([b[1] for b in blocks], axis=1)
    _refit_gaps(fit, gap, R, F, lo, hi, ridge, min_obs)
    return fit


def _window_sums(a: FloatArray, bounds: tuple[IntArray, IntArray]) -> FloatArray:
    """Sums of ``a`` (T, ...) over rows ``lo .. hi - 1`` of each window, (D, ...)."""
    p = _prefix(a)
    out: FloatArray = p[bounds[1]] - p[bounds[0]]
    return out


def _rolling_block(
    Y: FloatArray,
    Fc: FloatArray,
    rows_ok: np.ndarray,
    bounds: tuple[IntArray, IntArray],
    o: FloatArray,
    fbar: FloatArray,
    fmean: FloatArray,
    gram: FloatArray,
    ridge: float | None,
    min_obs: int,
) -> tuple[FactorFit, np.ndarray]:
    """Fits of a block of columns from window sums, and where a column has a gap."""
    ok = np.isfinite(Y) & rows_ok[:, None]
    centre = np.where(ok, Y, 0.0).sum(axis=0) / np.maximum(ok.sum(axis=0), 1)
    Yc = np.where(ok, Y - centre, 0.0)
    count = _window_sums(ok.astype(np.float64), bounds)  # (D, N)
    ysum = _window_sums(Yc, bounds)
    yy = _window_sums(Yc * Yc, bounds)
    fy = _window_sums(Fc[:, :, None] * Yc[:, None, :], bounds)  # (D, K, N)
    n = np.broadcast_to(o[:, None], ysum.shape)
    ybar = ysum / np.maximum(n, 1.0)
    cross = np.moveaxis(fy, 1, 2) - ysum[..., None] * fbar[:, None, :]
    cyy = yy - ysum * ybar
    fit = _solve(n, gram[:, None], cross, cyy, ybar + centre, fmean[:, None], ridge, min_obs)
    return fit, count < n


def _refit_gaps(
    fit: FactorFit,
    gaps: np.ndarray,
    R: FloatArray,
    F: FloatArray,
    lo: IntArray,
    hi: IntArray,
    ridge: float | None,
    min_obs: int,
) -> None:
    """Columns with a gap in a window: their own masked fit (a loop over windows only)."""
    for d in np.flatnonzero(gaps.any(axis=1)).tolist():
        cols = np.flatnonzero(gaps[d])
        part = fit_factors(R[lo[d] : hi[d], cols], F[lo[d] : hi[d]], ridge=ridge, min_obs=min_obs)
        for name in FactorFit.__slots__:
            getattr(fit, name)[d, cols] = getattr(part, name)

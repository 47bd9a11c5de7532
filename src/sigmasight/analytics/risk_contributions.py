r"""Euler risk contributions to volatility, VaR and CVaR, many portfolios at once.

Every measure here is positively homogeneous of degree one in the weights, so Euler's
theorem splits it exactly into components (docs/methodology.md, "Risk contributions"):

.. math::
    \rho(w) = \sum_i w_i \frac{\partial \rho}{\partial w_i}
            = \sum_i \underbrace{w_i\, m_i}_{\text{component}_i}

with :math:`m_i` the **marginal** contribution. For every measure the marginal is a
linear functional of asset i's returns over the window, :math:`m_i = \sum_t a_t r_{ti}`,
with scenario weights :math:`a` that depend on the portfolio's own series
:math:`p = R w` only:

- ``volatility`` (annualised, ddof 1): :math:`a_t = \sqrt{252}\,(p_t - \bar p) /
  ((T-1)\sigma_p)`, so :math:`m_i = \sqrt{252}\operatorname{cov}(r_i, p)/\sigma_p`;
- ``parametric_var`` (normal, 1 day): :math:`\mathrm{VaR} = -(\bar p + z_{1-c}\sigma_p)`,
  :math:`a_t = -(1/T + z_{1-c}(p_t - \bar p)/((T-1)\sigma_p))`;
- ``parametric_cvar``: :math:`-(\bar p - \sigma_p \varphi(z_{1-c})/(1-c))`;
- ``historical_var``: the linear-interpolation quantile (numpy's default) sits between
  the scenarios of order statistics :math:`\lfloor h\rfloor` and :math:`\lceil h\rceil`,
  :math:`h = (T-1)(1-c)`; its derivative is the same interpolation of those scenarios'
  asset returns, :math:`a = -((1-f)\,e_{lo} + f\,e_{hi})` (the conditional expectation
  of :math:`r_i` at the quantile, estimated by the scenario(s) that make it);
- ``historical_cvar``: the mean over the tail scenarios at or below the quantile (the
  house CVaR), :math:`a_t = -1/k` on the :math:`k` tail scenarios (the conditional
  expectation of :math:`r_i` in the tail).

VaR and CVaR are positive numbers meaning a loss, fractions of NAV, one day. The
total is :math:`\sum_t a_t p_t`, which equals the measure; components sum to it to
rounding. A group (a sector, a factor) adds its members' components; its marginal is
its component over its weight. One matrix product :math:`A^\top R` gives every
portfolio's marginals at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import scipy.sparse as sp
from scipy.special import ndtri

from sigmasight.analytics._typing import ArrayLike, FloatArray, IntArray
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR

#: Measures with an Euler split, as named in the kernel.
MEASURES: Final[tuple[str, ...]] = (
    "volatility",
    "parametric_var",
    "parametric_cvar",
    "historical_var",
    "historical_cvar",
)
#: Confidence of the VaR and CVaR contributions.
CONTRIBUTION_CONFIDENCE: Final = 0.95


def scenario_weights(
    series: ArrayLike, measure: str, confidence: float = CONTRIBUTION_CONFIDENCE
) -> FloatArray:
    """Weights ``a`` (T, P) such that each portfolio's measure is ``a[:, p] @ series[:, p]``
    and the marginal of an asset is ``a[:, p] @ r`` (module docstring).

    Parameters
    ----------
    series : ndarray of shape (T, P)
        Every portfolio's return series over the window (finite).
    measure : str
        One of :data:`MEASURES`.
    confidence : float
    """
    S = np.asarray(series, dtype=np.float64)
    if S.ndim == 1:
        S = S[:, None]
    T = S.shape[0]
    _check(measure, T)
    if measure.startswith("historical"):
        return _historical_weights(S, measure, confidence)
    centred = S - S.mean(axis=0)
    sigma = np.sqrt((centred * centred).sum(axis=0) / (T - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(sigma > 0, centred / ((T - 1) * sigma), 0.0)
    if measure == "volatility":
        out: FloatArray = np.sqrt(TRADING_DAYS_PER_YEAR) * slope
        return out
    z = float(ndtri(1.0 - confidence))
    if measure == "parametric_var":
        out = -(1.0 / T + z * slope)
        return out
    tail = float(np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)) / (1.0 - confidence)
    out = -(1.0 / T - tail * slope)
    return out


def _historical_weights(S: FloatArray, measure: str, confidence: float) -> FloatArray:
    T, P = S.shape
    lo, hi, frac = _quantile_position(T, confidence)
    rows = _order_rows(S, (lo, hi))
    cols = np.arange(P)
    out = np.zeros((T, P))
    if measure == "historical_var":
        out[rows[lo], cols] -= 1.0 - frac
        out[rows[hi], cols] -= frac
        return out
    below, above = S[rows[lo], cols], S[rows[hi], cols]
    quantile = below + frac * (above - below)
    tail = quantile >= S
    k = tail.sum(axis=0)
    out[tail] = -1.0
    out /= np.maximum(k, 1)
    return out


@dataclass(frozen=True, slots=True)
class Contributions:
    """Euler split of one measure for P portfolios over N assets (or groups).

    Attributes
    ----------
    total : (P,) the measure
    weight : (P, N) the exposure weights the split is over
    marginal : (P, N) :math:`\\partial\\rho/\\partial w_i` (NaN for a group of weight 0)
    component : (P, N) :math:`w_i m_i`; sums over N to ``total``
    """

    total: FloatArray
    weight: FloatArray
    marginal: FloatArray
    component: FloatArray

    @property
    def percent(self) -> FloatArray:
        """Each component as a share of the total (NaN where the total is 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            out: FloatArray = self.component / self.total[:, None]
        return np.where(self.total[:, None] != 0, out, np.nan)


def euler_contributions(
    returns: ArrayLike,
    weights: ArrayLike,
    measure: str,
    confidence: float = CONTRIBUTION_CONFIDENCE,
) -> Contributions:
    r"""Marginal and component contributions of every asset to every portfolio's measure.

    Parameters
    ----------
    returns : ndarray of shape (T, N)
        Asset returns over the window, finite (drop sessions a portfolio cannot price
        before calling). A column may repeat (two positions on one underlying).
    weights : ndarray of shape (P, N) or (N,)
        Signed exposure weights (delta-adjusted exposure over NAV; a short or a long put
        is negative).
    measure : str
        One of :data:`MEASURES`.

    Returns
    -------
    Contributions
        ``component.sum(axis=1) == total`` to rounding.
    """
    R = np.asarray(returns, dtype=np.float64)
    W = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    T = R.shape[0]
    _check(measure, T)
    if measure.startswith("historical"):
        total, marginal = _historical_split(R, W, measure, confidence)
    else:
        total, marginal = _moment_split(R, W, measure, confidence)
    return Contributions(total=total, weight=W, marginal=marginal, component=W * marginal)


def _check(measure: str, T: int) -> None:
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; expected one of {MEASURES}")
    if T < 2:
        raise ValueError("a risk contribution needs at least two returns")


#: Below this share of non-zero weights a book's weights multiply as a sparse matrix (30
#: positions over a 500-security panel: 6 %).
_SPARSE_SHARE: Final = 0.1


def _times(W: FloatArray, M: FloatArray) -> FloatArray:
    """``W @ M`` with W (P, N), as a sparse product when few weights are non-zero."""
    if W.size and np.count_nonzero(W) <= _SPARSE_SHARE * W.size:
        out: FloatArray = np.asarray(sp.csr_array(W) @ M)
        return out
    return W @ M


def _moment_split(
    R: FloatArray, W: FloatArray, measure: str, confidence: float
) -> tuple[FloatArray, FloatArray]:
    r"""Total and marginals of the volatility and the normal VaR/CVaR from the assets'
    covariance, with the same figures as the scenario weights :math:`A^\top R`:
    :math:`\sum_t (p_t - \bar p) r_{ti} = (C w)_i` with :math:`C = R_c^\top R_c`, so no
    portfolio series is needed (an (N, N) product once, then a sparse one per book)."""
    T = R.shape[0]
    mu = R.mean(axis=0)
    centred = R - mu
    cross = _times(W, centred.T @ centred)  # (P, N): (C w) per book
    sigma = np.sqrt(np.maximum((cross * W).sum(axis=1), 0.0) / (T - 1))
    with np.errstate(divide="ignore"):
        scale = np.where(sigma > 0, 1.0 / ((T - 1) * sigma), 0.0)
    slope = np.multiply(cross, scale[:, None], out=cross)
    if measure == "volatility":
        root = float(np.sqrt(TRADING_DAYS_PER_YEAR))
        return root * sigma, root * slope
    mean = W @ mu
    z = float(ndtri(1.0 - confidence))
    if measure == "parametric_var":
        return -(mean + z * sigma), -(mu + z * slope)
    tail = float(np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)) / (1.0 - confidence)
    return -(mean - tail * sigma), -(mu - tail * slope)


def _historical_split(
    R: FloatArray, W: FloatArray, measure: str, confidence: float
) -> tuple[FloatArray, FloatArray]:
    """Total and marginals of the historical VaR/CVaR: the scenario(s) at the quantile
    (VaR) or in the tail (CVaR) of each book's series, read as rows of ``R``: a gather
    of two rows a book, or a sparse product with the tail's k scenarios, instead of the
    dense (T, P) scenario weights."""
    T = R.shape[0]
    S = _times(W, R.T).T  # (T, P) every book's series
    lo, hi, frac = _quantile_position(T, confidence)
    rows = _order_rows(S, (lo, hi))
    cols = np.arange(S.shape[1])
    below, above = S[rows[lo], cols], S[rows[hi], cols]
    if measure == "historical_var":
        marginal = -((1.0 - frac) * R[rows[lo]] + frac * R[rows[hi]])
        return -((1.0 - frac) * below + frac * above), marginal
    quantile = below + frac * (above - below)
    tail = quantile >= S
    k = np.maximum(tail.sum(axis=0), 1)
    scenario, book = np.nonzero(tail.T)
    picks = sp.csr_array((np.ones(book.size), (scenario, book)), shape=(S.shape[1], T))
    marginal = -np.asarray(picks @ R) / k[:, None]
    return -np.where(tail, S, 0.0).sum(axis=0) / k, marginal


def _quantile_position(T: int, confidence: float) -> tuple[int, int, float]:
    """Order statistics (0-based) around the linear-interpolation quantile at ``1 - c``
    of T values, and the fraction between them (numpy's default quantile)."""
    h = (T - 1) * (1.0 - confidence)
    lo = int(np.floor(h))
    return lo, min(lo + 1, T - 1), h - lo


def _order_rows(S: FloatArray, positions: tuple[int, ...]) -> dict[int, IntArray]:
    """Row of each column's order statistic at each position, ties to the earliest row
    (as a stable sort): a partition, and a stable sort only of the columns whose value
    there is tied."""
    kth = sorted(set(positions))
    part = np.argpartition(S, kth, axis=0)
    cols = np.arange(S.shape[1])
    out: dict[int, IntArray] = {}
    for k in kth:
        rows = part[k]
        tied = np.flatnonzero((S[rows, cols] == S).sum(axis=0) > 1)
        if tied.size:
            rows = rows.copy()
            rows[tied] = np.argsort(S[:, tied], axis=0, kind="stable")[k]
        out[k] = rows
    return out


def group_contributions(c: Contributions, groups: ArrayLike, n_groups: int) -> Contributions:
    """Components summed by group (``groups`` (N,) ints in ``[0, n_groups)``); a group's
    weight is its members' summed weight and its marginal the component over it."""
    g: IntArray = np.asarray(groups, dtype=np.int64)
    onehot = np.zeros((g.size, n_groups))
    onehot[np.arange(g.size), g] = 1.0
    weight = c.weight @ onehot
    component = c.component @ onehot
    with np.errstate(divide="ignore", invalid="ignore"):
        marginal = np.where(weight != 0, component / weight, np.nan)
    return Contributions(total=c.total, weight=weight, marginal=marginal, component=component)


def factor_contributions(
    returns: ArrayLike,
    weights: ArrayLike,
    loadings: ArrayLike,
    factor_returns: ArrayLike,
    measure: str,
    confidence: float = CONTRIBUTION_CONFIDENCE,
) -> Contributions:
    r"""Split by factor with the specific remainder as the last column (K + 1).

    The portfolio's factor exposures are :math:`b = B^\top w` (``loadings`` B (N, K) from
    the factor model); its series splits into :math:`p_t = \sum_k b_k f_{kt} + u_t`,
    :math:`u` the specific remainder (intercept and residuals). Treating :math:`u` as
    one more factor with exposure 1, the same Euler split applies: component
    :math:`b_k \sum_t a_t f_{kt}` per factor and :math:`\sum_t a_t u_t` for the
    remainder, summing to the same total as the split by position. For volatility
    :math:`\sum_t a_t f_{kt} = \sqrt{252}\,(\Omega b + \operatorname{cov}(f, u))_k/\sigma_p`,
    the factor covariance :math:`\Omega` times the exposures plus the remainder's
    covariance with the factor.

    Parameters
    ----------
    returns : (T, N), weights : (P, N) or (N,), loadings : (N, K), factor_returns : (T, K)
        All finite; NaN loadings (a security without a fit) count as 0 (all of its
        return is then specific).
    """
    R = np.asarray(returns, dtype=np.float64)
    W = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    B = np.nan_to_num(np.asarray(loadings, dtype=np.float64))
    F = np.asarray(factor_returns, dtype=np.float64)
    series = R @ W.T  # (T, P)
    b = W @ B  # (P, K)
    specific = series - F @ b.T  # (T, P)
    A = scenario_weights(series, measure, confidence)
    factor_marginal = A.T @ F  # (P, K)
    specific_marginal = (A * specific).sum(axis=0)
    total = (A * series).sum(axis=0)
    weight = np.column_stack([b, np.ones(W.shape[0])])
    marginal = np.column_stack([factor_marginal, specific_marginal])
    return Contributions(total=total, weight=weight, marginal=marginal, component=weight * marginal)

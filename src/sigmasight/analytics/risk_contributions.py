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
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; expected one of {MEASURES}")
    if T < 2:
        raise ValueError("a risk contribution needs at least two returns")
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
    order = np.argsort(S, axis=0, kind="stable")
    h = (T - 1) * (1.0 - confidence)
    lo = int(np.floor(h))
    hi = min(lo + 1, T - 1)
    frac = h - lo
    cols = np.arange(P)
    out = np.zeros((T, P))
    if measure == "historical_var":
        out[order[lo], cols] -= 1.0 - frac
        out[order[hi], cols] -= frac
        return out
    below, above = S[order[lo], cols], S[order[hi], cols]
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
    series = R @ W.T  # (T, P)
    A = scenario_weights(series, measure, confidence)
    marginal = A.T @ R  # (P, N)
    total = (A * series).sum(axis=0)
    return Contributions(total=total, weight=W, marginal=marginal, component=W * marginal)


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

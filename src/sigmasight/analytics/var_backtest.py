r"""VaR backtests: exceptions, Kupiec, Christoffersen and the Basel traffic light.

An *exception* on day t is a realized loss above the VaR predicted at the close of
t - 1 (both positive numbers meaning a loss). Likelihood ratios use
:math:`0 \ln 0 = 0` (``scipy.special.xlogy``), so zero exceptions give a finite
statistic. Inputs are 1-D, or 2-D with one series per column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import bdtr, chdtrc, xlogy

from sigmasight.analytics._typing import ArrayLike, BoolArray, FloatArray, IntArray

#: Sessions of the Basel traffic light and its cumulative-probability zone edges.
BASEL_SESSIONS = 250
BASEL_GREEN_BELOW = 0.95
BASEL_YELLOW_BELOW = 0.9999
ZONES: tuple[str, ...] = ("green", "yellow", "red")


def exceptions(losses: ArrayLike, var: ArrayLike) -> BoolArray:
    """Where ``losses[t]`` (positive = loss) exceeds ``var[t]``, the VaR predicted the
    session before (align before calling); False where either is missing."""
    loss = np.asarray(losses, dtype=np.float64)
    limit = np.asarray(var, dtype=np.float64)
    known = np.isfinite(loss) & np.isfinite(limit)
    return known & (np.where(known, loss, 0.0) > np.where(known, limit, 0.0))


@dataclass(frozen=True, slots=True)
class Kupiec:
    n_obs: IntArray
    n_exceptions: IntArray
    lr: FloatArray
    p_value: FloatArray


def kupiec_pof(n_obs: ArrayLike, n_exceptions: ArrayLike, confidence: float) -> Kupiec:
    r"""Kupiec (1995) proportion-of-failures test, :math:`\chi^2_1`.

    .. math:: LR_{pof} = -2\ln\frac{(1-p)^{n-x}p^x}{(1-\hat p)^{n-x}\hat p^x},
              \qquad p = 1 - c,\ \hat p = x / n
    """
    n = np.asarray(n_obs, dtype=np.int64)
    x = np.asarray(n_exceptions, dtype=np.int64)
    p = 1.0 - confidence
    safe = np.maximum(n, 1)
    hat = x / safe
    lr = -2.0 * (xlogy(n - x, 1.0 - p) + xlogy(x, p) - xlogy(n - x, 1.0 - hat) - xlogy(x, hat))
    lr = np.where(n > 0, np.maximum(lr, 0.0), np.nan)
    return Kupiec(n, x, lr, np.where(n > 0, chdtrc(1, np.where(n > 0, lr, 0.0)), np.nan))


@dataclass(frozen=True, slots=True)
class Christoffersen:
    """Transition counts and the independence and conditional coverage tests."""

    n00: IntArray
    n01: IntArray
    n10: IntArray
    n11: IntArray
    lr_independence: FloatArray
    p_independence: FloatArray
    lr_conditional_coverage: FloatArray
    p_conditional_coverage: FloatArray


def christoffersen(hits: ArrayLike, confidence: float) -> Christoffersen:
    r"""Christoffersen (1998) independence (:math:`\chi^2_1`) and conditional coverage
    (:math:`LR_{cc} = LR_{pof} + LR_{ind}`, :math:`\chi^2_2`) tests of a hit sequence.

    With :math:`n_{ij}` the transitions from state i to state j and
    :math:`\pi_0 = n_{01}/(n_{00}+n_{01})`, :math:`\pi_1 = n_{11}/(n_{10}+n_{11})`,
    :math:`\pi = (n_{01}+n_{11})/\sum n_{ij}`:

    .. math:: LR_{ind} = -2\ln\frac{(1-\pi)^{n_{00}+n_{10}}\pi^{n_{01}+n_{11}}}
              {(1-\pi_0)^{n_{00}}\pi_0^{n_{01}}(1-\pi_1)^{n_{10}}\pi_1^{n_{11}}}

    :math:`LR_{pof}` is :func:`kupiec_pof` over all days of ``hits``.
    """
    H = np.asarray(hits, dtype=bool)
    one_d = H.ndim == 1
    H2 = H[:, None] if one_d else H
    prev, curr = H2[:-1], H2[1:]
    n00 = (~prev & ~curr).sum(axis=0)
    n01 = (~prev & curr).sum(axis=0)
    n10 = (prev & ~curr).sum(axis=0)
    n11 = (prev & curr).sum(axis=0)
    pi0 = n01 / np.maximum(n00 + n01, 1)
    pi1 = n11 / np.maximum(n10 + n11, 1)
    pi = (n01 + n11) / np.maximum(n00 + n01 + n10 + n11, 1)
    restricted = xlogy(n00 + n10, 1.0 - pi) + xlogy(n01 + n11, pi)
    free = xlogy(n00, 1.0 - pi0) + xlogy(n01, pi0) + xlogy(n10, 1.0 - pi1) + xlogy(n11, pi1)
    lr_ind = np.maximum(-2.0 * (restricted - free), 0.0)
    pof = kupiec_pof(H2.shape[0], H2.sum(axis=0), confidence)
    lr_cc = pof.lr + lr_ind
    out = Christoffersen(
        n00.astype(np.int64),
        n01.astype(np.int64),
        n10.astype(np.int64),
        n11.astype(np.int64),
        lr_ind,
        chdtrc(1, lr_ind),
        lr_cc,
        chdtrc(2, lr_cc),
    )
    if one_d:
        return Christoffersen(*(np.asarray(getattr(out, f))[0] for f in Christoffersen.__slots__))
    return out


def basel_zone(n_exceptions: ArrayLike, n_obs: ArrayLike, confidence: float) -> IntArray:
    """Index into :data:`ZONES`: green while the binomial probability of at most the
    observed exceptions is below 95 %, yellow below 99.99 %, red from there (the Basel
    Committee's 1996 zones: 0-4 / 5-9 / 10+ exceptions of a 99 % VaR in 250 sessions)."""
    x = np.asarray(n_exceptions, dtype=np.int64)
    n = np.asarray(n_obs, dtype=np.int64)
    cumulative = bdtr(x, n, 1.0 - confidence)
    zone = np.where(cumulative < BASEL_GREEN_BELOW, 0, 1)
    return np.where(cumulative < BASEL_YELLOW_BELOW, zone, 2).astype(np.int64)

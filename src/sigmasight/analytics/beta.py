"""Market beta of securities and of portfolios.

Security beta: OLS of the security's daily simple returns on the market's over a
trailing window of ``window`` trading days (default 90, at least 30 observations),
capped at ``±cap`` (default 5) with a flag. Portfolio beta two ways:

* exposure-weighted, :math:`\\beta_p = \\sum_i e_i \\beta_i / E` with signed
  delta-adjusted exposures :math:`e_i` and equity :math:`E`
  (:func:`exposure_weighted_beta`);
* direct, the OLS beta of the portfolio's own return series (:func:`direct_portfolio_beta`).

With no missing data and no cap the two agree exactly, because OLS beta is linear in y.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sigmasight.analytics._typing import (
    ArrayLike,
    BoolArray,
    FloatArray,
    IntArray,
    Reason,
    ReasonArray,
)
from sigmasight.analytics.exposures import ExposureMatrix
from sigmasight.analytics.regression import OLSResult, ols_single, rolling_ols
from sigmasight.analytics.returns import portfolio_returns

#: Defaults of the security beta (trading days).
BETA_WINDOW = 90
BETA_MIN_OBS = 30
BETA_CAP = 5.0


@dataclass(frozen=True, slots=True)
class BetaResult:
    """Capped betas with their regression statistics (shapes as ``ols``).

    ``beta`` is clipped to ``[-cap, cap]``; ``capped`` says where clipping happened;
    ``ols.beta`` keeps the uncapped estimate.
    """

    beta: FloatArray
    capped: BoolArray
    ols: OLSResult


def _capped(ols: OLSResult, cap: float) -> BetaResult:
    with np.errstate(invalid="ignore"):
        capped = np.abs(ols.beta) > cap
    return BetaResult(beta=np.clip(ols.beta, -cap, cap), capped=capped, ols=ols)


def security_beta(
    returns: ArrayLike,
    market: ArrayLike,
    window: int = BETA_WINDOW,
    min_obs: int = BETA_MIN_OBS,
    cap: float = BETA_CAP,
) -> BetaResult:
    """Market beta over the last ``window`` rows for each column.

    Parameters
    ----------
    returns : ndarray of shape (T, N) or (T,)
        Daily simple returns ending at the as-of date (NaN = missing).
    market : ndarray of shape (T,)
        Market returns on the same dates.

    Returns
    -------
    BetaResult
        Fields of shape (N,) (0-d for 1-D input).
    """
    y = np.asarray(returns, dtype=np.float64)[-window:]
    x = np.asarray(market, dtype=np.float64)[-window:]
    return _capped(ols_single(y, x, min_obs=min_obs), cap)


def rolling_security_beta(
    returns: ArrayLike,
    market: ArrayLike,
    window: int = BETA_WINDOW,
    min_obs: int = BETA_MIN_OBS,
    cap: float = BETA_CAP,
) -> BetaResult:
    """:func:`security_beta` for the window ending at every row; fields (T, N)."""
    return _capped(rolling_ols(returns, market, window, min_obs), cap)


def direct_portfolio_beta(
    weights: ArrayLike,
    returns: ArrayLike,
    market: ArrayLike,
    window: int = BETA_WINDOW,
    min_obs: int = BETA_MIN_OBS,
    cap: float = BETA_CAP,
) -> BetaResult:
    r"""Beta of each portfolio's own return series :math:`R W^\top` on the market.

    ``weights`` (P, N) dense or sparse, signed (exposure / equity); ``returns`` (T, N).
    A date where a held security's return is missing is dropped from that portfolio's
    window (see :func:`~sigmasight.analytics.returns.portfolio_returns`). Fields (P,).
    """
    R = np.asarray(returns, dtype=np.float64)[-window:]
    port = portfolio_returns(weights, R)
    return security_beta(port, np.asarray(market, dtype=np.float64)[-window:], window, min_obs, cap)


@dataclass(frozen=True, slots=True)
class PortfolioBeta:
    """Exposure-weighted beta per portfolio, shape (P,).

    ``mean_security_r_squared`` is the mean of the included securities' R², weighted by
    absolute exposure: a description of how well the market explains the holdings one by
    one, **not** an R² of the portfolio (that is the direct beta's R²).
    ``covered_exposure`` is the absolute exposure that has a beta. ``n_covered`` and
    ``n_missing_beta`` count securities in the exposure matrix (lots merged, an option
    under its underlying); the ``*_excluded`` and ``n_unpriced`` counts are positions.
    """

    beta: FloatArray
    mean_security_r_squared: FloatArray
    covered_exposure: FloatArray
    n_covered: IntArray
    n_missing_beta: IntArray
    n_options_excluded: IntArray
    n_private_excluded: IntArray
    n_unpriced: IntArray
    reason: ReasonArray


def exposure_weighted_beta(
    exposures: ExposureMatrix, beta: ArrayLike, r_squared: ArrayLike, equity: ArrayLike
) -> PortfolioBeta:
    r"""Portfolio beta as the equity-scaled sum of signed exposures times security betas.

    .. math::
        \beta_p = \frac{\sum_i e_{pi}\,\beta_i}{E_p},\qquad
        \overline{R^2}_p = \frac{\sum_i |e_{pi}|\,R^2_i}{\sum_i |e_{pi}|}

    Parameters
    ----------
    exposures : ExposureMatrix
        Signed delta-adjusted exposures (P, N) from
        :func:`~sigmasight.analytics.exposures.exposure_matrix`.
    beta, r_squared : ndarray of shape (N,)
        Security betas (capped) and their R²; a NaN beta leaves its exposure out of the
        sum and is counted in ``n_missing_beta`` (held, not silently zero).
    equity : ndarray of shape (P,)
        Denominator; <= 0 or NaN gives NaN with ``INVALID_DENOMINATOR``.
    """
    E = exposures.matrix
    b = np.asarray(beta, dtype=np.float64)
    r2 = np.asarray(r_squared, dtype=np.float64)
    has = np.isfinite(b) & np.isfinite(r2)
    absE = abs(E)
    held = (E != 0).astype(np.float64)
    n_missing = np.asarray(held @ (~has).astype(np.float64)).round().astype(np.int64)
    covered = np.asarray(absE @ has.astype(np.float64))
    eq = np.asarray(equity, dtype=np.float64)
    ok = np.isfinite(eq) & (eq > 0)
    reason = np.where(ok, Reason.OK, Reason.INVALID_DENOMINATOR).astype(np.uint8)
    reason[ok & (covered <= 0)] = Reason.INSUFFICIENT_DATA
    with np.errstate(divide="ignore", invalid="ignore"):
        beta_p = np.asarray(E @ np.where(has, b, 0.0)) / eq
        r2_p = np.asarray(absE @ np.where(has, r2, 0.0)) / covered
    bad = reason != Reason.OK
    return PortfolioBeta(
        beta=np.where(bad, np.nan, beta_p),
        mean_security_r_squared=np.where(bad, np.nan, r2_p),
        covered_exposure=covered,
        n_covered=np.asarray(held @ has.astype(np.float64)).round().astype(np.int64),
        n_missing_beta=n_missing,
        n_options_excluded=exposures.n_options_excluded,
        n_private_excluded=exposures.n_private_excluded,
        n_unpriced=exposures.n_unpriced,
        reason=reason,
    )

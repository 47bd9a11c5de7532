"""Black-Scholes delta of European options, vectorised.

Volatility input (docs/methodology.md): the caller passes an annualised volatility per
option, the implied volatility when the data provider has one, otherwise the
underlying's realized 63-trading-day volatility (:func:`realized_volatility` with
``window=63``), which is the platform default. Time is in years of 365 calendar days
(option expiries are calendar dates); rates and dividend yields are continuous, annual.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from sigmasight.analytics._typing import ArrayLike, FloatArray, Reason, ReasonArray

#: Calendar days per year for option time to expiry.
CALENDAR_DAYS_PER_YEAR = 365.0


@dataclass(frozen=True, slots=True)
class DeltaResult:
    """Option deltas per unit of underlying, shape (M,); NaN where ``reason`` != OK."""

    delta: FloatArray
    reason: ReasonArray


def black_scholes_delta(
    spot: ArrayLike,
    strike: ArrayLike,
    years_to_expiry: ArrayLike,
    volatility: ArrayLike,
    is_call: ArrayLike,
    rate: ArrayLike = 0.0,
    dividend_yield: ArrayLike = 0.0,
) -> DeltaResult:
    r"""Delta of a European call or put under Black-Scholes-Merton.

    .. math::
        d_1 = \frac{\ln(S/K) + (r - q + \sigma^2/2)\,\tau}{\sigma\sqrt{\tau}},\qquad
        \Delta_{call} = e^{-q\tau} N(d_1),\quad \Delta_{put} = -e^{-q\tau} N(-d_1)

    Parameters
    ----------
    spot, strike : array of shape (M,)
        Underlying price and strike, > 0.
    years_to_expiry : array of shape (M,)
        :math:`\tau`; at or past expiry the delta is the exercise indicator
        (1 / 0 for calls in / out of the money, -1 / 0 for puts, ±0.5 at the money).
    volatility : array of shape (M,)
        Annualised :math:`\sigma` > 0 (see module docstring for which one).
    is_call : bool array of shape (M,)
    rate, dividend_yield : array or float
        Continuously compounded annual :math:`r` and :math:`q`.

    Returns
    -------
    DeltaResult
        Delta of a long position in one option on one share; sign of the position and
        the contract multiplier are applied by the caller.
    """
    S, K, tau, vol, r, q = np.broadcast_arrays(
        *(
            np.asarray(a, dtype=np.float64)
            for a in (spot, strike, years_to_expiry, volatility, rate, dividend_yield)
        )
    )
    call = np.broadcast_to(np.asarray(is_call, dtype=bool), S.shape)
    finite = np.isfinite(S) & np.isfinite(K) & np.isfinite(tau) & np.isfinite(r) & np.isfinite(q)
    valid = finite & (S > 0) & (K > 0)
    live = valid & (tau > 0)
    valid &= ~live | (np.isfinite(vol) & (vol > 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        sq = vol * np.sqrt(tau)
        d1 = (np.log(S / K) + (r - q + 0.5 * vol * vol) * tau) / sq
        disc = np.exp(-q * np.maximum(tau, 0.0))
    live_delta = np.where(call, disc * ndtr(d1), -disc * ndtr(-d1))
    itm = np.where(call, S > K, S < K).astype(np.float64)
    expired = np.where(S == K, 0.5, itm) * np.where(call, 1.0, -1.0)
    delta = np.where(live, live_delta, expired)
    reason = np.where(valid, Reason.OK, Reason.INVALID_INPUT).astype(np.uint8)
    return DeltaResult(delta=np.where(valid, delta, np.nan), reason=reason)


def black_scholes_price(
    spot: ArrayLike,
    strike: ArrayLike,
    years_to_expiry: ArrayLike,
    volatility: ArrayLike,
    is_call: ArrayLike,
    rate: ArrayLike = 0.0,
    dividend_yield: ArrayLike = 0.0,
) -> FloatArray:
    r"""Black-Scholes-Merton value of one European option on one share, shape (M,).

    .. math::
        C = S e^{-q\tau} N(d_1) - K e^{-r\tau} N(d_2),\qquad
        P = K e^{-r\tau} N(-d_2) - S e^{-q\tau} N(-d_1),\qquad d_2 = d_1 - \sigma\sqrt\tau

    At or past expiry (:math:`\tau \le 0`) the value is the intrinsic value. NaN where an
    input is missing or out of its domain (as for :func:`black_scholes_delta`).
    """
    S, K, tau, vol, r, q = np.broadcast_arrays(
        *(
            np.asarray(a, dtype=np.float64)
            for a in (spot, strike, years_to_expiry, volatility, rate, dividend_yield)
        )
    )
    call = np.broadcast_to(np.asarray(is_call, dtype=bool), S.shape)
    valid = np.isfinite(S) & np.isfinite(K) & np.isfinite(tau) & (S > 0) & (K > 0)
    live = valid & (tau > 0)
    valid &= ~live | (np.isfinite(vol) & (vol > 0))
    intrinsic = np.where(call, np.maximum(S - K, 0.0), np.maximum(K - S, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.maximum(tau, 0.0)
        sq = vol * np.sqrt(t)
        d1 = (np.log(S / K) + (r - q + 0.5 * vol * vol) * t) / sq
        d2 = d1 - sq
        fwd_s, disc_k = S * np.exp(-q * t), K * np.exp(-r * t)
        value = np.where(
            call,
            fwd_s * ndtr(d1) - disc_k * ndtr(d2),
            disc_k * ndtr(-d2) - fwd_s * ndtr(-d1),
        )
    out: FloatArray = np.where(valid, np.where(live, value, intrinsic), np.nan)
    return out

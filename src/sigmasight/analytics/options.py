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
from scipy.stats import norm

from sigmasight.analytics._typing import ArrayLike, BoolArray, FloatArray, Reason, ReasonArray

#: Calendar days per year for option time to expiry.
CALENDAR_DAYS_PER_YEAR = 365.0


@dataclass(frozen=True, slots=True)
class DeltaResult:
    """Option deltas per unit of underlying, shape (M,); NaN where ``reason`` != OK."""

    delta: FloatArray
    reason: ReasonArray


def _inputs(
    spot: ArrayLike,
    strike: ArrayLike,
    years_to_expiry: ArrayLike,
    volatility: ArrayLike,
    is_call: ArrayLike,
    rate: ArrayLike,
    dividend_yield: ArrayLike,
    rates_required: bool,
) -> tuple[
    FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray,
    BoolArray, BoolArray, BoolArray,
]:  # fmt: skip
    """The kernels' inputs broadcast together (S, K, tau, vol, r, q, call), where each
    option's are in their domain (``valid``: spot and strike finite and positive, time
    finite, with ``rates_required`` a finite rate and yield, and a finite positive
    volatility while it is live) and where it has time left (``live``)."""
    S, K, tau, vol, r, q = np.broadcast_arrays(
        *(
            np.asarray(a, dtype=np.float64)
            for a in (spot, strike, years_to_expiry, volatility, rate, dividend_yield)
        )
    )
    call = np.broadcast_to(np.asarray(is_call, dtype=bool), S.shape)
    valid = np.isfinite(S) & np.isfinite(K) & np.isfinite(tau) & (S > 0) & (K > 0)
    if rates_required:
        valid &= np.isfinite(r) & np.isfinite(q)
    live = valid & (tau > 0)
    valid &= ~live | (np.isfinite(vol) & (vol > 0))
    return S, K, tau, vol, r, q, call, valid, live


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
    S, K, tau, vol, r, q, call, valid, live = _inputs(
        spot,
        strike,
        years_to_expiry,
        volatility,
        is_call,
        rate,
        dividend_yield,
        rates_required=True,
    )
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
    S, K, tau, vol, r, q, call, valid, live = _inputs(
        spot,
        strike,
        years_to_expiry,
        volatility,
        is_call,
        rate,
        dividend_yield,
        rates_required=False,
    )
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


#: Units of every Greek (per one option on one share; a position multiplies by the
#: contract multiplier and the signed number of contracts): stated in every answer.
GREEK_UNITS: dict[str, str] = {
    "delta": "currency per 1 currency unit move of the underlying",
    "gamma": "delta per 1 currency unit move of the underlying",
    "vega": "currency per 1 volatility point (0.01 of annualised volatility)",
    "theta": "currency per calendar day (time decay, 1/365 of a year)",
    "rho": "currency per 1 percentage point (0.01) of the continuous annual rate",
}


@dataclass(frozen=True, slots=True)
class Greeks:
    """Value and Greeks of European options, each of shape (M,), in :data:`GREEK_UNITS`.

    ``expired`` marks options at or past expiry (:math:`\\tau \\le 0`): their value is
    the intrinsic value, their delta the exercise indicator (as for
    :func:`black_scholes_delta`) and gamma, vega, theta and rho are zero. Every field is
    NaN where ``reason`` != OK.
    """

    price: FloatArray
    delta: FloatArray
    gamma: FloatArray
    vega: FloatArray
    theta: FloatArray
    rho: FloatArray
    expired: BoolArray
    reason: ReasonArray

    def scaled(self, units: ArrayLike) -> Greeks:
        """Value and Greeks of a position: every field times ``units`` (the signed
        number of contracts times the contract multiplier, shares per contract)."""
        u = np.asarray(units, dtype=np.float64)
        return Greeks(
            self.price * u,
            self.delta * u,
            self.gamma * u,
            self.vega * u,
            self.theta * u,
            self.rho * u,
            self.expired,
            self.reason,
        )


def black_scholes_greeks(
    spot: ArrayLike,
    strike: ArrayLike,
    years_to_expiry: ArrayLike,
    volatility: ArrayLike,
    is_call: ArrayLike,
    rate: ArrayLike = 0.0,
    dividend_yield: ArrayLike = 0.0,
) -> Greeks:
    r"""Black-Scholes-Merton value and Greeks of one European option on one share.

    With :math:`\phi = 1` for a call and :math:`-1` for a put, :math:`n` the normal
    density and :math:`d_{1,2}` as in :func:`black_scholes_price`:

    .. math::
        \Delta = \phi e^{-q\tau} N(\phi d_1),\qquad
        \Gamma = \frac{e^{-q\tau} n(d_1)}{S\sigma\sqrt\tau},\qquad
        \mathcal{V} = \frac{S e^{-q\tau} n(d_1)\sqrt\tau}{100},

        \Theta = \frac{1}{365}\Big(-\frac{S e^{-q\tau} n(d_1)\sigma}{2\sqrt\tau}
            + \phi q S e^{-q\tau} N(\phi d_1) - \phi r K e^{-r\tau} N(\phi d_2)\Big),\qquad
        \rho = \frac{\phi K \tau e^{-r\tau} N(\phi d_2)}{100}

    Vega is per volatility point and rho per percentage point: divided by 100 once,
    with the volatility and the rate passed as fractions (0.05 for 5 %). Theta is the
    change of value as one calendar day passes (:math:`-\partial V/\partial\tau` over
    365). Inputs as for :func:`black_scholes_price`; ``rate`` and ``dividend_yield``
    are continuously compounded annual fractions.
    """
    S, K, tau, vol, r, q, call, valid, live = _inputs(
        spot,
        strike,
        years_to_expiry,
        volatility,
        is_call,
        rate,
        dividend_yield,
        rates_required=True,
    )
    live &= valid
    phi = np.where(call, 1.0, -1.0)
    # Live formulas on harmless stand-ins where an option is expired or invalid (the
    # stand-ins are masked out below): no division by zero, no warning.
    one = np.ones_like(S)
    s_, k_ = np.where(valid, S, one), np.where(valid, K, one)
    r_, q_ = np.where(valid, r, 0.0), np.where(valid, q, 0.0)
    t, sigma = np.where(live, tau, one), np.where(live, vol, one)
    sqrt_t = np.sqrt(t)
    sq = sigma * sqrt_t
    d1 = (np.log(s_ / k_) + (r_ - q_ + 0.5 * sigma * sigma) * t) / sq
    d2 = d1 - sq
    div_disc = np.exp(-q_ * t)
    fwd, disc_k = s_ * div_disc, k_ * np.exp(-r_ * t)
    nd1 = norm.pdf(d1)
    n_phi_d1, n_phi_d2 = ndtr(phi * d1), ndtr(phi * d2)
    price = phi * (fwd * n_phi_d1 - disc_k * n_phi_d2)
    delta = phi * div_disc * n_phi_d1
    gamma = div_disc * nd1 / (s_ * sq)
    vega = fwd * nd1 * sqrt_t / 100.0
    decay = -fwd * nd1 * sigma / (2.0 * sqrt_t)
    theta = (decay + phi * (q_ * fwd * n_phi_d1 - r_ * disc_k * n_phi_d2)) / CALENDAR_DAYS_PER_YEAR
    rho = phi * disc_k * t * n_phi_d2 / 100.0
    intrinsic = np.maximum(phi * (S - K), 0.0)
    exercise = np.where(S == K, 0.5, np.where(call, S > K, S < K).astype(np.float64)) * phi
    expired = valid & ~live

    def pick(live_value: FloatArray, expired_value: FloatArray | float) -> FloatArray:
        out: FloatArray = np.where(valid, np.where(live, live_value, expired_value), np.nan)
        return out

    return Greeks(
        price=pick(price, intrinsic),
        delta=pick(delta, exercise),
        gamma=pick(gamma, 0.0),
        vega=pick(vega, 0.0),
        theta=pick(theta, 0.0),
        rho=pick(rho, 0.0),
        expired=expired,
        reason=np.where(valid, Reason.OK, Reason.INVALID_INPUT).astype(np.uint8),
    )

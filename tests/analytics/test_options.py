from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from sigmasight.analytics._typing import Reason
from sigmasight.analytics.options import black_scholes_delta


def _bs_call_price(S: float, K: float, tau: float, vol: float, r: float, q: float) -> float:
    d1 = (np.log(S / K) + (r - q + 0.5 * vol**2) * tau) / (vol * np.sqrt(tau))
    d2 = d1 - vol * np.sqrt(tau)
    return float(S * np.exp(-q * tau) * norm.cdf(d1) - K * np.exp(-r * tau) * norm.cdf(d2))


def test_call_delta_is_the_price_derivative() -> None:
    S, K, tau, vol, r, q = 100.0, 95.0, 0.4, 0.3, 0.04, 0.01
    h = 1e-4
    fd = (_bs_call_price(S + h, K, tau, vol, r, q) - _bs_call_price(S - h, K, tau, vol, r, q)) / (
        2 * h
    )
    d = black_scholes_delta(S, K, tau, vol, True, r, q).delta
    assert float(d) == pytest.approx(fd, rel=1e-7)


def test_put_call_parity_of_deltas() -> None:
    S = np.array([80.0, 100.0, 120.0])
    c = black_scholes_delta(S, 100.0, 0.5, 0.25, True, 0.03, 0.02).delta
    p = black_scholes_delta(S, 100.0, 0.5, 0.25, False, 0.03, 0.02).delta
    np.testing.assert_allclose(c - p, np.exp(-0.02 * 0.5), rtol=1e-14)
    assert (p < 0).all()
    assert (c > 0).all()


def test_expired_and_invalid_options() -> None:
    res = black_scholes_delta(
        [110.0, 90.0, 100.0, 100.0, 100.0],
        100.0,
        [0.0, 0.0, -0.1, 0.5, 0.5],
        [np.nan, np.nan, np.nan, 0.0, np.nan],
        [True, False, True, True, True],
    )
    assert res.delta[:3].tolist() == [1.0, -1.0, 0.5]
    assert np.isnan(res.delta[3:]).all()
    assert res.reason.tolist() == [0, 0, 0, Reason.INVALID_INPUT, Reason.INVALID_INPUT]


def test_black_scholes_price_textbook_values_and_parity() -> None:
    from sigmasight.analytics.options import black_scholes_price

    # Hull's textbook case: S=K=100, one year, 20 % vol, 5 % rate.
    call = black_scholes_price(100.0, 100.0, 1.0, 0.2, True, rate=0.05)
    put = black_scholes_price(100.0, 100.0, 1.0, 0.2, False, rate=0.05)
    assert float(call) == pytest.approx(10.450583572185565, rel=1e-12)
    assert float(put) == pytest.approx(5.573526022256971, rel=1e-12)
    # Put-call parity on many random contracts: C - P = S e^{-q t} - K e^{-r t}.
    rng = np.random.default_rng(7)
    S, K = rng.uniform(20, 200, 50), rng.uniform(20, 200, 50)
    t, v = rng.uniform(0.01, 2, 50), rng.uniform(0.05, 0.9, 50)
    c = black_scholes_price(S, K, t, v, True, rate=0.03, dividend_yield=0.01)
    p = black_scholes_price(S, K, t, v, False, rate=0.03, dividend_yield=0.01)
    np.testing.assert_allclose(c - p, S * np.exp(-0.01 * t) - K * np.exp(-0.03 * t), rtol=1e-10)


def test_black_scholes_price_at_expiry_is_intrinsic_and_bad_input_is_nan() -> None:
    from sigmasight.analytics.options import black_scholes_price

    values = black_scholes_price(
        [110.0, 90.0, 110.0, -1.0], 100.0, 0.0, np.nan, [True, True, False, True]
    )
    np.testing.assert_array_equal(values[:3], [10.0, 0.0, 0.0])
    assert np.isnan(values[3])

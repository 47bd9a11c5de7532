"""Option Greeks (#22): closed form, finite differences and vollib on a grid that
includes deep in and out of the money and near expiry, to 1e-10."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import norm
from vollib.black_scholes_merton import black_scholes_merton as vl_price
from vollib.black_scholes_merton.greeks import analytical as vl

from sigmasight.analytics._typing import Reason
from sigmasight.analytics.options import (
    GREEK_UNITS,
    black_scholes_delta,
    black_scholes_greeks,
    black_scholes_price,
)

SPOTS = (20.0, 70.0, 100.0, 130.0, 400.0)  # strike 100: deep OTM/ITM calls and puts
YEARS = (1.0 / 365.0, 7.0 / 365.0, 0.25, 1.0, 3.0)
VOLS = (0.08, 0.3, 0.9)
RATES = (0.0, 0.05)  # 5 % as 0.05, never as 0.0005
DIVIDENDS = (0.0, 0.02)


def _grid() -> tuple[np.ndarray, ...]:
    rows = list(itertools.product(SPOTS, YEARS, VOLS, RATES, DIVIDENDS, (True, False)))
    cols = list(zip(*rows, strict=True))
    return tuple(np.array(c) for c in cols)


def test_greeks_equal_vollib_on_the_grid() -> None:
    S, t, v, r, q, call = _grid()
    g = black_scholes_greeks(S, 100.0, t, v, call, r, q)
    assert (g.reason == Reason.OK).all()
    assert not g.expired.any()
    for name, fn, ours in (
        ("delta", vl.delta, g.delta),
        ("gamma", vl.gamma, g.gamma),
        ("vega", vl.vega, g.vega),
        ("theta", vl.theta, g.theta),
        ("rho", vl.rho, g.rho),
    ):
        ref = np.array(
            [
                fn("c" if c else "p", s, 100.0, tt, rr, vv, qq)
                for s, tt, vv, rr, qq, c in zip(S, t, v, r, q, call, strict=True)
            ]
        )
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-10, err_msg=name)
    price = np.array(
        [
            vl_price("c" if c else "p", s, 100.0, tt, rr, vv, qq)
            for s, tt, vv, rr, qq, c in zip(S, t, v, r, q, call, strict=True)
        ]
    )
    np.testing.assert_allclose(g.price, price, rtol=1e-10, atol=1e-10)


def _closed_form(S, K, t, v, r, q, call):  # type: ignore[no-untyped-def]
    """Textbook formulas written out separately (scipy.stats.norm), per unit."""
    d1 = (np.log(S / K) + (r - q + v * v / 2) * t) / (v * np.sqrt(t))
    d2 = d1 - v * np.sqrt(t)
    if call:
        delta = np.exp(-q * t) * norm.cdf(d1)
        theta_year = (
            -S * np.exp(-q * t) * norm.pdf(d1) * v / (2 * np.sqrt(t))
            - r * K * np.exp(-r * t) * norm.cdf(d2)
            + q * S * np.exp(-q * t) * norm.cdf(d1)
        )
        rho_unit = K * t * np.exp(-r * t) * norm.cdf(d2)
    else:
        delta = -np.exp(-q * t) * norm.cdf(-d1)
        theta_year = (
            -S * np.exp(-q * t) * norm.pdf(d1) * v / (2 * np.sqrt(t))
            + r * K * np.exp(-r * t) * norm.cdf(-d2)
            - q * S * np.exp(-q * t) * norm.cdf(-d1)
        )
        rho_unit = -K * t * np.exp(-r * t) * norm.cdf(-d2)
    gamma = np.exp(-q * t) * norm.pdf(d1) / (S * v * np.sqrt(t))
    vega_unit = S * np.exp(-q * t) * norm.pdf(d1) * np.sqrt(t)
    return delta, gamma, vega_unit, theta_year, rho_unit


def test_greeks_equal_the_closed_form_in_the_stated_units() -> None:
    S, t, v, r, q, call = _grid()
    g = black_scholes_greeks(S, 100.0, t, v, call, r, q)
    for i in range(S.size):
        d, gm, vega_unit, theta_year, rho_unit = _closed_form(
            S[i], 100.0, t[i], v[i], r[i], q[i], call[i]
        )
        assert g.delta[i] == pytest.approx(d, rel=1e-10, abs=1e-12)
        assert g.gamma[i] == pytest.approx(gm, rel=1e-10, abs=1e-12)
        # One volatility point and one percentage point: divided by 100 exactly once.
        assert g.vega[i] == pytest.approx(vega_unit / 100.0, rel=1e-10, abs=1e-12)
        assert g.rho[i] == pytest.approx(rho_unit / 100.0, rel=1e-10, abs=1e-12)
        assert g.theta[i] == pytest.approx(theta_year / 365.0, rel=1e-10, abs=1e-12)
    assert set(GREEK_UNITS) == {"delta", "gamma", "vega", "theta", "rho"}
    assert "volatility point" in GREEK_UNITS["vega"]
    assert "calendar day" in GREEK_UNITS["theta"]
    assert "percentage point" in GREEK_UNITS["rho"]


def test_units_by_finite_differences_of_the_price() -> None:
    """Vega is the price change for +0.01 volatility, rho for +0.01 rate, theta for one
    calendar day less to expiry (the original divided vega and rho by 100 twice and passed
    5 % as 0.0005: each would fail here by a factor of 100)."""
    S, K, t, v, r, q = 105.0, 100.0, 0.5, 0.25, 0.05, 0.01
    g = black_scholes_greeks(S, K, t, v, True, r, q)

    def price(**kw: float) -> float:
        a = {"spot": S, "years_to_expiry": t, "volatility": v, "rate": r, "dividend_yield": q}
        a.update(kw)
        return float(
            black_scholes_price(
                a["spot"],
                K,
                a["years_to_expiry"],
                a["volatility"],
                True,
                a["rate"],
                a["dividend_yield"],
            )
        )

    h = 1e-5
    assert float(g.vega) == pytest.approx(
        (price(volatility=v + h) - price(volatility=v - h)) / (2 * h) * 0.01, rel=1e-7
    )
    assert float(g.rho) == pytest.approx(
        (price(rate=r + h) - price(rate=r - h)) / (2 * h) * 0.01, rel=1e-7
    )
    day = 1.0 / 365.0
    assert float(g.theta) == pytest.approx(
        (price(years_to_expiry=t - h) - price(years_to_expiry=t + h)) / (2 * h) * day, rel=1e-7
    )
    assert float(g.gamma) == pytest.approx(
        (price(spot=S + 1e-3) - 2 * price() + price(spot=S - 1e-3)) / 1e-6, rel=1e-5
    )
    assert float(g.price) == pytest.approx(price(), rel=1e-14)
    assert float(g.delta) == pytest.approx(
        float(black_scholes_delta(S, K, t, v, True, r, q).delta), rel=1e-14
    )


def test_position_greeks_scale_by_contracts_and_multiplier() -> None:
    g = black_scholes_greeks([100.0, 100.0], 100.0, 0.5, 0.3, [True, False], 0.04, 0.0)
    pos = g.scaled(np.array([-3.0, 2.0]) * 100.0)  # short 3 calls, long 2 puts
    for name in ("price", "delta", "gamma", "vega", "theta", "rho"):
        np.testing.assert_allclose(getattr(pos, name), getattr(g, name) * [-300.0, 200.0])
    short_call = (pos.delta[0], pos.gamma[0], pos.vega[0], pos.theta[0])
    long_put = (pos.delta[1], pos.gamma[1], pos.vega[1], pos.theta[1])
    assert np.sign(short_call).tolist() == [-1.0, -1.0, -1.0, 1.0]
    assert np.sign(long_put).tolist() == [-1.0, 1.0, 1.0, -1.0]


def test_expired_options_are_intrinsic_with_zero_greeks() -> None:
    g = black_scholes_greeks(
        [110.0, 90.0, 100.0, 80.0, 100.0],
        100.0,
        [0.0, 0.0, -0.1, -1.0, 0.5],
        [np.nan, 0.2, np.nan, np.nan, np.nan],
        [True, False, True, True, True],
        0.05,
        0.01,
    )
    assert g.expired.tolist() == [True, True, True, True, False]
    assert g.price[:4].tolist() == [10.0, 10.0, 0.0, 0.0]
    assert g.delta[:4].tolist() == [1.0, -1.0, 0.5, 0.0]
    for name in ("gamma", "vega", "theta", "rho"):
        assert getattr(g, name)[:4].tolist() == [0.0] * 4
    # A live option without a volatility is invalid, not priced.
    assert g.reason.tolist()[4] == Reason.INVALID_INPUT
    assert np.isnan([g.price[4], g.delta[4], g.vega[4]]).all()


def test_invalid_inputs_give_nan_without_warnings() -> None:
    g = black_scholes_greeks([0.0, np.nan, 100.0], [100.0, 100.0, -1.0], 0.5, 0.2, True)
    assert (g.reason == Reason.INVALID_INPUT).all()
    assert np.isnan(g.theta).all()

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from sigmasight.analytics._typing import Reason
from sigmasight.analytics.beta import (
    direct_portfolio_beta,
    exposure_weighted_beta,
    rolling_security_beta,
    security_beta,
)
from sigmasight.analytics.exposures import exposure_matrix

from ._positions import make_positions


def test_security_beta_defaults_match_statsmodels(stock_returns, market_returns) -> None:
    res = security_beta(stock_returns, market_returns)
    for j in (0, 10, 19):
        fit = sm.OLS(stock_returns[-90:, j], sm.add_constant(market_returns[-90:])).fit()
        assert res.beta[j] == pytest.approx(fit.params[1], rel=1e-10)
        assert res.ols.r_squared[j] == pytest.approx(fit.rsquared, rel=1e-10)
    assert (res.ols.n_obs == 90).all()
    assert not res.capped.any()


def test_rolling_beta_last_row_equals_security_beta(stock_returns, market_returns) -> None:
    roll = rolling_security_beta(stock_returns[-500:], market_returns[-500:])
    one = security_beta(stock_returns[-500:], market_returns[-500:])
    np.testing.assert_allclose(roll.beta[-1], one.beta, rtol=1e-11)
    assert np.isnan(roll.beta[:29]).all()
    assert np.isfinite(roll.beta[29:]).all()


def test_beta_cap_is_flagged(market_returns) -> None:
    x = market_returns[-90:]
    noise = np.random.default_rng(1).normal(0, 1e-3, 90)
    res = security_beta(np.column_stack([7 * x + noise, -6 * x + noise, x]), x)
    assert res.beta.tolist()[:2] == [5.0, -5.0]
    assert res.capped.tolist() == [True, True, False]
    assert res.ols.beta[0] == pytest.approx(7.0, abs=0.05)
    assert res.ols.beta[2] == pytest.approx(1.0, rel=1e-12)


def test_configurable_window_and_min_obs(stock_returns, market_returns) -> None:
    y = stock_returns[-60:, :2].copy()
    y[:40, 1] = np.nan
    res = security_beta(y, market_returns[-60:], window=60, min_obs=25)
    assert res.ols.n_obs.tolist() == [60, 20]
    assert res.ols.reason.tolist() == [Reason.OK, Reason.INSUFFICIENT_DATA]
    assert np.isnan(res.beta[1])


def _weighted_and_direct(
    stock_returns: np.ndarray, market_returns: np.ndarray, w: np.ndarray, cols: list[int]
) -> tuple[float, float]:
    R, m = stock_returns[-90:], market_returns[-90:]
    sec = security_beta(R, m, cap=np.inf)
    equity = 1_000_000.0
    rows = [
        (0, c, f"S{c}", abs(wi) * equity / 100.0, 100.0, "LONG" if wi > 0 else "SHORT")
        for c, wi in zip(cols, w, strict=True)
    ]
    em = exposure_matrix(make_positions(rows), 1, R.shape[1])
    weighted = exposure_weighted_beta(em, sec.beta, sec.ols.r_squared, [equity])
    direct = direct_portfolio_beta(em.matrix / equity, R, m, cap=np.inf)
    return float(weighted.beta[0]), float(direct.beta[0])


def test_weighted_equals_direct_beta_on_real_data(stock_returns, market_returns) -> None:
    w = np.array([0.5, 0.3, -0.4, 0.2])
    weighted, direct = _weighted_and_direct(stock_returns, market_returns, w, [1, 4, 9, 16])
    assert weighted == pytest.approx(direct, rel=1e-10)


weights = st.lists(
    st.floats(min_value=-2.0, max_value=2.0).filter(lambda v: abs(v) > 1e-3), min_size=1, max_size=5
)


@settings(max_examples=40, deadline=None)
@given(w=weights, k=st.floats(min_value=0.1, max_value=4.0))
def test_beta_scales_with_leverage(stock_returns, market_returns, w, k) -> None:
    cols = list(range(len(w)))
    base = _weighted_and_direct(stock_returns, market_returns, np.array(w), cols)
    levered = _weighted_and_direct(stock_returns, market_returns, k * np.array(w), cols)
    np.testing.assert_allclose(levered, k * np.array(base), rtol=1e-9)


@settings(max_examples=20, deadline=None)
@given(col=st.integers(min_value=0, max_value=19))
def test_one_asset_portfolio_equals_asset_and_short_flips_sign(
    stock_returns, market_returns, col
) -> None:
    asset = security_beta(stock_returns, market_returns, cap=np.inf).beta[col]
    long_w, long_d = _weighted_and_direct(stock_returns, market_returns, np.array([1.0]), [col])
    short_w, short_d = _weighted_and_direct(stock_returns, market_returns, np.array([-1.0]), [col])
    assert long_w == pytest.approx(asset, rel=1e-12)
    assert long_d == pytest.approx(asset, rel=1e-10)
    assert short_w == pytest.approx(-asset, rel=1e-12)
    assert short_d == pytest.approx(-asset, rel=1e-10)


def test_options_private_and_missing_betas_are_counted() -> None:
    beta = np.array([1.2, np.nan, 0.8])
    r2 = np.array([0.5, np.nan, 0.3])
    pos = make_positions(
        [
            (0, 0, "A", 100, 50.0, "LONG"),
            (0, 0, "A C", 1, 2.0, "LC", "OPTIONS", 50.0, 0.5),
            (0, 2, "C", 100, 20.0, "SHORT"),
            (0, 1, "B", 10, 10.0, "LONG"),
            (0, 2, "C P", 1, 1.0, "LP", "OPTIONS", 20.0, np.nan),
            (0, -1, "PE", 1, 1_000.0, "LONG", "PRIVATE"),
        ]
    )
    em = exposure_matrix(pos, 1, 3)
    res = exposure_weighted_beta(em, beta, r2, [10_000.0])
    # A: 5,000 stock + 1 x 100 x 0.5 x 50 = 2,500 delta; C: -2,000.
    assert res.beta[0] == pytest.approx((7_500 * 1.2 - 2_000 * 0.8) / 10_000)
    assert res.mean_security_r_squared[0] == pytest.approx((7_500 * 0.5 + 2_000 * 0.3) / 9_500)
    assert res.covered_exposure[0] == pytest.approx(9_500)
    assert res.n_covered.tolist() == [2]
    assert res.n_missing_beta.tolist() == [1]
    assert res.n_options_excluded.tolist() == [1]
    assert res.n_private_excluded.tolist() == [1]


def test_invalid_equity_and_empty_portfolio_give_reasons() -> None:
    em = exposure_matrix(make_positions([(0, 0, "A", 1, 10.0, "LONG")]), 2, 1)
    res = exposure_weighted_beta(em, [1.0], [0.5], [0.0, 1_000.0])
    assert res.reason.tolist() == [Reason.INVALID_DENOMINATOR, Reason.INSUFFICIENT_DATA]
    assert np.isnan(res.beta).all()


def test_direct_beta_accepts_dense_and_sparse_weights(stock_returns, market_returns) -> None:
    W = np.zeros((3, 20))
    W[0, :5] = 0.2
    W[1, 5] = -1.0
    W[2, [3, 7]] = [0.7, 0.6]
    dense = direct_portfolio_beta(W, stock_returns, market_returns)
    sparse = direct_portfolio_beta(sp.csr_array(W), stock_returns, market_returns)
    np.testing.assert_allclose(dense.beta, sparse.beta, rtol=1e-13)
    assert dense.ols.n_obs.tolist() == [90, 90, 90]

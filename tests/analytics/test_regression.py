from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from sigmasight.analytics._typing import Reason
from sigmasight.analytics.regression import ols_multi, ols_single, p_values, rolling_ols

RTOL = 1e-10


def _sm(y: np.ndarray, x: np.ndarray) -> sm.regression.linear_model.RegressionResults:
    ok = np.isfinite(y) & np.all(np.isfinite(x.reshape(len(y), -1)), axis=1)
    return sm.OLS(y[ok], sm.add_constant(x[ok])).fit()


def _assert_matches(res: Any, j: int, fit: Any, row: int | None = None) -> None:
    pick = (lambda a: a[j]) if row is None else (lambda a: a[row, j])
    np.testing.assert_allclose(pick(res.beta), fit.params[1], rtol=RTOL)
    np.testing.assert_allclose(pick(res.alpha), fit.params[0], rtol=RTOL)
    np.testing.assert_allclose(pick(res.se_beta), fit.bse[1], rtol=RTOL)
    np.testing.assert_allclose(pick(res.se_alpha), fit.bse[0], rtol=RTOL)
    np.testing.assert_allclose(pick(res.r_squared), fit.rsquared, rtol=RTOL)
    np.testing.assert_allclose(pick(res.t_beta), fit.tvalues[1], rtol=RTOL)
    p = res.p_value() if row is None else res.p_value(rows=row)
    np.testing.assert_allclose(p[j], fit.pvalues[1], rtol=RTOL)
    assert pick(res.n_obs) == fit.nobs


def test_ols_single_equals_statsmodels_on_real_prices(stock_returns, market_returns) -> None:
    y, x = stock_returns[-90:], market_returns[-90:]
    res = ols_single(y, x)
    for j in range(y.shape[1]):
        _assert_matches(res, j, _sm(y[:, j], x))


def test_ols_single_one_dimensional_gives_scalars(stock_returns, market_returns) -> None:
    res = ols_single(stock_returns[-250:, 0], market_returns[-250:])
    assert res.beta.shape == ()
    fit = _sm(stock_returns[-250:, 0], market_returns[-250:])
    assert float(res.beta) == pytest.approx(fit.params[1], rel=RTOL)


@pytest.mark.parametrize("row", [29, 60, 89, 1000, 4321, -1])
def test_rolling_ols_equals_statsmodels_per_window(stock_returns, market_returns, row) -> None:
    y, x = stock_returns[-2600:], market_returns[-2600:]
    res = rolling_ols(y, x, window=90, min_obs=30)
    t = row % len(y)
    lo = max(0, t - 89)
    for j in (0, 7, 19):
        _assert_matches(res, j, _sm(y[lo : t + 1, j], x[lo : t + 1]), row=t)


def test_rolling_ols_over_all_history_including_rounded_early_prices(
    stock_returns, market_returns
) -> None:
    # 1990s prices are rounded to 3 decimals: many zero returns, a hard case for sums.
    res = rolling_ols(stock_returns, market_returns, window=90, min_obs=30)
    rng = np.random.default_rng(4)
    for t in rng.integers(89, len(market_returns), size=25):
        j = int(rng.integers(0, stock_returns.shape[1]))
        fit = _sm(stock_returns[t - 89 : t + 1, j], market_returns[t - 89 : t + 1])
        _assert_matches(res, j, fit, row=int(t))


def test_rolling_ols_with_missing_data_uses_finite_pairs(stock_returns, market_returns) -> None:
    y = stock_returns[-400:].copy()
    x = market_returns[-400:].copy()
    rng = np.random.default_rng(0)
    y[rng.random(y.shape) < 0.1] = np.nan
    x[rng.random(x.shape) < 0.05] = np.nan
    res = rolling_ols(y, x, window=90, min_obs=30)
    for t in (120, 250, 399):
        for j in (1, 5):
            _assert_matches(res, j, _sm(y[t - 89 : t + 1, j], x[t - 89 : t + 1]), row=t)


def test_rolling_ols_min_obs_gives_nan_and_reason(stock_returns, market_returns) -> None:
    res = rolling_ols(stock_returns[:100, :2], market_returns[:100], window=90, min_obs=30)
    assert np.isnan(res.beta[:29]).all()
    assert (res.reason[:29] == Reason.INSUFFICIENT_DATA).all()
    assert (res.n_obs[:29, 0] == np.arange(1, 30)).all()
    assert np.isfinite(res.beta[29:]).all()
    assert (res.reason[29:] == Reason.OK).all()


def test_zero_variance_market_gives_reason_not_exception() -> None:
    y = np.linspace(-0.01, 0.01, 50)[:, None] * np.ones((1, 3))
    x = np.zeros(50)
    res = ols_single(y, x)
    assert np.isnan(res.beta).all()
    assert (res.reason == Reason.ZERO_VARIANCE).all()
    roll = rolling_ols(y, x, window=20)
    assert (roll.reason[19:] == Reason.ZERO_VARIANCE).all()


def test_all_nan_and_too_short_inputs() -> None:
    res = ols_single(np.full((10, 2), np.nan), np.arange(10.0))
    assert np.isnan(res.beta).all()
    assert (res.reason == Reason.INSUFFICIENT_DATA).all()
    assert (res.n_obs == 0).all()
    res2 = ols_single(np.array([0.1, 0.2]), np.array([0.3, 0.1]))
    assert res2.reason == Reason.INSUFFICIENT_DATA


def test_perfect_fit_keeps_se_finite_and_nonnegative(market_returns) -> None:
    x = market_returns[-300:]
    res = rolling_ols(np.column_stack([2.0 * x, -x]), x, window=90)
    np.testing.assert_allclose(res.beta[89:], [[2.0, -1.0]] * 211, rtol=1e-12)
    assert (res.se_beta[89:] >= 0).all()
    assert (res.se_beta[89:] < 1e-6).all()


def test_p_values_match_statsmodels_and_reject_bad_df() -> None:
    np.testing.assert_allclose(
        p_values([2.0, -2.0], [10, 10]), [0.07338803477074, 0.07338803477074], rtol=1e-9
    )
    assert np.isnan(p_values(1.0, 0))


def test_ols_multi_equals_statsmodels(stock_returns, market_returns) -> None:
    F = np.column_stack([market_returns, stock_returns[:, 0], stock_returns[:, 1]])[-750:]
    Y = stock_returns[-750:, 2:8]
    res = ols_multi(Y, F)
    for j in range(Y.shape[1]):
        fit = _sm(Y[:, j], F)
        np.testing.assert_allclose(res.intercept[j], fit.params[0], rtol=RTOL)
        np.testing.assert_allclose(res.coef[:, j], fit.params[1:], rtol=RTOL)
        np.testing.assert_allclose(res.se[:, j], fit.bse[1:], rtol=RTOL)
        np.testing.assert_allclose(res.r_squared[j], fit.rsquared, rtol=RTOL)
        np.testing.assert_allclose(res.p_value()[:, j], fit.pvalues[1:], rtol=RTOL)


def test_ols_multi_handles_nan_per_column_and_collinearity(stock_returns, market_returns) -> None:
    F = np.column_stack([market_returns, stock_returns[:, 0]])[-300:]
    Y = stock_returns[-300:, 3:5].copy()
    Y[:50, 0] = np.nan
    res = ols_multi(Y, F)
    fit = _sm(Y[:, 0], F)
    np.testing.assert_allclose(res.coef[:, 0], fit.params[1:], rtol=RTOL)
    assert res.n_obs.tolist() == [250, 300]
    collinear = ols_multi(Y, np.column_stack([F[:, 0], 2.0 * F[:, 0]]))
    assert (collinear.reason == Reason.SINGULAR).all()
    assert np.isnan(collinear.coef).all()


def test_ridge_equals_closed_form(stock_returns, market_returns) -> None:
    F = np.column_stack([market_returns, stock_returns[:, 0]])[-500:]
    y = stock_returns[-500:, 9]
    lam = 0.05
    Fc, yc = F - F.mean(0), y - y.mean()
    b = np.linalg.solve(Fc.T @ Fc + lam * np.eye(2), Fc.T @ yc)
    res = ols_multi(y, F, alpha=lam)
    np.testing.assert_allclose(res.coef[:, 0], b, rtol=1e-10)
    np.testing.assert_allclose(res.intercept[0], y.mean() - F.mean(0) @ b, rtol=1e-10)
    resid = yc - Fc @ b
    np.testing.assert_allclose(res.r_squared[0], 1 - resid @ resid / (yc @ yc), rtol=1e-10)
    ols = ols_multi(y, F)
    assert np.linalg.norm(res.coef) < np.linalg.norm(ols.coef)

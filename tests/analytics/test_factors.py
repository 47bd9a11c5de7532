"""Factor regressions against statsmodels OLS / VIF and scikit-learn Ridge on real data.

The bundled skfolio prices: 20 S&P 500 stocks, the index and five iShares factor ETFs
(2014-2022). Factors are built here from the closes, independently of the batch: the
market's return and each ETF's return minus the market's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.linear_model import Ridge
from statsmodels.stats.outliers_influence import variance_inflation_factor

from sigmasight.analytics._typing import Reason
from sigmasight.analytics.factors import fit_factors, rolling_factor_fits
from sigmasight.domain.factors import FACTOR_MIN_OBS, FACTOR_WINDOW, RIDGE_PENALTY
from tests._skfolio import skfolio_data_dir

TOL = 1e-10
ETFS = ["MTUM", "QUAL", "SIZE", "USMV", "VLUE"]


@pytest.fixture(scope="module")
def panel(prices: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(stock returns (T, 20), factor returns (T, 6)) from 2014 on, row 0 NaN."""
    etf = pd.read_csv(skfolio_data_dir() / "factors_dataset.csv.gz", index_col=0, parse_dates=True)
    joined = prices.join(etf, how="inner")
    ret = joined.pct_change()
    market = ret["SP500"].to_numpy()
    factors = np.column_stack([market] + [ret[e].to_numpy() - market for e in ETFS])
    stocks = ret.drop(columns=["SP500", *ETFS]).to_numpy()
    return stocks, factors


def _window(a: np.ndarray, end: int) -> np.ndarray:
    return a[max(end - FACTOR_WINDOW + 1, 1) : end + 1]


# The first session with FACTOR_MIN_OBS returns (row 0 has none), a mid date, the last.
ENDS = [FACTOR_MIN_OBS, 400, 1500]


@pytest.mark.parametrize("end", ENDS)
def test_ols_equals_statsmodels(panel: tuple[np.ndarray, np.ndarray], end: int) -> None:
    stocks, factors = panel
    y, f = _window(stocks, end), _window(factors, end)
    fit = fit_factors(y, f, min_obs=FACTOR_MIN_OBS)
    rolled = rolling_factor_fits(stocks, factors, [end], FACTOR_WINDOW, min_obs=FACTOR_MIN_OBS)
    p = fit.p_value()
    X = sm.add_constant(f)
    for j in range(y.shape[1]):
        ref = sm.OLS(y[:, j], X).fit()
        np.testing.assert_allclose(fit.loading[j], ref.params[1:], rtol=TOL, atol=TOL)
        np.testing.assert_allclose(rolled.loading[0, j], ref.params[1:], rtol=TOL, atol=TOL)
        np.testing.assert_allclose(fit.intercept[j], ref.params[0], rtol=TOL, atol=TOL)
        np.testing.assert_allclose(fit.std_error[j], ref.bse[1:], rtol=TOL)
        np.testing.assert_allclose(rolled.std_error[0, j], ref.bse[1:], rtol=TOL)
        np.testing.assert_allclose(fit.t_stat[j], ref.tvalues[1:], rtol=TOL)
        np.testing.assert_allclose(p[j], ref.pvalues[1:], rtol=1e-8, atol=TOL)
        np.testing.assert_allclose(fit.r_squared[j], ref.rsquared, rtol=TOL)
        np.testing.assert_allclose(fit.adj_r_squared[j], ref.rsquared_adj, rtol=TOL)
        np.testing.assert_allclose(fit.residual_vol[j], np.sqrt(252 * ref.mse_resid), rtol=TOL)
        vif = [variance_inflation_factor(X, k) for k in range(1, X.shape[1])]
        np.testing.assert_allclose(fit.vif[j], vif, rtol=TOL)
        z = (f - f.mean(0)) / f.std(0)
        np.testing.assert_allclose(fit.condition_number[j], np.linalg.cond(z), rtol=1e-8)
    assert (fit.n_obs == min(end, FACTOR_WINDOW)).all()


@pytest.mark.parametrize("end", ENDS)
def test_ridge_equals_sklearn(panel: tuple[np.ndarray, np.ndarray], end: int) -> None:
    stocks, factors = panel
    y, f = _window(stocks, end), _window(factors, end)
    fit = fit_factors(y, f, ridge=RIDGE_PENALTY, min_obs=FACTOR_MIN_OBS)
    rolled = rolling_factor_fits(
        stocks, factors, [end], FACTOR_WINDOW, ridge=RIDGE_PENALTY, min_obs=FACTOR_MIN_OBS
    )
    mean, sd = f.mean(0), f.std(0)
    for j in range(y.shape[1]):
        model = Ridge(alpha=RIDGE_PENALTY * y.shape[0]).fit((f - mean) / sd, y[:, j])
        loading = model.coef_ / sd
        np.testing.assert_allclose(fit.loading[j], loading, rtol=TOL, atol=TOL)
        np.testing.assert_allclose(rolled.loading[0, j], loading, rtol=TOL, atol=TOL)
        intercept = model.intercept_ - (mean * loading).sum()
        np.testing.assert_allclose(fit.intercept[j], intercept, rtol=TOL, atol=TOL)
        resid = y[:, j] - model.predict((f - mean) / sd)
        r2 = 1 - (resid**2).sum() / ((y[:, j] - y[:, j].mean()) ** 2).sum()
        np.testing.assert_allclose(fit.r_squared[j], r2, rtol=TOL)
    assert np.isnan(fit.std_error).all()


def test_rolling_equals_window_fits_with_gaps(panel: tuple[np.ndarray, np.ndarray]) -> None:
    """Every window of the rolling kernel is the single-window fit, gaps included."""
    stocks, factors = panel
    y = stocks[:700].copy()
    y[300:320, 3] = np.nan  # a halted stock
    y[:500, 5] = np.nan  # a late listing: too little history until row 625
    ends = np.arange(100, 700, 37)
    rolled = rolling_factor_fits(y, factors[:700], ends, FACTOR_WINDOW, min_obs=FACTOR_MIN_OBS)
    for d, end in enumerate(ends):
        one = fit_factors(_window(y, end), _window(factors, end), min_obs=FACTOR_MIN_OBS)
        np.testing.assert_array_equal(rolled.reason[d], one.reason)
        np.testing.assert_array_equal(rolled.n_obs[d], one.n_obs)
        np.testing.assert_allclose(rolled.loading[d], one.loading, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(rolled.std_error[d], one.std_error, rtol=1e-9)
    late = rolled.reason[:, 5]
    assert (late[ends < 500 + FACTOR_MIN_OBS] == Reason.INSUFFICIENT_DATA).all()
    assert (late[ends >= 500 + FACTOR_MIN_OBS] == Reason.OK).all()


def test_collinear_factors_are_singular_for_ols_not_ridge(
    panel: tuple[np.ndarray, np.ndarray],
) -> None:
    stocks, factors = panel
    f = np.column_stack([factors[1:300, :2], factors[1:300, 0] + factors[1:300, 1]])
    assert (fit_factors(stocks[1:300], f).reason == Reason.SINGULAR).all()
    assert (fit_factors(stocks[1:300], f, ridge=RIDGE_PENALTY).reason == Reason.OK).all()


def test_scaling_a_factor_scales_its_loading(panel: tuple[np.ndarray, np.ndarray]) -> None:
    stocks, factors = panel
    y, f = stocks[1:253], factors[1:253].copy()
    base = fit_factors(y, f)
    f[:, 2] *= 2.0
    scaled = fit_factors(y, f)
    np.testing.assert_allclose(scaled.loading[:, 2], base.loading[:, 2] / 2, rtol=1e-12)
    np.testing.assert_allclose(scaled.t_stat, base.t_stat, rtol=1e-10)
    np.testing.assert_allclose(scaled.vif, base.vif, rtol=1e-10)

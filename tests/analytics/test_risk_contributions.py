"""Euler risk contributions on the bundled skfolio prices: totals against numpy/scipy
references, marginals against central finite differences of those references, the
two-asset case by hand, a hedge, groups and the factor split."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from sigmasight.analytics.risk_contributions import (
    MEASURES,
    euler_contributions,
    factor_contributions,
    group_contributions,
)
from tests._skfolio import skfolio_data_dir

C = 0.95
ETFS = ["MTUM", "QUAL", "SIZE", "USMV", "VLUE"]


def _vol(p: np.ndarray) -> float:
    return float(np.std(p, ddof=1) * np.sqrt(252))


def _hvar(p: np.ndarray) -> float:
    return float(-np.quantile(p, 1 - C))


def _hcvar(p: np.ndarray) -> float:
    q = np.quantile(p, 1 - C)
    return float(-p[p <= q].mean())


def _pvar(p: np.ndarray) -> float:
    return float(-(p.mean() + norm.ppf(1 - C) * p.std(ddof=1)))


def _pcvar(p: np.ndarray) -> float:
    return float(-(p.mean() - p.std(ddof=1) * norm.pdf(norm.ppf(1 - C)) / (1 - C)))


REFERENCE: dict[str, Callable[[np.ndarray], float]] = {
    "volatility": _vol,
    "historical_var": _hvar,
    "historical_cvar": _hcvar,
    "parametric_var": _pvar,
    "parametric_cvar": _pcvar,
}


@pytest.fixture(scope="module")
def returns(prices: pd.DataFrame) -> np.ndarray:
    """The last 504 daily returns of the 20 stocks and the index (column 20)."""
    p = prices.to_numpy()[-505:]
    out: np.ndarray = p[1:] / p[:-1] - 1.0
    return out


@pytest.fixture(scope="module")
def weights() -> np.ndarray:
    """Eight books over the 21 columns with longs and shorts (the index as a hedge)."""
    rng = np.random.default_rng(11)
    w = rng.normal(0.05, 0.05, size=(8, 21))
    w[:, 20] = -0.4
    return w


@pytest.mark.parametrize("measure", MEASURES)
def test_components_sum_to_the_reference_total(
    returns: np.ndarray, weights: np.ndarray, measure: str
) -> None:
    c = euler_contributions(returns, weights, measure)
    ref = np.array([REFERENCE[measure](returns @ w) for w in weights])
    np.testing.assert_allclose(c.total, ref, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(c.component.sum(axis=1), c.total, rtol=0, atol=1e-10)
    np.testing.assert_allclose(c.percent.sum(axis=1), 1.0, atol=1e-10)


@pytest.mark.parametrize("measure", MEASURES)
def test_marginals_equal_central_differences(
    returns: np.ndarray, weights: np.ndarray, measure: str
) -> None:
    c = euler_contributions(returns, weights[:3], measure)
    h = 1e-7
    f = REFERENCE[measure]
    for p, w in enumerate(weights[:3]):
        for i in range(w.size):
            e = np.zeros_like(w)
            e[i] = h
            fd = (f(returns @ (w + e)) - f(returns @ (w - e))) / (2 * h)
            assert abs(c.marginal[p, i] - fd) < 1e-6, (measure, p, i)


def test_volatility_equals_skfolio_contribution(returns: np.ndarray) -> None:
    from skfolio import Portfolio, RiskMeasure

    w = np.full(20, 1 / 20)
    X = pd.DataFrame(returns[:, :20])
    ref = Portfolio(X, weights=w).contribution(measure=RiskMeasure.STANDARD_DEVIATION)
    c = euler_contributions(returns[:, :20], w, "volatility")
    got = c.component[0] / np.sqrt(252)  # skfolio's is the daily std (ddof 1)
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-12)


def test_two_assets_by_hand() -> None:
    """x and y are uncorrelated with variances 10e-4/3 and 4e-4/3; half in each."""
    R = np.array([[0.01, 0.01], [-0.01, 0.01], [0.02, -0.01], [-0.02, -0.01]])
    w = np.array([0.5, 0.5])
    vol = euler_contributions(R, w, "volatility")
    sigma = np.sqrt(3.5e-4 / 3)
    expected = np.array([0.25 * 10e-4 / 3, 0.25 * 4e-4 / 3]) / sigma * np.sqrt(252)
    np.testing.assert_allclose(vol.component[0], expected, rtol=1e-12)
    # p = (0.01, 0, 0.005, -0.015); h = 3 * 0.05 = 0.15 between -0.015 (t=3) and 0 (t=1)
    var = euler_contributions(R, w, "historical_var")
    assert var.total[0] == pytest.approx(0.01275, abs=1e-15)
    np.testing.assert_allclose(var.component[0], [0.00925, 0.0035], atol=1e-15)
    cvar = euler_contributions(R, w, "historical_cvar")  # tail: the worst scenario only
    np.testing.assert_allclose(cvar.component[0], [0.01, 0.005], atol=1e-15)


def test_a_hedge_contributes_negatively(returns: np.ndarray, weights: np.ndarray) -> None:
    for measure in MEASURES:
        c = euler_contributions(returns, weights, measure)
        assert (c.component[:, 20] < 0).all(), measure
        assert (c.weight[:, 20] < 0).all()


def test_portfolios_at_once_equal_one_by_one(returns: np.ndarray, weights: np.ndarray) -> None:
    for measure in MEASURES:
        many = euler_contributions(returns, weights, measure)
        one = euler_contributions(returns, weights[5], measure)
        np.testing.assert_allclose(many.component[5], one.component[0], rtol=1e-12, atol=1e-16)


def test_a_delta_adjusted_option_is_its_underlying_scaled(returns: np.ndarray) -> None:
    """An option enters as its delta-adjusted exposure on the underlying's returns: a
    stock and a call (delta 0.6 on 10,000 of underlying) on column 0 split the
    underlying's component in proportion to their exposures."""
    nav = 100_000.0
    stock, call = 4_000.0 / nav, 0.6 * 10_000.0 / nav
    R = returns[:, [0, 0, 1]]
    c = euler_contributions(R, np.array([stock, call, 0.05]), "volatility")
    merged = euler_contributions(returns[:, [0, 1]], np.array([stock + call, 0.05]), "volatility")
    assert c.component[0, 0] + c.component[0, 1] == pytest.approx(merged.component[0, 0])
    assert c.component[0, 1] / c.component[0, 0] == pytest.approx(call / stock)


def test_groups_sum_members(returns: np.ndarray, weights: np.ndarray) -> None:
    groups = np.arange(21) % 4
    c = euler_contributions(returns, weights, "historical_cvar")
    g = group_contributions(c, groups, 4)
    for k in range(4):
        np.testing.assert_allclose(g.component[:, k], c.component[:, groups == k].sum(axis=1))
        np.testing.assert_allclose(g.weight[:, k], weights[:, groups == k].sum(axis=1))
    np.testing.assert_allclose(g.component.sum(axis=1), c.total, atol=1e-10)
    np.testing.assert_allclose(g.marginal * g.weight, g.component, rtol=1e-12)


@pytest.fixture(scope="module")
def factor_panel(prices: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stock returns (T, 20), factor returns (T, 6: market and ETF minus market) and OLS
    loadings (20, 6) fitted here with numpy's least squares."""
    etf = pd.read_csv(skfolio_data_dir() / "factors_dataset.csv.gz", index_col=0, parse_dates=True)
    ret = prices.join(etf, how="inner").pct_change().iloc[-504:]
    market = ret["SP500"].to_numpy()
    F = np.column_stack([market] + [ret[e].to_numpy() - market for e in ETFS])
    R = ret.drop(columns=["SP500", *ETFS]).to_numpy()
    X = np.column_stack([np.ones(len(F)), F])
    B = np.linalg.lstsq(X, R, rcond=None)[0][1:].T
    return R, F, B


@pytest.mark.parametrize("measure", MEASURES)
def test_factor_split_sums_and_differentiates(
    factor_panel: tuple[np.ndarray, np.ndarray, np.ndarray], measure: str
) -> None:
    R, F, B = factor_panel
    rng = np.random.default_rng(5)
    W = rng.normal(0.05, 0.05, size=(3, 20))
    c = factor_contributions(R, W, B, F, measure)
    by_position = euler_contributions(R, W, measure)
    np.testing.assert_allclose(c.total, by_position.total, rtol=1e-12)
    np.testing.assert_allclose(c.component.sum(axis=1), c.total, atol=1e-10)
    f = REFERENCE[measure]
    h = 1e-7
    for p, w in enumerate(W):
        b = B.T @ w
        u = R @ w - F @ b
        np.testing.assert_allclose(c.weight[p, :6], b, rtol=1e-12)
        for k in range(6):
            e = np.zeros(6)
            e[k] = h
            fd = (f(F @ (b + e) + u) - f(F @ (b - e) + u)) / (2 * h)
            assert abs(c.marginal[p, k] - fd) < 1e-6, (measure, k)
        fd = (f(F @ b + (1 + h) * u) - f(F @ b + (1 - h) * u)) / (2 * h)
        assert abs(c.marginal[p, 6] - fd) < 1e-6


def test_unknown_measure_is_refused(returns: np.ndarray) -> None:
    with pytest.raises(ValueError, match="unknown measure"):
        euler_contributions(returns, np.ones(21), "sharpe")

"""Correlation matrices against pandas ``DataFrame.corr`` and ``scipy.stats.pearsonr`` on
the bundled skfolio prices (20 S&P 500 stocks), plus their properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.cluster.hierarchy import fcluster, linkage

from sigmasight.analytics.correlations import (
    CORRELATION_HORIZONS,
    cluster_order,
    correlation_matrix,
    horizon_matrices,
    min_observations,
    pair_correlations,
    pair_statistics,
    rolling_pair_correlation,
)

TOL = 1e-10


@pytest.fixture(scope="module")
def frame(prices: pd.DataFrame) -> pd.DataFrame:
    """Daily simple returns of the 20 stocks over the last 1,000 sessions, with gaps
    punched in (whole runs of missing returns in some columns) so that pairs differ in
    their observations."""
    ret = prices.drop(columns="SP500").pct_change().iloc[-1000:].copy()
    ret.iloc[-300:-200, 0] = np.nan  # a 100-session gap
    ret.iloc[-30:, 1] = np.nan  # the last 30 sessions missing
    ret.iloc[::7, 2] = np.nan  # scattered gaps
    ret.iloc[-756:-10, 3] = np.nan  # a series that mostly misses the 3y window
    return ret


@pytest.mark.parametrize("horizon", list(CORRELATION_HORIZONS))
def test_matrix_equals_pandas_and_pearsonr(frame: pd.DataFrame, horizon: str) -> None:
    window = CORRELATION_HORIZONS[horizon]
    X = frame.to_numpy()
    got = horizon_matrices(X, X.shape[0] - 1, {horizon: window})[horizon]
    part = frame.iloc[-window:]
    need = min_observations(window)
    ref = part.corr(min_periods=need).to_numpy()
    np.testing.assert_allclose(got.corr, ref, rtol=TOL, atol=TOL, equal_nan=True)
    counts = part.notna().astype(int).T @ part.notna().astype(int)
    np.testing.assert_array_equal(got.n_obs, counts.to_numpy())
    cols = part.columns
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            both = part[[cols[i], cols[j]]].dropna()
            if len(both) < need:
                assert np.isnan(got.corr[i, j])
                assert np.isnan(got.p_value[i, j])
                continue
            res = stats.pearsonr(both.iloc[:, 0], both.iloc[:, 1])
            ci = res.confidence_interval(0.95)
            np.testing.assert_allclose(got.p_value[i, j], res.pvalue, rtol=1e-8, atol=1e-300)
            np.testing.assert_allclose(got.ci_low[i, j], ci.low, rtol=1e-9, atol=TOL)
            np.testing.assert_allclose(got.ci_high[i, j], ci.high, rtol=1e-9, atol=TOL)
            n = len(both)
            t = res.statistic * np.sqrt((n - 2) / (1 - res.statistic**2))
            np.testing.assert_allclose(got.t_stat[i, j], t, rtol=1e-9)


def test_too_few_observations_give_null_with_count(frame: pd.DataFrame) -> None:
    """Column 3 has 10 returns in the 3y window: its pairs are NaN, with the count."""
    X = frame.to_numpy()
    got = horizon_matrices(X, X.shape[0] - 1)["3y"]
    assert np.isnan(got.corr[3]).all()
    assert np.isnan(got.corr[:, 3]).all()
    assert got.n_obs[3, 3] == 10
    assert got.n_obs[3, 5] == 10
    assert np.isnan(got.p_value[3, 5])
    assert np.isnan(got.ci_low[3, 5])
    assert got.min_obs == 567  # three quarters of 756


def test_window_shorter_than_minimum_is_null_not_error() -> None:
    got = correlation_matrix(np.array([[0.01, 0.02], [0.02, -0.01]]))
    assert np.isnan(got.corr).all()
    assert (got.n_obs == 2).all()


def test_symmetric_unit_diagonal_psd(frame: pd.DataFrame) -> None:
    complete = frame.iloc[-252:].dropna(axis=1).to_numpy()
    got = correlation_matrix(complete)
    np.testing.assert_array_equal(got.corr, got.corr.T)
    np.testing.assert_array_equal(np.diag(got.corr), 1.0)
    assert np.linalg.eigvalsh(got.corr).min() > -1e-12
    assert (np.abs(got.corr) <= 1.0).all()
    assert (np.diag(got.p_value) == 0.0).all()


def test_constant_series_is_null() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    X[:, 1] = 0.01
    got = correlation_matrix(X)
    assert np.isnan(got.corr[1]).all()
    assert np.isfinite(got.corr[0, 2])


@pytest.mark.parametrize("window", [20, 60])
def test_rolling_equals_pandas(frame: pd.DataFrame, window: int) -> None:
    a, b = frame.iloc[:, 0], frame.iloc[:, 2]
    got = rolling_pair_correlation(a.to_numpy(), b.to_numpy(), window)
    need = min_observations(window)
    ref = a.rolling(window, min_periods=need).corr(b).to_numpy()
    # pandas counts a window's observations per series and drops a pair's
    # sessions separately; compare where its count of paired sessions suffices
    paired = (a.notna() & b.notna()).astype(float).rolling(window, min_periods=1).sum()
    keep = (paired >= need).to_numpy()
    np.testing.assert_allclose(got.corr[keep, 0], ref[keep], rtol=1e-9, atol=1e-9)
    assert np.isnan(got.corr[~keep, 0]).all()
    np.testing.assert_array_equal(got.n_obs[:, 0], paired.to_numpy().astype(int))


def test_rolling_many_pairs_at_once_equal_one_by_one(frame: pd.DataFrame) -> None:
    X = frame.to_numpy()
    both = rolling_pair_correlation(X[:, [4, 5]], X[:, [6, 7]], 60)
    one = rolling_pair_correlation(X[:, 5], X[:, 7], 60)
    np.testing.assert_allclose(both.corr[:, 1], one.corr[:, 0], rtol=1e-12, equal_nan=True)


def test_rolling_last_equals_matrix(frame: pd.DataFrame) -> None:
    X = frame.to_numpy()
    roll = rolling_pair_correlation(X[:, 4], X[:, 9], 60)
    matrix = correlation_matrix(X[-60:], min_observations(60))
    np.testing.assert_allclose(roll.corr[-1, 0], matrix.corr[4, 9], rtol=1e-10)


def test_two_series_by_hand() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    y = np.array([2.0, 1.0, 4.0, 3.0, 5.0])
    got = correlation_matrix(np.column_stack([x, y]), min_obs=4)
    # sum dx dy = 8, sum dx^2 = sum dy^2 = 10
    assert got.corr[0, 1] == pytest.approx(0.8, abs=1e-15)
    t = 0.8 * np.sqrt(3 / (1 - 0.64))
    assert got.t_stat[0, 1] == pytest.approx(t, rel=1e-12)
    half = 1.959963984540054 / np.sqrt(2)
    assert got.ci_low[0, 1] == pytest.approx(np.tanh(np.arctanh(0.8) - half), rel=1e-12)


def test_pair_statistics_needs_four_observations() -> None:
    s = pair_statistics(np.array([0.5, 0.5]), np.array([3, 4]))
    assert np.isnan(s.p_value[0])
    assert np.isfinite(s.p_value[1])


def test_cluster_order_groups_blocks() -> None:
    """Two blocks of mutually correlated series come out contiguous, and the order
    agrees with scipy's own two clusters cut from the same tree."""
    rng = np.random.default_rng(7)
    common = rng.normal(size=(500, 2))
    X = np.column_stack([common[:, k % 2] + 0.3 * rng.normal(size=500) for k in range(8)])
    corr = np.asarray(np.corrcoef(X, rowvar=False))
    order = cluster_order(corr)
    assert sorted(order.tolist()) == list(range(8))
    blocks = [k % 2 for k in order.tolist()]
    assert blocks in ([0] * 4 + [1] * 4, [1] * 4 + [0] * 4)
    dist = np.sqrt((1 - corr[np.triu_indices(8, 1)]) / 2)
    labels = fcluster(linkage(dist, "average"), 2, "maxclust")
    assert len(set(labels[order[:4]])) == 1


@pytest.mark.parametrize("gaps", [True, False])
def test_pairs_equal_the_matrices(frame: pd.DataFrame, gaps: bool) -> None:
    """The batch's pair kernel (block matrix products over window segments) gives the
    matrices' figures, with and without missing returns."""
    X = frame.to_numpy() if gaps else frame.iloc[:, 4:].to_numpy()
    end = X.shape[0] - 5
    windows = (21, 63, 126, 252, 20, 60, 756)
    a, b = np.triu_indices(X.shape[1], 1)
    got = pair_correlations(X, end, windows, b, a)  # either order of a pair
    for j, w in enumerate(windows):
        ref = correlation_matrix(X[max(end - w + 1, 0) : end + 1], min_observations(w))
        np.testing.assert_allclose(got.corr[:, j], ref.corr[a, b], rtol=1e-10, equal_nan=True)
        np.testing.assert_array_equal(got.n_obs[:, j], ref.n_obs[a, b])


def test_pairs_of_wide_panel_cross_blocks() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(70, 1100))
    X[:5, 7] = np.nan
    a = np.array([0, 600, 1099, 7, 513])
    b = np.array([1099, 3, 0, 1050, 512])
    got = pair_correlations(X, 69, (60,), a, b)
    ref = pd.DataFrame(X[10:]).corr(min_periods=45).to_numpy()
    np.testing.assert_allclose(got.corr[:, 0], ref[a, b], rtol=1e-10)

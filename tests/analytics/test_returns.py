from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from sigmasight.analytics.returns import (
    align_prices,
    annualise_volatility,
    fill_limited,
    log_returns,
    portfolio_returns,
    simple_returns,
)


def test_simple_and_log_returns(prices) -> None:
    p = prices.to_numpy()[-300:]
    np.testing.assert_allclose(simple_returns(p), p[1:] / p[:-1] - 1, rtol=1e-15)
    np.testing.assert_allclose(log_returns(p), np.log1p(simple_returns(p)), rtol=1e-12, atol=1e-16)
    out = simple_returns(np.array([10.0, np.nan, 11.0, 0.0, 12.0]))
    assert out[0] != out[0]
    assert out[1] != out[1]
    assert np.isnan(out[2:]).all()


def test_split_adjusted_prices_give_no_jump() -> None:
    # Pitfall: a reverse split shown as ~200 % (Ghostfolio #6271); input must be adjusted.
    adjusted = np.array([10.0, 10.1, 10.2, 10.0])
    assert np.abs(simple_returns(adjusted)).max() < 0.03


def test_fill_is_limited_and_reported() -> None:
    col = np.array([1.0, np.nan, np.nan, 2.0, np.nan, np.nan, np.nan, np.nan, 3.0])[:, None]
    res = fill_limited(col, max_fill=2)
    np.testing.assert_array_equal(res.prices[:, 0], [1, 1, 1, 2, 2, 2, np.nan, np.nan, 3])
    assert res.filled[:, 0].tolist() == [False, True, True, False, True, True, False, False, False]
    assert res.n_missing.tolist() == [2]
    assert np.isnan(fill_limited(col, max_fill=0).prices[1, 0])


def test_align_prices_drops_off_calendar_quotes() -> None:
    cal = np.array(["2024-01-02", "2024-01-03", "2024-01-04"], dtype="datetime64[D]")
    dates = np.array(
        ["2024-01-02", "2024-01-06", "2024-01-04", "2024-01-03"], dtype="datetime64[D]"
    )
    res = align_prices(cal, [0, 0, 0, 1], dates, [1.0, 9.0, 1.2, 5.0], n_symbols=2, max_fill=1)
    np.testing.assert_array_equal(res.prices, [[1.0, np.nan], [1.0, 5.0], [1.2, 5.0]])
    assert res.filled.tolist() == [[False, False], [True, False], [False, True]]


def test_portfolio_returns_dense_sparse_and_missing_policy(stock_returns) -> None:
    R = stock_returns[-50:].copy()
    R[10, 3] = np.nan
    W = np.zeros((2, 20))
    W[0, [0, 1]] = [0.5, -0.5]
    W[1, [3, 4]] = [1.0, 1.0]
    out = portfolio_returns(W, R)
    np.testing.assert_allclose(out[:, 0], 0.5 * R[:, 0] - 0.5 * R[:, 1], rtol=1e-13)
    assert np.isnan(out[10, 1])
    assert np.isfinite(np.delete(out[:, 1], 10)).all()
    np.testing.assert_array_equal(portfolio_returns(sp.csr_array(W), R), out)


def test_annualise_volatility() -> None:
    assert float(annualise_volatility(0.01)) == pytest.approx(0.01 * np.sqrt(252))
    assert float(annualise_volatility(0.05, periods_per_year=12)) == pytest.approx(
        0.05 * np.sqrt(12)
    )


def test_portfolio_returns_of_few_books_over_a_wide_panel_equal_the_dense_product() -> None:
    """Books holding a few securities of a wide panel read only those columns; a gap in
    a held security spoils its dates, a gap in one nobody holds spoils nothing."""
    rng = np.random.default_rng(5)
    R = rng.normal(0, 0.01, (60, 400))
    R[10, 3] = np.nan  # held by book 0
    R[20, 399] = np.nan  # held by nobody
    W = np.zeros((3, 400))
    W[0, [3, 17]] = [0.6, 0.4]
    W[1, [17, 250]] = [0.5, -0.5]
    W[2, 42] = 1.0
    out = portfolio_returns(sp.csr_array(W), R)
    expected = np.nan_to_num(R) @ W.T
    expected[10, 0] = np.nan
    np.testing.assert_allclose(out, expected, rtol=1e-15, atol=0)
    assert np.isnan(out[10, 0])
    assert np.isfinite(np.delete(out, 10, axis=0)).all()

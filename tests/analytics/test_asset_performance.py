"""Period returns and one-year risk per security against pandas references on the real
closes bundled with skfolio (20 stocks and the S&P 500, 1990-2022)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sigmasight.analytics.asset_performance import (
    lagged,
    max_drawdown_at,
    period_return,
    year_risk,
    year_start_rows,
)
from sigmasight.domain.horizons import ANNUALISED, RETURN_HORIZONS


@pytest.fixture(scope="module")
def closes(prices: pd.DataFrame) -> pd.DataFrame:
    return prices.iloc[-1600:]


@pytest.fixture(scope="module")
def rows(closes: pd.DataFrame) -> np.ndarray:
    return np.arange(1300, closes.shape[0], 37)


@pytest.mark.parametrize("name", list(RETURN_HORIZONS))
def test_period_returns_equal_pandas(closes: pd.DataFrame, rows: np.ndarray, name: str) -> None:
    h = RETURN_HORIZONS[name]
    p = closes.to_numpy()
    ours = period_return(p[rows], lagged(p, rows, h), h)
    simple = closes / closes.shift(h) - 1.0
    if name in ANNUALISED:
        simple = (1.0 + simple) ** (252.0 / h) - 1.0
    np.testing.assert_allclose(ours, simple.to_numpy()[rows], rtol=1e-12, atol=1e-14)


def test_year_to_date_uses_the_last_close_of_the_previous_year(
    closes: pd.DataFrame, rows: np.ndarray
) -> None:
    sessions = closes.index.to_numpy().astype("datetime64[D]")
    p = closes.to_numpy()
    base = year_start_rows(sessions, rows)
    ours = period_return(p[rows], p[base], 1)
    year_end = closes.groupby(closes.index.year).last().shift(1)
    expected = year_end.loc[closes.index[rows].year].to_numpy() / 1.0
    np.testing.assert_allclose(ours, p[rows] / expected - 1.0, rtol=1e-13)


def test_year_risk_equals_pandas(closes: pd.DataFrame, rows: np.ndarray) -> None:
    p = closes.to_numpy()
    r = np.full(p.shape, np.nan)
    r[1:] = p[1:] / p[:-1] - 1.0
    risk = year_risk(p, r, rows, risk_free_daily=0.0001)
    frame = closes.pct_change(fill_method=None)
    window = frame.rolling(252)
    vol = (window.std(ddof=1) * np.sqrt(252)).to_numpy()[rows]
    sharpe = ((window.mean() - 0.0001) / window.std(ddof=1) * np.sqrt(252)).to_numpy()[rows]
    np.testing.assert_allclose(risk.volatility, vol, rtol=1e-9)
    np.testing.assert_allclose(risk.sharpe, sharpe, rtol=1e-9)
    for k, row in enumerate(rows):
        w = closes.iloc[row - 252 : row + 1]
        expected = (w / w.cummax() - 1.0).min().to_numpy()
        np.testing.assert_allclose(risk.max_drawdown[k], expected, rtol=1e-13, atol=1e-15)


def test_drawdown_counts_a_fall_on_the_first_day() -> None:
    p = np.array([[100.0], [80.0], [90.0], [85.0]])
    assert max_drawdown_at(p, np.array([3]), 4)[0, 0] == pytest.approx(-0.2)


def test_short_gappy_and_constant_series_give_nan_without_warnings() -> None:
    p = np.full((300, 3), 10.0)
    p[:100, 1] = np.nan  # listed late: no one-year window yet
    p[250, 2] = np.nan  # a gap inside the window
    r = np.full(p.shape, np.nan)
    r[1:] = p[1:] / p[:-1] - 1.0
    risk = year_risk(p, r, np.array([299]))
    assert risk.volatility[0, 0] == 0.0
    assert np.isnan(risk.sharpe[0, 0])
    assert risk.max_drawdown[0, 0] == 0.0
    assert np.isnan(risk.volatility[0, 1:]).all()
    assert np.isnan(risk.max_drawdown[0, 1:]).all()
    assert np.isnan(period_return(p[[299]], lagged(p, np.array([299]), 1260), 1260)).all()

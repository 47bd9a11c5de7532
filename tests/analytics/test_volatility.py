from __future__ import annotations

import warnings

import numpy as np
import pytest
from arch.univariate import HARX

from sigmasight.analytics._typing import Reason
from sigmasight.analytics.returns import portfolio_returns, trailing_windows
from sigmasight.analytics.volatility import (
    har_forecast,
    har_forecasts_at,
    realized_volatility,
    rolling_volatility,
    volatility_percentile,
    volatility_trend,
)


def test_realized_volatility_equals_numpy_std_annualised(stock_returns) -> None:
    for window in (21, 63):
        res = realized_volatility(stock_returns, window)
        expected = stock_returns[-window:].std(axis=0, ddof=1) * np.sqrt(252)
        np.testing.assert_allclose(res.volatility, expected, rtol=1e-12)
        assert (res.n_obs == window).all()


def test_volatility_is_annualised_not_daily(market_returns) -> None:
    # Pitfall: volatility shown unannualised (Portfolio Performance #631).
    daily = market_returns[-63:].std(ddof=1)
    assert float(realized_volatility(market_returns, 63).volatility) == pytest.approx(
        daily * 15.874507866387544, rel=1e-12
    )


def test_rolling_volatility_equals_direct_per_window(stock_returns) -> None:
    R = stock_returns[-600:]
    roll = rolling_volatility(R, 63)
    for t in (62, 300, 599):
        np.testing.assert_allclose(
            roll.volatility[t], R[t - 62 : t + 1].std(axis=0, ddof=1) * np.sqrt(252), rtol=1e-11
        )
    assert np.isnan(roll.volatility[:62]).all()
    assert (roll.reason[:62] == Reason.INSUFFICIENT_DATA).all()


def test_rolling_volatility_skips_missing_returns(stock_returns) -> None:
    R = stock_returns[-100:, :3].copy()
    R[[10, 50, 90], 1] = np.nan
    roll = rolling_volatility(R, 63, min_obs=60)
    col = R[37:100, 1]
    np.testing.assert_allclose(
        roll.volatility[99, 1], np.nanstd(col, ddof=1) * np.sqrt(252), rtol=1e-11
    )
    assert roll.n_obs[99, 1] == 61


def test_two_asset_portfolio_shows_exact_diversification(stock_returns) -> None:
    R = stock_returns[-63:, [0, 12]]
    w = np.array([[0.6, 0.4]])
    port = realized_volatility(portfolio_returns(w, R), 63).volatility[0]
    s1, s2 = R.std(axis=0, ddof=1) * np.sqrt(252)
    rho = np.corrcoef(R.T)[0, 1]
    theory = np.sqrt(0.36 * s1**2 + 0.16 * s2**2 + 2 * 0.24 * rho * s1 * s2)
    assert port == pytest.approx(theory, rel=1e-12)
    assert port < 0.6 * s1 + 0.4 * s2  # never the weighted average when rho < 1


def _arch_har(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        res = HARX(y, lags=[1, 5, 22], rescale=False).fit(disp="off")
    path = res.forecast(horizon=21, reindex=False).mean.to_numpy()[0]
    return res.params.to_numpy()[:4], path, float(res.rsquared)


@pytest.mark.parametrize("cols", [[0, 3, 8], [15, 19]])
def test_har_equals_arch_harx_and_its_21_day_forecast(stock_returns, cols) -> None:
    R = stock_returns[-1500:, cols] * 100.0  # percent returns: arch's preferred scale
    har = har_forecast(R)
    for k, _ in enumerate(cols):
        params, path, r2 = _arch_har(R[:, k] ** 2)
        np.testing.assert_allclose(har.coef[:, k], params, rtol=1e-10)
        assert har.r_squared[k] == pytest.approx(r2, rel=1e-9)
        np.testing.assert_allclose(har.path[:, k], path, rtol=1e-10)
        assert har.variance[k] == pytest.approx(path.sum(), rel=1e-10)
        assert har.volatility[k] == pytest.approx(np.sqrt(path.sum() * 12), rel=1e-10)
    assert (har.n_obs == 1500 - 22).all()


def test_har_forecast_is_iterated_not_one_step_relabelled(market_returns) -> None:
    har = har_forecast(market_returns[-2000:])
    y = market_returns[-2000:] ** 2
    c, bd, bw, bm = har.coef
    one_step = c + bd * y[-1] + bw * y[-5:].mean() + bm * y[-22:].mean()
    assert har.path[0] == pytest.approx(one_step, rel=1e-12)
    ext = np.concatenate([y[-22:], har.path[:1]])
    second = c + bd * ext[-1] + bw * ext[-5:].mean() + bm * ext[-22:].mean()
    assert har.path[1] == pytest.approx(second, rel=1e-12)
    assert har.variance != pytest.approx(21 * har.path[0], rel=1e-6)


def test_har_short_or_gappy_input_gives_reason(stock_returns) -> None:
    R = stock_returns[-300:, :3].copy()
    R[-5, 1] = np.nan
    har = har_forecast(R[-100:])
    assert (har.reason == Reason.INSUFFICIENT_DATA).all()
    har2 = har_forecast(R)
    assert har2.reason.tolist() == [Reason.OK, Reason.INSUFFICIENT_DATA, Reason.OK]
    assert np.isnan(har2.volatility[1])
    assert np.isfinite(har2.volatility[[0, 2]]).all()


def test_volatility_trend_labels(stock_returns) -> None:
    calm = np.tile(np.array([0.01, -0.01]), 42)
    rising = np.concatenate([calm, np.tile(np.array([0.03, -0.03]), 11)[:21]])
    falling = np.concatenate([np.tile(np.array([0.03, -0.03]), 21), calm[:21]])
    trend = volatility_trend(np.column_stack([calm[-63:], rising[-63:], falling[-63:]]))
    assert trend.label.tolist() == ["stable", "increasing", "decreasing"]
    s21 = rising[-21:].std(ddof=1)
    s63 = rising[-63:].std(ddof=1)
    assert trend.strength[1] == pytest.approx(s21 / s63 - 1, rel=1e-12)
    short = volatility_trend(stock_returns[-30:, :2])
    assert (short.reason == Reason.INSUFFICIENT_DATA).all()
    assert short.label.tolist() == ["", ""]


def test_volatility_percentile_against_direct_ranking(stock_returns) -> None:
    R = stock_returns[-400:, :4]
    pct = volatility_percentile(R)
    vols = np.array([R[t - 20 : t + 1].std(axis=0, ddof=1) for t in range(len(R) - 252, len(R))])
    expected = 100.0 * (vols <= vols[-1]).sum(axis=0) / 252
    np.testing.assert_allclose(pct.percentile, expected, rtol=1e-12)
    assert (pct.n_obs == 252).all()


def test_volatility_percentile_needs_a_year(stock_returns) -> None:
    pct = volatility_percentile(stock_returns[-200:, :2])
    assert (pct.reason == Reason.INSUFFICIENT_DATA).all()
    assert np.isnan(pct.percentile).all()


def test_rolling_percentile_and_trend_equal_the_single_date_functions(stock_returns) -> None:
    from sigmasight.analytics.volatility import (
        rolling_volatility,
        rolling_volatility_percentile,
        trend_from_volatilities,
        volatility_percentile,
        volatility_trend,
    )

    R = stock_returns[-600:, :5]
    v21 = rolling_volatility(R, 21).volatility
    v63 = rolling_volatility(R, 63).volatility
    rows = slice(200, 600)
    pct = rolling_volatility_percentile(v21, rows)
    trend = trend_from_volatilities(v21[rows], v63[rows])
    for t in (200, 250, 251, 252, 400, 599):
        single = volatility_percentile(R[: t + 1])
        np.testing.assert_allclose(pct.percentile[t - 200], single.percentile, rtol=1e-12)
        np.testing.assert_array_equal(pct.reason[t - 200], single.reason)
        direct = volatility_trend(R[: t + 1])
        np.testing.assert_allclose(trend.strength[t - 200], direct.strength, rtol=1e-9)
        np.testing.assert_array_equal(trend.direction[t - 200], direct.direction)
    assert np.isnan(pct.percentile[0]).all()  # 201 returns: less than a year
    assert np.isfinite(pct.percentile[-1]).all()


def test_har_forecasts_at_equal_one_fit_per_window(stock_returns) -> None:
    """Fits laid side by side equal the fit of each window's own slice, for windows cut
    short at ``first`` (NaN above them) and full ones, on real returns with gaps."""
    R = stock_returns[-800:].copy()
    R[300:303, 2] = np.nan  # a gap inside some windows
    ends = np.array([260, 300, 410, 515, 799])
    window, first = 504, 5
    stacked = har_forecasts_at(R, ends, window, first=first, block_series=2 * R.shape[1])
    for k, end in enumerate(ends):
        alone = har_forecast(R[max(end - window + 1, first) : end + 1])
        np.testing.assert_array_equal(stacked.reason[k], alone.reason)
        np.testing.assert_array_equal(stacked.n_obs[k], alone.n_obs)
        for name in ("volatility", "r_squared", "variance"):
            np.testing.assert_allclose(
                getattr(stacked, name)[k], getattr(alone, name), rtol=1e-12, equal_nan=True
            )
        np.testing.assert_allclose(stacked.coef[k], alone.coef, rtol=1e-10, equal_nan=True)
    assert (stacked.reason[0] == Reason.INSUFFICIENT_DATA).all()  # 256 rows: too few
    assert (stacked.reason[-1] == Reason.OK).all()
    none = har_forecasts_at(R, [], window)
    assert none.coef.shape == (0, 4, R.shape[1])
    assert none.path.shape == (0, 21, R.shape[1])
    assert none.volatility.shape == (0, R.shape[1])


def test_trailing_windows_lay_windows_side_by_side() -> None:
    panel = np.arange(20.0).reshape(10, 2)
    out = trailing_windows(panel, [2, 9], 4, first=1)
    assert out.shape == (4, 4)
    # The window ending at row 2 is cut at row 1: rows 1 and 2 at the bottom.
    np.testing.assert_array_equal(out[:, 0], [np.nan, np.nan, 2.0, 4.0])
    np.testing.assert_array_equal(out[:, 1], [np.nan, np.nan, 3.0, 5.0])
    np.testing.assert_array_equal(out[:, 2], [12.0, 14.0, 16.0, 18.0])
    np.testing.assert_array_equal(out[:, 3], [13.0, 15.0, 17.0, 19.0])


def test_volatility_trend_honours_its_windows_and_threshold(stock_returns) -> None:
    """Non-default windows and threshold reach the computation (mutation survivors)."""
    R = stock_returns[-200:, :6]
    short = R[-10:].std(axis=0, ddof=1)
    long = R[-100:].std(axis=0, ddof=1)
    trend = volatility_trend(R, short_window=10, long_window=100, threshold=0.3)
    np.testing.assert_allclose(trend.strength, short / long - 1.0, rtol=1e-12)
    strength = short / long - 1.0
    expected = np.where(strength > 0.3, 1, np.where(strength < -0.3, -1, 0))
    np.testing.assert_array_equal(trend.direction, expected)
    # A series between the default threshold and this one: the threshold decides it.
    assert ((np.abs(strength) > 0.1) & (np.abs(strength) < 0.3)).any()

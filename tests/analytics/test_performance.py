"""Performance kernels: hand-chained TWR on crafted flows, XIRR against pyxirr, benchmark
metrics against empyrical-reloaded on real closes, period returns by hand."""

from __future__ import annotations

import time
import warnings
from datetime import date

import empyrical
import numpy as np
import pandas as pd
import pytest
import pyxirr

from sigmasight.analytics import performance as pf
from sigmasight.analytics._typing import Reason


def _hand_chain(nav: list[float], inflow: list[float], outflow: list[float]) -> list[float]:
    """TWR chained one session at a time in plain Python (contributions at the start,
    withdrawals at the end; no capital at risk: the session is skipped)."""
    growth, previous, out = 1.0, 0.0, []
    for v, i, o in zip(nav, inflow, outflow, strict=True):
        base = previous + i
        if base > 0:
            growth *= 1.0 + max((v - previous - i + o) / base, -1.0)
        out.append(growth - 1.0)
        previous = v
    return out


def test_twr_equals_hand_chain_on_deposit_withdrawal_full_withdrawal_and_new_deposit() -> None:
    # day 0: 1,000 in, ends 1,010; day 1: +500 at the start, ends 1,530 (+20 on 1,510);
    # day 2: ends 1,500 after 100 out (+70 earned); day 3: everything (1,480) out, -20
    # earned; day 4: nothing held (NAV 0); day 5: 2,000 in, ends 2,100.
    nav = [1010.0, 1530.0, 1500.0, 0.0, 0.0, 2100.0]
    inflow = [1000.0, 500.0, 0.0, 0.0, 0.0, 2000.0]
    outflow = [0.0, 0.0, 100.0, 1480.0, 0.0, 0.0]
    got = pf.time_weighted_returns(nav, inflow, outflow)
    expected_daily = [0.01, 20 / 1510, 70 / 1530, -20 / 1500, np.nan, 0.05]
    np.testing.assert_allclose(got.daily, expected_daily, rtol=1e-14)
    np.testing.assert_allclose(got.cumulative, _hand_chain(nav, inflow, outflow), rtol=1e-14)
    # the zero-NAV session: no return (NaN, stated reason), cumulative carried
    assert got.reason[4] == Reason.INVALID_DENOMINATOR
    assert got.cumulative[4] == got.cumulative[3]
    assert (got.cumulative >= -1.0).all()


def test_twr_never_below_minus_100_percent() -> None:
    # a levered loss larger than the capital (NAV 100 -> -50) is floored at -100 %; the
    # next session's base is -50 + 70 = 20 and earns 0; the index stays at 0
    got = pf.time_weighted_returns([100.0, -50.0, 20.0], [100.0, 0.0, 70.0], [0.0, 0.0, 0.0])
    assert got.daily[1] == -1.0
    assert got.daily[2] == 0.0
    np.testing.assert_array_equal(got.cumulative, [0.0, -1.0, -1.0])
    # a negative base (no new money): no return, cumulative carried
    neg = pf.time_weighted_returns([100.0, -50.0, -40.0], [100.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    assert np.isnan(neg.daily[2])
    assert neg.cumulative[2] == -1.0


def test_twr_vectorised_over_portfolios_equals_each_column() -> None:
    rng = np.random.default_rng(7)
    T, P = 300, 40
    nav = np.cumsum(rng.normal(0, 5, (T, P)), axis=0) + 1000.0
    inflow = np.where(rng.random((T, P)) < 0.05, 50.0, 0.0)
    outflow = np.where(rng.random((T, P)) < 0.05, 30.0, 0.0)
    many = pf.time_weighted_returns(nav, inflow, outflow, nav_before=np.full(P, 1000.0))
    for p in (0, 17, 39):
        one = pf.time_weighted_returns(nav[:, p], inflow[:, p], outflow[:, p], nav_before=1000.0)
        np.testing.assert_array_equal(many.cumulative[:, p], one.cumulative)


def test_twr_without_flows_equals_empyrical_cum_returns(stock_returns: np.ndarray) -> None:
    r = stock_returns[-756:, :5]
    nav = 1000.0 * np.cumprod(1.0 + r, axis=0)
    got = pf.time_weighted_returns(nav, np.zeros_like(nav), np.zeros_like(nav), 1000.0)
    for j in range(5):
        np.testing.assert_allclose(got.cumulative[:, j], empyrical.cum_returns(r[:, j]), rtol=1e-10)


def _d(s: str) -> date:
    return date.fromisoformat(s)


XIRR_CASES = [
    ([-1000.0, 200.0, 300.0, 700.0], ["2020-01-01", "2020-06-15", "2021-03-01", "2022-12-31"]),
    ([-1000.0, -500.0, 300.0, 1400.0], ["2019-01-02", "2019-07-01", "2020-02-03", "2021-01-04"]),
    ([-1000.0, 10.0], ["2020-01-01", "2021-01-01"]),  # -99 %
    ([-1000.0, 5000.0], ["2020-01-01", "2020-03-01"]),  # large positive
    ([-100.0, 100.0], ["2020-01-01", "2020-12-31"]),  # zero
]


@pytest.mark.parametrize(("amounts", "days"), XIRR_CASES)
def test_xirr_equals_pyxirr(amounts: list[float], days: list[str]) -> None:
    dates = [_d(s) for s in days]
    got = pf.xirr(amounts, np.array(dates, dtype="datetime64[D]"))
    expected = pyxirr.xirr(dates, amounts)
    assert got.reason is None
    assert got.rate == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_xirr_on_real_prices_equals_pyxirr(prices: pd.DataFrame) -> None:
    # monthly contributions into the index, the closing value withdrawn at the end
    px = prices["SP500"].iloc[-800:]
    month_ends = px.groupby(px.index.to_period("M")).tail(1).iloc[:-1]
    units = (100.0 / month_ends).sum()
    amounts = [-100.0] * len(month_ends) + [float(units * px.iloc[-1])]
    dates = [d.date() for d in month_ends.index] + [px.index[-1].date()]
    got = pf.xirr(amounts, np.array(dates, dtype="datetime64[D]"))
    assert got.rate == pytest.approx(pyxirr.xirr(dates, amounts), rel=1e-9)


@pytest.mark.parametrize(
    ("amounts", "days"),
    [
        ([-100.0, -50.0], ["2020-01-01", "2021-01-01"]),  # same sign
        ([-100.0, 100.0], ["2020-01-01", "2020-01-01"]),  # one date
        ([100.0], ["2020-01-01"]),
        # sign changes, but the NPV stays positive for every rate: no root
        ([100.0, -300.0, 250.0], ["2020-01-01", "2021-01-01", "2022-01-01"]),
    ],
)
def test_xirr_without_solution_is_none_with_reason_and_quick(
    amounts: list[float], days: list[str]
) -> None:
    started = time.perf_counter()
    got = pf.xirr(amounts, np.array([_d(s) for s in days], dtype="datetime64[D]"))
    assert time.perf_counter() - started < 0.5
    assert got.rate is None
    assert got.reason


def test_xirr_no_solution_case_pyxirr_agrees_there_is_none() -> None:
    dates = [_d("2020-01-01"), _d("2021-01-01"), _d("2022-01-01")]
    assert pyxirr.xirr(dates, [100.0, -300.0, 250.0]) is None


def _empyrical(fn: object, *args: object, **kw: object) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(fn(*args, **kw))  # type: ignore[operator]


def test_benchmark_metrics_equal_empyrical_on_real_closes(
    stock_returns: np.ndarray, market_returns: np.ndarray
) -> None:
    R = stock_returns[-756:]
    b = market_returns[-756:]
    rf = 0.0001
    got = pf.benchmark_metrics(R, b[:, None], risk_free=rf)
    for j in range(R.shape[1]):
        r = R[:, j]
        active = r - b
        te = active.std(ddof=1) * np.sqrt(252)
        assert got.tracking_error[j] == pytest.approx(te, rel=1e-12)
        ir = _empyrical(empyrical.excess_sharpe, r, b) * np.sqrt(252)
        assert got.information_ratio[j] == pytest.approx(ir, rel=1e-10)
        alpha, beta = empyrical.alpha_beta(r, b, risk_free=rf)
        assert got.beta[j] == pytest.approx(beta, rel=1e-10)
        assert got.alpha[j] == pytest.approx(alpha, rel=1e-9)
        assert got.up_capture[j] == pytest.approx(_empyrical(empyrical.up_capture, r, b), rel=1e-10)
        down = _empyrical(empyrical.down_capture, r, b)
        assert got.down_capture[j] == pytest.approx(down, rel=1e-10)
        assert got.correlation[j] == pytest.approx(np.corrcoef(r, b)[0, 1], rel=1e-12)
        excess = _empyrical(empyrical.cum_returns_final, r) - _empyrical(
            empyrical.cum_returns_final, b
        )
        assert got.excess_return[j] == pytest.approx(excess, rel=1e-10)
        assert got.hit_rate[j] == pytest.approx(np.mean(r > b), rel=1e-15)
        assert got.observations[j] == 756


def test_benchmark_metrics_leave_missing_rows_out_pairwise(
    stock_returns: np.ndarray, market_returns: np.ndarray
) -> None:
    r = stock_returns[-300:, 0].copy()
    b = market_returns[-300:]
    r[:40] = np.nan  # not yet live
    got = pf.benchmark_metrics(r, b)
    ref = pf.benchmark_metrics(r[40:], b[40:])
    assert got.observations == 260
    assert got.tracking_error == pytest.approx(float(ref.tracking_error), rel=1e-13)
    assert got.beta == pytest.approx(_empyrical(empyrical.beta, r[40:], b[40:]), rel=1e-10)


def test_benchmark_of_itself() -> None:
    b = np.random.default_rng(1).normal(0.0005, 0.01, 252)
    got = pf.benchmark_metrics(b, b)
    assert got.tracking_error == 0.0
    assert np.isnan(got.information_ratio)
    assert got.beta == pytest.approx(1.0)
    assert got.up_capture == pytest.approx(1.0)
    assert got.hit_rate == 0.0


def test_period_returns_by_hand() -> None:
    sessions = pd.bdate_range("2019-12-02", "2023-06-30").values.astype("datetime64[D]")
    T = sessions.size
    r = np.random.default_rng(3).normal(0.0004, 0.01, (T, 2))
    r[:30, 1] = np.nan  # the second book starts on row 30
    growth = np.cumprod(np.where(np.isfinite(r), 1.0 + r, 1.0), axis=0)
    end = T - 1
    got = pf.period_returns(growth, sessions, [end], np.array([0, 30]))
    index = pd.DatetimeIndex(sessions)
    g = pd.DataFrame(growth, index=index)
    ytd_anchor = g.loc[:"2022-12-31"].iloc[-1]
    mtd_anchor = g.loc[:"2023-05-31"].iloc[-1]
    qtd_anchor = g.loc[:"2023-03-31"].iloc[-1]
    last = g.iloc[-1]
    np.testing.assert_allclose(got.total["YTD"][0], last / ytd_anchor - 1, rtol=1e-13)
    np.testing.assert_allclose(got.total["MTD"][0], last / mtd_anchor - 1, rtol=1e-13)
    np.testing.assert_allclose(got.total["QTD"][0], last / qtd_anchor - 1, rtol=1e-13)
    np.testing.assert_allclose(got.total["1D"][0], last / g.iloc[-2] - 1, rtol=1e-13)
    np.testing.assert_allclose(got.total["1y"][0], last / g.iloc[-253] - 1, rtol=1e-13)
    three = last / g.iloc[-757] - 1
    np.testing.assert_allclose(got.total["3y"][0], three, rtol=1e-13)
    np.testing.assert_allclose(got.annualized["3y"][0], (1 + three) ** (252 / 756) - 1, rtol=1e-13)
    # inception: the first book from the index's start (1), the second from row 29's close
    np.testing.assert_allclose(got.total["inception"][0, 0], last[0] - 1, rtol=1e-13)
    np.testing.assert_allclose(
        got.total["inception"][0, 1], last[1] / g.iloc[29, 1] - 1, rtol=1e-13
    )
    assert got.sessions["inception"][0, 0] == T
    assert np.isnan(got.total["5y"]).all()  # shorter than 5 years: not shown
    assert np.isnan(got.annualized["1y"]).all()  # a year or less: never annualised


def test_blend_daily_rebalanced_is_weighted_sum_monthly_drifts(
    stock_returns: np.ndarray,
) -> None:
    X = stock_returns[-60:, :2]
    w = np.array([0.6, 0.4])
    daily = pf.blend_returns(X, w, np.ones(60, dtype=bool))
    np.testing.assert_allclose(daily, X @ w, rtol=1e-15)
    once = np.zeros(60, dtype=bool)
    once[0] = True
    drift = pf.blend_returns(X, w, once)
    # rebalanced once: a buy-and-hold of 60/40
    value = (w * np.cumprod(1 + X, axis=0)).sum(axis=1)
    np.testing.assert_allclose(np.cumprod(1 + drift), value, rtol=1e-12)


def test_windowed_metrics_equal_the_metrics_of_each_slice(
    stock_returns: np.ndarray, market_returns: np.ndarray
) -> None:
    R = stock_returns[-400:, :6].copy()
    R[:50, 2] = np.nan  # a late starter
    b = market_returns[-400:]
    ends = np.array([99, 250, 399])
    starts = np.array([[0], [188], [148]])  # inception, 63 and 252 sessions
    got = pf.windowed_benchmark_metrics(R, b[:, None], starts, ends, risk_free=1e-4)
    for k, (lo, hi) in enumerate(zip(starts[:, 0], ends, strict=True)):
        ref = pf.benchmark_metrics(R[lo : hi + 1], b[lo : hi + 1, None], risk_free=1e-4)
        for field in ("tracking_error", "beta", "alpha", "up_capture", "hit_rate"):
            np.testing.assert_allclose(
                getattr(got, field)[k], getattr(ref, field), rtol=1e-12, err_msg=field
            )
        np.testing.assert_array_equal(got.observations[k], ref.observations)

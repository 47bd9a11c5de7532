"""Stress kernels (#22) on the real skfolio closes (1990-2022), each figure against an
independent computation (pandas episode returns, statsmodels regressions, vollib), and
the regression tests for the original system's defects: the market term dropped from a
correlated scenario, correlations up to today in a backfill, the rate-shock sign and
duration."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from vollib.black_scholes_merton import black_scholes_merton as vl_price
from vollib.black_scholes_merton.greeks import analytical as vl

from sigmasight.analytics import stress as st
from sigmasight.domain.stress import (
    RATES_FACTOR_DURATION,
    SCENARIOS,
    SCENARIOS_BY_KEY,
    Scenario,
    ScenarioKind,
)
from tests._skfolio import skfolio_closes

RUN = date(2022, 12, 28)
STYLE = {"momentum": "MTUM", "quality": "QUAL", "low_volatility": "USMV", "value": "VLUE"}
FACTOR_KEYS = ("market", *STYLE)


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    return skfolio_closes(index=True)


@pytest.fixture(scope="module")
def factor_returns(closes: pd.DataFrame) -> pd.DataFrame:
    """Market return and style spreads (ETF minus market), as the factor registry has."""
    r = closes.pct_change(fill_method=None)
    out = pd.DataFrame({"market": r["^GSPC"]})
    for key, etf in STYLE.items():
        out[key] = r[etf] - r["^GSPC"]
    return out


def _row(index: pd.Index, day: date) -> int:
    return int(index.searchsorted(pd.Timestamp(day), side="right")) - 1


def _book(value: list[float], column: list[int], portfolio: list[int]) -> st.Book:
    m = len(value)
    nan = np.full(m, np.nan)
    return st.Book(
        portfolio=np.array(portfolio),
        column=np.array(column),
        value=np.array(value),
        is_option=np.zeros(m, bool),
        units=nan,
        spot=nan,
        strike=nan,
        years=nan,
        volatility=nan,
        is_call=np.zeros(m, bool),
        rate=nan,
        dividend_yield=nan,
    )


def test_2020_replay_of_a_one_stock_book_is_the_stocks_episode_return(
    closes: pd.DataFrame,
) -> None:
    sc = SCENARIOS_BY_KEY["covid_2020"]
    assert sc.start is not None
    assert sc.end is not None
    panel = closes.to_numpy()
    s, e = _row(closes.index, sc.start), _row(closes.index, sc.end)
    own = st.episode_returns(panel, [s], [e])
    R, method = st.replay_or_proxy(own, np.full_like(own, 0.5))
    aapl = list(closes.columns).index("AAPL")
    value = 100 * float(closes["AAPL"].loc[pd.Timestamp(RUN)])
    res = st.stress_books(
        _book([value], [aapl], [0]), R, method, np.zeros(1), np.zeros(1), n_portfolios=1
    )
    expected = closes["AAPL"].loc["2020-03-23"] / closes["AAPL"].loc["2020-02-19"] - 1
    assert res.portfolio_pnl[0, 0] == pytest.approx(value * expected, rel=1e-12)
    assert res.method[0, 0] == st.Method.REPLAY
    assert expected < -0.25  # AAPL fell ~31 % in the crash


def test_a_security_without_history_is_proxied_and_says_so(closes: pd.DataFrame) -> None:
    """MTUM started in 2013: the 2000-02 replay takes its proxy, AAPL its own return."""
    sc = SCENARIOS_BY_KEY["dotcom_2000"]
    assert sc.start is not None
    assert sc.end is not None
    s, e = _row(closes.index, sc.start), _row(closes.index, sc.end)
    own = st.episode_returns(closes.to_numpy(), [s], [e])
    market = closes["^GSPC"].loc["2002-10-09"] / closes["^GSPC"].loc["2000-03-24"] - 1
    assert market == pytest.approx(776.76 / 1527.46 - 1, abs=1e-3)  # the published closes
    beta = np.full(closes.shape[1], 1.2)
    R, method = st.replay_or_proxy(own, (beta * market)[None, :])
    cols = list(closes.columns)
    assert method[0, cols.index("MTUM")] == st.Method.PROXY
    assert R[0, cols.index("MTUM")] == pytest.approx(1.2 * market, rel=1e-14)
    assert method[0, cols.index("AAPL")] == st.Method.REPLAY
    no_proxy = st.replay_or_proxy(own, np.full_like(own, np.nan))[1]
    assert no_proxy[0, cols.index("MTUM")] == st.Method.MISSING


def _ols_propagation(frame: pd.DataFrame, shocked: list[str], x: np.ndarray) -> pd.Series:
    """Each other factor regressed on the shocked ones (statsmodels, with a constant):
    its slope times the shock (the conditional mean of a zero-mean Gaussian move)."""
    X = sm.add_constant(frame[shocked])
    return pd.Series(
        {
            other: float(np.asarray(sm.OLS(frame[other], X).fit().params)[1:] @ x)
            for other in frame.columns
            if other not in shocked
        }
    )


@pytest.mark.parametrize("shocked", [["momentum"], ["value", "quality"], ["market"]])
def test_propagation_equals_regressions_and_always_moves_the_market(
    factor_returns: pd.DataFrame, shocked: list[str]
) -> None:
    """Regression test of the original's bug: the market term is in every correlated
    scenario, with the move the covariance implies."""
    end = _row(factor_returns.index, RUN)
    window = factor_returns.iloc[end - 503 : end + 1].dropna()
    cov, used = st.factor_covariance(factor_returns.to_numpy(), end, 504, 126)
    assert used == len(window) == 504
    x = np.array([-0.05 * (i + 1) for i in range(len(shocked))])
    shocks = np.full((1, len(FACTOR_KEYS)), np.nan)
    shocks[0, [FACTOR_KEYS.index(k) for k in shocked]] = x
    moves = st.propagate_shocks(cov, shocks)[0]
    expected = _ols_propagation(window, shocked, x)
    for other, value in expected.items():
        assert moves[FACTOR_KEYS.index(str(other))] == pytest.approx(value, rel=1e-9, abs=1e-14)
    np.testing.assert_array_equal(moves[[FACTOR_KEYS.index(k) for k in shocked]], x)
    assert np.isfinite(moves).all()
    assert moves[0] != 0.0  # the market moves in every correlated scenario


def test_every_library_scenario_with_a_factor_shock_moves_the_market(
    factor_returns: pd.DataFrame,
) -> None:
    keys = (*FACTOR_KEYS, "rates")  # a rates factor: TLT is not in the data, simulated
    rng = np.random.default_rng(3)
    F = factor_returns.to_numpy()
    rates = -0.3 * F[:, :1] + rng.normal(0, 0.008, (F.shape[0], 1))
    panel = np.hstack([F, rates])
    cov, _ = st.factor_covariance(panel, _row(factor_returns.index, RUN), 504, 126)
    hypo = tuple(s for s in SCENARIOS if s.kind is ScenarioKind.HYPOTHETICAL)
    shocks = st.hypothetical_shocks(hypo, keys)
    moves = st.propagate_shocks(cov, shocks.factor)
    for k, sc in enumerate(hypo):
        if sc.shocks or sc.rate_bp:
            assert moves[k, 0] != 0.0, sc.key
            assert np.isfinite(moves[k]).all(), sc.key
        else:  # a volatility-only scenario moves no factor
            assert (moves[k] == 0.0).all(), sc.key


def test_a_backfilled_date_uses_no_data_after_it(factor_returns: pd.DataFrame) -> None:
    """The covariance and the propagated moves of a past date are the same whether the
    panel ends on that date or goes on (with anything at all after it)."""
    day = date(2020, 6, 30)
    end = _row(factor_returns.index, day)
    full = factor_returns.to_numpy()
    later = full.copy()
    later[end + 1 :] = np.random.default_rng(0).normal(0, 0.5, later[end + 1 :].shape)
    cut = full[: end + 1]
    shocks = np.full((1, len(FACTOR_KEYS)), np.nan)
    shocks[0, 1] = -0.1
    results = [
        st.propagate_shocks(st.factor_covariance(p, end, 504, 126)[0], shocks)
        for p in (full, later, cut)
    ]
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], results[2])
    # and it differs from the covariance of the run date (the data did change)
    today = st.factor_covariance(full, _row(factor_returns.index, RUN), 504, 126)[0]
    assert not np.allclose(st.propagate_shocks(today, shocks), results[0])


def test_a_rate_rise_loses_money_on_a_long_bond() -> None:
    """+100 bp: a bond of modified duration 7 loses 7 %, the long Treasury ETF (loading 1
    on the rates factor) 17 %; shorts gain. The original applied the opposite sign and
    no duration."""
    keys = ("market", "rates")
    sc = Scenario("up", "Rates +100 bp", ScenarioKind.HYPOTHETICAL, rate_bp=100.0)
    shocks = st.hypothetical_shocks((sc,), keys)
    assert shocks.factor[0, 1] == pytest.approx(-RATES_FACTOR_DURATION * 0.01)
    cov = np.array([[1e-4, -2e-5], [-2e-5, 9e-5]])
    moves = st.propagate_shocks(cov, shocks.factor)
    loadings = np.array([[0.0, 1.0], [np.nan, np.nan], [1.1, 0.0]])  # ETF, bond, a stock
    duration = np.array([np.nan, 7.0, np.nan])
    dy = st.implied_rate_change(moves, shocks.rate_change, keys)
    R = st.security_moves(loadings, moves, duration, dy)
    assert R[0, 1] == pytest.approx(-0.07)
    assert R[0, 0] == pytest.approx(-0.17)
    book = _book([1e6, -1e6, 1e6, 5e5], [1, 1, 0, 2], [0, 1, 2, 3])
    res = st.stress_books(book, R, np.zeros((1, 3), np.int64), np.zeros(1), dy, 4)
    assert res.portfolio_pnl[0].tolist() == pytest.approx(
        [-70_000.0, 70_000.0, -170_000.0, 5e5 * R[0, 2]]
    )
    # the stock moves through the market term the rates shock implies
    assert R[0, 2] == pytest.approx(1.1 * (-2e-5 / 9e-5) * -0.17)
    # and a rate fall is a gain
    down = st.hypothetical_shocks(
        (Scenario("d", "d", ScenarioKind.HYPOTHETICAL, rate_bp=-50),), keys
    )
    R_down = st.security_moves(
        loadings, st.propagate_shocks(cov, down.factor), duration, np.array([-0.005])
    )
    assert R_down[0, 1] == pytest.approx(0.035)


def test_options_are_repriced_with_delta_gamma_beside(closes: pd.DataFrame) -> None:
    """A long put and a short call on AAPL under -20 % / +10 vol points / +50 bp: full
    repricing equals vollib's price difference; delta-gamma is close for a small move."""
    spot = float(closes["AAPL"].loc[pd.Timestamp(RUN)])
    m = 2
    book = st.Book(
        portfolio=np.array([0, 0]),
        column=np.array([0, 0]),
        value=np.array([np.nan, np.nan]),
        is_option=np.ones(m, bool),
        units=np.array([2 * 100.0, -3 * 100.0]),
        spot=np.full(m, spot),
        strike=np.array([120.0, 150.0]),
        years=np.array([0.25, 0.5]),
        volatility=np.array([0.35, 0.3]),
        is_call=np.array([False, True]),
        rate=np.full(m, 0.04),
        dividend_yield=np.full(m, 0.005),
    )
    R = np.array([[-0.2], [-0.001]])
    vol = np.array([10.0, 0.0])
    dr = np.array([0.005, 0.0])
    res = st.stress_books(book, R, np.zeros((2, 1), np.int64), vol, dr, 1)
    for k in range(2):
        want = 0.0
        for i, (flag, K, t, v, u) in enumerate(
            [("p", 120.0, 0.25, 0.35, 200.0), ("c", 150.0, 0.5, 0.3, -300.0)]
        ):
            new = vl_price(flag, spot * (1 + R[k, 0]), K, t, 0.04 + dr[k], v + vol[k] / 100, 0.005)
            old = vl_price(flag, spot, K, t, 0.04, v, 0.005)
            assert res.position_pnl[k, i] == pytest.approx(u * (new - old), rel=1e-9, abs=1e-9)
            want += u * (new - old)
        assert res.portfolio_pnl[k, 0] == pytest.approx(want, rel=1e-9)
    assert (res.method == st.Method.REPRICED).all()
    dS = spot * -0.001
    d = vl.delta("p", spot, 120.0, 0.25, 0.04, 0.35, 0.005)
    g = vl.gamma("p", spot, 120.0, 0.25, 0.04, 0.35, 0.005)
    assert res.delta_gamma[1, 0] == pytest.approx(200 * (d * dS + 0.5 * g * dS * dS), rel=1e-9)
    assert res.delta_gamma[1, 0] == pytest.approx(res.position_pnl[1, 0], rel=1e-3)


def test_private_holdings_are_excluded_and_missing_prices_counted() -> None:
    book = _book([1e5, 2e5, 3e5], [-1, 0, 1], [0, 0, 0])
    R = np.array([[-0.1, np.nan]])
    res = st.stress_books(book, R, np.zeros((1, 2), np.int64), np.zeros(1), np.zeros(1), 1)
    assert res.method[0].tolist() == [st.Method.EXCLUDED, st.Method.REPLAY, st.Method.MISSING]
    assert res.portfolio_pnl[0, 0] == pytest.approx(-2e4)
    assert res.missing[0, 0] == 1


def test_many_portfolios_equal_a_per_position_loop() -> None:
    rng = np.random.default_rng(11)
    K, N, M, P = 5, 40, 600, 50
    R = rng.normal(0, 0.1, (K, N))
    book = _book(
        rng.normal(0, 1e4, M).tolist(),
        rng.integers(-1, N, M).tolist(),
        rng.integers(0, P, M).tolist(),
    )
    res = st.stress_books(book, R, np.zeros((K, N), np.int64), np.zeros(K), np.zeros(K), P)
    loop = np.zeros((K, P))
    for k in range(K):
        for i in range(M):
            if book.column[i] >= 0:
                loop[k, book.portfolio[i]] += book.value[i] * R[k, book.column[i]]
    np.testing.assert_allclose(res.portfolio_pnl, loop, rtol=1e-12, atol=1e-6)


def test_a_bond_position_with_a_duration_moves_by_it_in_hypothetical_scenarios() -> None:
    """Positions with a modified duration (and convexity) in the hypothetical scenarios:
    a long bond loses exactly D x 0.01 x value on +100 bp, a short gains as much, the
    convexity term is C dy^2 / 2 of the value (worked by hand below); a historical
    scenario keeps the security's own replay, and an option beside them is still
    repriced with the shocked rate."""
    book = _book([1e6, -4e5, 2.5e5, 3e5], [0, 0, 0, 1], [0, 0, 1, 1])
    book = st.Book(
        **{
            **book.__dict__,
            "duration": np.array([7.0, 7.0, 16.8, np.nan]),
            "convexity": np.array([np.nan, np.nan, 3.7, np.nan]),
        }
    )
    # scenarios: a replay (the bond's own -3 %, the stock's -30 %), +100 bp, -250 bp
    R = np.array([[-0.03, -0.30], [0.0, 0.0], [0.0, 0.0]])
    method = np.array([[0, 0], [1, 1], [1, 1]], dtype=np.int64)
    dy = np.array([0.0, 0.01, -0.025])
    hypothetical = np.array([False, True, True])
    res = st.stress_books(book, R, method, np.zeros(3), dy, 2, hypothetical)
    # +100 bp: long 1e6 of D = 7 loses 70,000; the short 4e5 gains 28,000
    assert res.position_pnl[1, 0] == -7.0 * 0.01 * 1e6 == -70_000.0
    assert res.position_pnl[1, 1] == pytest.approx(7.0 * 0.01 * 4e5)
    # D = 16.8, C = 3.7 on 250,000: -16.8 x 0.01 = -0.168, 3.7 x 0.0001 / 2 = 0.000185
    assert res.position_pnl[1, 2] == pytest.approx(250_000 * (-0.168 + 0.000185), rel=1e-12)
    # -250 bp: 16.8 x 0.025 = 0.42, 3.7 x 0.000625 / 2 = 0.00115625
    assert res.position_pnl[2, 2] == pytest.approx(250_000 * (0.42 + 0.00115625), rel=1e-12)
    # the replay keeps the own return; the stock without a duration keeps its factor move
    assert res.position_pnl[0].tolist() == pytest.approx([-30_000.0, 12_000.0, -7_500.0, -9e4])
    assert res.method[1:, :3].tolist() == [[st.Method.DURATION] * 3] * 2
    assert res.method[0, :3].tolist() == [st.Method.REPLAY] * 3
    assert res.method[1:, 3].tolist() == [st.Method.PROXY] * 2
    assert res.portfolio_pnl[1].tolist() == pytest.approx(
        [-70_000.0 + 28_000.0, 250_000 * (-0.168 + 0.000185)]
    )
    # without the scenario kinds the kernel leaves every position on its security's move
    plain = st.stress_books(book, R, method, np.zeros(3), dy, 2)
    assert plain.position_pnl[1, :3].tolist() == [0.0, 0.0, 0.0]


def test_an_option_beside_a_bond_is_repriced_with_the_shocked_rate() -> None:
    """A duration on the book never touches an option: it is repriced at r + dy (vollib)."""
    m = 2
    book = st.Book(
        portfolio=np.array([0, 0]),
        column=np.array([0, 1]),
        value=np.array([np.nan, 1e5]),
        is_option=np.array([True, False]),
        units=np.array([100.0, 1.0]),
        spot=np.array([100.0, np.nan]),
        strike=np.array([95.0, np.nan]),
        years=np.array([1.0, np.nan]),
        volatility=np.array([0.25, np.nan]),
        is_call=np.array([True, False]),
        rate=np.full(m, 0.03),
        dividend_yield=np.zeros(m),
        duration=np.array([np.nan, 5.0]),
        convexity=np.full(m, np.nan),
    )
    res = st.stress_books(
        book, np.zeros((1, 2)), np.ones((1, 2), np.int64), np.zeros(1), np.array([0.01]), 1,
        np.array([True]),
    )  # fmt: skip
    want = 100 * (vl_price("c", 100.0, 95.0, 1.0, 0.04, 0.25, 0.0)
                  - vl_price("c", 100.0, 95.0, 1.0, 0.03, 0.25, 0.0))  # fmt: skip
    assert want > 0  # a call gains from a rate rise
    assert res.position_pnl[0, 0] == pytest.approx(want, rel=1e-10)
    assert res.position_pnl[0, 1] == -5_000.0
    assert res.method[0].tolist() == [st.Method.REPRICED, st.Method.DURATION]

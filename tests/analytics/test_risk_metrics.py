"""Risk metrics against independent references on real closes, properties, pitfalls."""

from __future__ import annotations

import warnings

import empyrical
import numpy as np
import pytest
import vartests
from scipy import integrate, stats

from sigmasight.analytics import _blocks
from sigmasight.analytics import risk_metrics as rm
from sigmasight.analytics import var_backtest as bt

RF = 0.0001  # per period


@pytest.fixture(scope="module")
def window(stock_returns: np.ndarray) -> np.ndarray:
    """The last 504 sessions of the 20 stocks and an equal-weight portfolio (T, 21)."""
    r = stock_returns[-504:]
    return np.column_stack([r, r.mean(axis=1)])


@pytest.fixture(scope="module")
def market(market_returns: np.ndarray) -> np.ndarray:
    return market_returns[-504:]


def _empyrical(fn: object, *args: object, **kw: object) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(fn(*args, **kw))  # type: ignore[operator]


@pytest.mark.parametrize("confidence", [0.95, 0.99])
def test_historical_var_cvar_equal_empyrical(window: np.ndarray, confidence: float) -> None:
    got = rm.historical_var(window, confidence)
    for j in range(window.shape[1]):
        r = window[:, j]
        ref_var = -_empyrical(empyrical.value_at_risk, r, cutoff=1 - confidence)
        ref_cvar = -_empyrical(empyrical.conditional_value_at_risk, r, cutoff=1 - confidence)
        assert got.var[j] == pytest.approx(ref_var, rel=1e-12)
        assert got.cvar[j] == pytest.approx(ref_cvar, rel=1e-12)


def test_historical_var_skips_leading_missing(window: np.ndarray) -> None:
    short = window[:, :3].copy()
    short[:200, 0] = np.nan
    got = rm.historical_var(short, 0.99)
    assert got.var[0] == pytest.approx(-np.quantile(window[200:, 0], 0.01), rel=1e-12)
    assert got.n_obs[0] == 304


@pytest.mark.parametrize("confidence", [0.95, 0.99])
def test_parametric_and_cornish_fisher_equal_scipy(window: np.ndarray, confidence: float) -> None:
    alpha = 1 - confidence
    normal = rm.parametric_var(window, confidence)
    cf = rm.cornish_fisher_var(window, confidence)
    m = rm.moments(window)
    for j in range(0, window.shape[1], 4):
        r = window[:, j]
        mu, sd = r.mean(), r.std(ddof=1)
        dist = stats.norm(mu, sd)
        assert normal.var[j] == pytest.approx(-dist.ppf(alpha), rel=1e-10)
        tail = dist.expect(lambda v: v, ub=dist.ppf(alpha)) / alpha
        assert normal.cvar[j] == pytest.approx(-tail, rel=1e-7)
        s, k = stats.skew(r), stats.kurtosis(r)
        assert m.skewness[j] == pytest.approx(s, rel=1e-10)
        assert m.excess_kurtosis[j] == pytest.approx(k, rel=1e-10)

        def z_cf(u: float, s: float = s, k: float = k) -> float:
            z = stats.norm.ppf(u)
            return z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36

        assert cf.var[j] == pytest.approx(-(mu + z_cf(alpha) * sd), rel=1e-10)
        integral = integrate.quad(z_cf, 0, alpha, limit=200)[0] / alpha
        assert cf.cvar[j] == pytest.approx(-(mu + integral * sd), rel=1e-6)


def test_ratios_equal_empyrical(window: np.ndarray, market: np.ndarray) -> None:
    got = rm.ratios(window, market, risk_free=RF)
    for j in range(window.shape[1]):
        r = window[:, j]
        assert got.sharpe[j] == pytest.approx(
            _empyrical(empyrical.sharpe_ratio, r, risk_free=RF), rel=1e-10
        )
        assert got.sortino[j] == pytest.approx(
            _empyrical(empyrical.sortino_ratio, r, required_return=RF), rel=1e-10
        )
        assert got.calmar[j] == pytest.approx(_empyrical(empyrical.calmar_ratio, r), rel=1e-10)
        assert got.max_drawdown[j] == pytest.approx(_empyrical(empyrical.max_drawdown, r))
        assert got.omega[j] == pytest.approx(
            _empyrical(empyrical.omega_ratio, r, risk_free=RF), rel=1e-10
        )
        assert got.annual_return[j] == pytest.approx(
            _empyrical(empyrical.annual_return, r), rel=1e-10
        )
        beta = stats.linregress(market, r).slope
        assert got.beta[j] == pytest.approx(beta, rel=1e-10)
        assert got.treynor[j] == pytest.approx(252 * (r - RF).mean() / beta, rel=1e-10)


def test_drawdown_dates_and_episodes_against_a_loop(window: np.ndarray) -> None:
    episodes = rm.drawdown_episodes(window, worst=None)
    for j in range(window.shape[1]):
        wealth = np.r_[1.0, np.cumprod(1 + window[:, j])]
        found, peak_at, low = [], 0, None
        for t in range(1, wealth.size):
            if wealth[t] >= wealth[peak_at]:
                if low is not None:
                    found.append((peak_at, low, t))
                peak_at, low = t, None
            elif low is None or wealth[t] < wealth[low]:
                low = t
        if low is not None:
            found.append((peak_at, low, -1))
        mine = episodes.series == j
        assert sorted(found) == sorted(
            zip(
                episodes.peak[mine].tolist(),
                episodes.trough[mine].tolist(),
                episodes.recovery[mine].tolist(),
                strict=True,
            )
        )
    worst = rm.drawdown_episodes(window, worst=5)
    assert np.bincount(worst.series).max() <= 5
    first = worst.series == 0
    assert worst.depth[first][0] == pytest.approx(rm.max_drawdown(window[:, 0]))


def test_backtests_equal_vartests_and_hand_worked_christoffersen() -> None:
    for x in (0, 1, 3, 7, 12):
        ref = vartests.kupiec_test(x=x, n=250, risk_conf_level=0.99)
        got = bt.kupiec_pof(250, x, 0.99)
        assert float(got.lr) == pytest.approx(ref["statistic"], abs=1e-10)
        assert float(got.p_value) == pytest.approx(ref["p-value"], abs=1e-10)
    # Hand-worked fixture: hits 0 0 1 1 0 0 0 1 0 0 -> n00=4, n01=2, n10=2, n11=1.
    hits = np.array([0, 0, 1, 1, 0, 0, 0, 1, 0, 0], dtype=bool)
    got_c = bt.christoffersen(hits, 0.95)
    assert (got_c.n00, got_c.n01, got_c.n10, got_c.n11) == (4, 2, 2, 1)
    pi0, pi1, pi = 2 / 6, 1 / 3, 3 / 9
    free = 4 * np.log(1 - pi0) + 2 * np.log(pi0) + 2 * np.log(1 - pi1) + np.log(pi1)
    restricted = 6 * np.log(1 - pi) + 3 * np.log(pi)
    assert float(got_c.lr_independence) == pytest.approx(-2 * (restricted - free), abs=1e-12)
    assert float(got_c.lr_independence) == pytest.approx(0.0, abs=1e-12)  # pi0 == pi1
    pof = -2 * (7 * np.log(0.95) + 3 * np.log(0.05) - 7 * np.log(0.7) - 3 * np.log(0.3))
    assert float(got_c.lr_conditional_coverage) == pytest.approx(pof, abs=1e-10)
    assert float(got_c.p_conditional_coverage) == pytest.approx(stats.chi2.sf(pof, 2))
    clustered = np.array([0] * 6 + [1] * 4, dtype=bool)  # n00=5 n01=1 n10=0 n11=3
    c2 = bt.christoffersen(clustered, 0.95)
    pi0, pi1, pi = 1 / 6, 1.0, 4 / 9
    free = 5 * np.log(1 - pi0) + np.log(pi0) + 3 * np.log(pi1)
    restricted = 5 * np.log(1 - pi) + 4 * np.log(pi)
    assert float(c2.lr_independence) == pytest.approx(-2 * (restricted - free), abs=1e-12)


def test_basel_zones_match_the_1996_table() -> None:
    zones = bt.basel_zone(np.arange(13), 250, 0.99)
    assert zones.tolist() == [0] * 5 + [1] * 5 + [2] * 3


# --- properties -------------------------------------------------------------------


@pytest.mark.parametrize("method", ["historical_var", "parametric_var", "cornish_fisher_var"])
def test_cvar_at_least_var_and_scales_with_leverage(window: np.ndarray, method: str) -> None:
    fn = getattr(rm, method)
    for c in rm.VAR_CONFIDENCES:
        base, levered = fn(window, c), fn(2.5 * window, c)
        assert np.all(base.cvar >= base.var - 1e-15)
        np.testing.assert_allclose(levered.var, 2.5 * base.var, rtol=1e-12)
        np.testing.assert_allclose(levered.cvar, 2.5 * base.cvar, rtol=1e-12)


def test_one_security_portfolio_equals_the_security(window: np.ndarray) -> None:
    table = rm.var_table(window[:, :1])
    direct = rm.historical_var(window[:, 0], 0.99)
    row = next(e for e in table if e.method == "historical" and e.confidence == 0.99)
    assert float(row.var[0]) == direct.var


def test_zero_exceptions_give_a_finite_kupiec_statistic() -> None:
    got = bt.kupiec_pof(250, 0, 0.99)
    assert np.isfinite(got.lr)
    assert got.lr == pytest.approx(-2 * 250 * np.log(0.99))
    assert bt.christoffersen(np.zeros(250, dtype=bool), 0.99).lr_conditional_coverage == (
        pytest.approx(float(got.lr))
    )


# --- one regression test per PITFALLS.md line about these metrics -----------------


def test_pitfall_sharpe_is_mean_over_std_not_cagr_over_vol(window: np.ndarray) -> None:
    """QuantStats #104/#258/#267: ours is sqrt(252) x daily Sharpe; both figures shown."""
    got = rm.ratios(window[:, -1])
    r = window[:, -1]
    assert got.sharpe_daily == pytest.approx(r.mean() / r.std(ddof=1), rel=1e-12)
    assert got.sharpe == pytest.approx(np.sqrt(252) * got.sharpe_daily, rel=1e-12)
    assert got.sharpe != pytest.approx(got.annual_return / got.volatility, rel=1e-3)


def test_pitfall_periods_per_year_is_the_frequency_of_the_returns(window: np.ndarray) -> None:
    """QuantStats #116: monthly returns annualise with 12."""
    monthly = rm.overlapping_returns(window[:, -1], 21)[::21]
    got = rm.ratios(monthly, periods_per_year=12, min_obs=12)
    assert got.sharpe == pytest.approx(np.sqrt(12) * monthly.mean() / monthly.std(ddof=1))


def test_pitfall_risk_free_rate_is_per_period(window: np.ndarray) -> None:
    """empyrical #108: an annual 4 % rate passed per period would wreck the figure."""
    r = window[:, -1]
    per_day = 1.04 ** (1 / 252) - 1
    got = rm.ratios(r, risk_free=per_day)
    assert got.sharpe == pytest.approx(np.sqrt(252) * (r - per_day).mean() / r.std(ddof=1))


def test_pitfall_volatility_is_annualised_and_ratio_uses_the_window(window: np.ndarray) -> None:
    """Portfolio Performance #631 / PR #5970: annual volatility, one period for a ratio."""
    r = window[-63:, -1]
    got = rm.ratios(r)
    assert got.volatility == pytest.approx(np.sqrt(252) * r.std(ddof=1))
    assert got.sharpe == pytest.approx(np.sqrt(252) * r.mean() / r.std(ddof=1))


def test_pitfall_sortino_denominator_is_rms_over_all_periods(window: np.ndarray) -> None:
    """pyfolio #158 / zipline #747: not the std of the negative returns only."""
    r = window[:, 0]
    got = rm.ratios(r)
    rms = np.sqrt(np.mean(np.minimum(r, 0) ** 2))
    assert got.sortino == pytest.approx(np.sqrt(252) * r.mean() / rms)
    negative_std = r[r < 0].std(ddof=1)
    assert got.sortino != pytest.approx(np.sqrt(252) * r.mean() / negative_std, rel=1e-3)


def test_pitfall_rolling_sortino_uses_each_windows_downside(window: np.ndarray) -> None:
    """QuantStats #129: a window's Sortino depends only on that window."""
    r = window[:, 0]
    alone = rm.ratios(r[-126:]).sortino
    stacked = np.full((504, 1), np.nan)
    stacked[-126:, 0] = r[-126:]
    assert rm.ratios(stacked).sortino[0] == pytest.approx(alone)


def test_pitfall_first_day_loss_is_a_drawdown() -> None:
    """QuantStats #438 / pyfolio #179: the running peak starts at the initial value."""
    r = np.array([-0.10, 0.05, 0.02])
    assert rm.max_drawdown(r) == pytest.approx(-0.10)
    ep = rm.drawdown_episodes(r)
    assert (ep.peak[0], ep.trough[0], ep.recovery[0]) == (0, 1, -1)


def test_pitfall_no_guessed_baseline() -> None:
    """QuantStats PR #541: the drawdown of -7.7 % stays -7.7 %, whatever the level."""
    r = np.array([0.02, -0.077 / 1.0, 0.01])
    assert rm.max_drawdown(r) == pytest.approx(-0.077)


def test_pitfall_drawdown_on_the_return_index_not_nav_with_flows() -> None:
    """Portfolio Performance PR #4668: a deposit does not hide a loss."""
    returns = np.array([0.0, -0.2, 0.0])  # NAV 100 -> 80, then a deposit of 50 -> 130
    assert rm.max_drawdown(returns) == pytest.approx(-0.2)


def test_pitfall_cvar_of_a_2d_input_is_not_var(window: np.ndarray) -> None:
    """QuantStats #467: CVaR of many columns at once is each column's tail mean."""
    got = rm.historical_var(window, 0.95)
    assert np.all(got.cvar > got.var)


def test_pitfall_parametric_threshold_not_mixed_with_empirical_tail(window: np.ndarray) -> None:
    """QuantStats #547: the normal CVaR is the normal tail mean, not an empirical one."""
    r = window[:, 0]
    got = rm.parametric_var(r, 0.99)
    z = stats.norm.ppf(0.01)
    assert got.cvar == pytest.approx(-(r.mean() - r.std(ddof=1) * stats.norm.pdf(z) / 0.01))
    empirical = -r[r <= r.mean() + z * r.std(ddof=1)].mean()
    assert got.cvar != pytest.approx(empirical, rel=1e-3)


def test_pitfall_var_is_a_positive_loss(window: np.ndarray) -> None:
    """Sign: a positive number means a loss."""
    for e in rm.var_table(window):
        assert np.all(e.var > 0)
        assert np.all(e.cvar > 0)


def test_pitfall_sqrt_time_is_labelled_and_overlapping_offered(window: np.ndarray) -> None:
    """sqrt(21) scaling is a labelled convention beside the overlapping 21-day figure."""
    table = rm.var_table(window)
    labels = {(e.method, e.confidence, e.horizon_days, e.scaling) for e in table}
    assert ("historical", 0.99, 21, "overlapping") in labels
    assert ("historical", 0.99, 21, "sqrt_time") in labels
    day = rm.historical_var(window, 0.99).var
    scaled = next(e for e in table if e.scaling == "sqrt_time" and e.method == "historical")
    if scaled.confidence == 0.99:
        np.testing.assert_allclose(scaled.var, np.sqrt(21) * day)
    month = np.array([np.prod(1 + window[t : t + 21], axis=0) - 1 for t in range(484)])
    over = next(e for e in table if e.scaling == "overlapping" and e.confidence == 0.99)
    np.testing.assert_allclose(over.var, -np.quantile(month, 0.01, axis=0), rtol=1e-12)


def test_risk_level_bands() -> None:
    levels = rm.risk_level([0.05, 0.10, 0.10, 0.5, np.nan], [0.005, 0.005, 0.03, 0.01, 0.01])
    assert levels.tolist() == [0, 1, 2, 4, -1]


@pytest.fixture(scope="module")
def wide(window: np.ndarray) -> np.ndarray:
    """The real window beside 300 scaled and shifted copies of itself (T, 321), with a
    flat series and a series with missing returns: wide enough for the session-by-session
    walks and several column blocks."""
    rng = np.random.default_rng(7)
    copies = window[:, rng.integers(0, window.shape[1], 300)] * rng.uniform(0.3, 3.0, 300)
    panel = np.column_stack([window, copies + rng.normal(0, 1e-3, copies.shape)])
    panel[:, 40] = 0.0  # never under water: no episode
    panel[:30, 41] = np.nan  # a series that starts later
    return panel


def test_each_series_gets_the_same_figures_alone_or_in_a_wide_panel(
    wide: np.ndarray, market: np.ndarray
) -> None:
    """A daily run (a few books) and a backfill (thousands side by side) must agree:
    the blocked, partitioned and session-walked kernels give bit-identical figures."""
    table = rm.var_table(wide)
    ratios = rm.ratios(wide, market, RF)
    episodes = rm.drawdown_episodes(wide, worst=5)
    dd = rm.drawdown_series(wide)
    for j in (0, 20, 41, 200, 320):
        alone = wide[:, j : j + 1]
        for got, want in zip(table, rm.var_table(alone), strict=True):
            assert (got.var[j], got.cvar[j]) == (want.var[0], want.cvar[0])
        one = rm.ratios(alone, market, RF)
        for field in rm.Ratios.__slots__:
            np.testing.assert_array_equal(getattr(ratios, field)[j], getattr(one, field)[0])
        mine, single = episodes.series == j, rm.drawdown_episodes(alone, worst=5)
        for field in ("peak", "trough", "recovery", "depth"):
            np.testing.assert_array_equal(getattr(episodes, field)[mine], getattr(single, field))
        np.testing.assert_array_equal(dd[:, j], rm.drawdown_series(alone)[:, 0])


def test_combined_calls_equal_the_separate_functions(wide: np.ndarray, market: np.ndarray) -> None:
    both = rm.ex_ante_risk(wide)
    moments = rm.moments(wide)
    for field in rm.Moments.__slots__:
        np.testing.assert_array_equal(getattr(both.moments, field), getattr(moments, field))
    for got, want in zip(both.var, rm.var_table(wide), strict=True):
        np.testing.assert_array_equal(got.var, want.var)
        np.testing.assert_array_equal(got.cvar, want.cvar)
    realized = rm.realized_risk(wide, market, RF, worst=5)
    ratios = rm.ratios(wide, market, RF)
    for field in rm.Ratios.__slots__:
        np.testing.assert_array_equal(getattr(realized.ratios, field), getattr(ratios, field))
    episodes = rm.drawdown_episodes(wide, worst=5)
    for field in rm.DrawdownEpisodes.__slots__:
        np.testing.assert_array_equal(getattr(realized.episodes, field), getattr(episodes, field))
    np.testing.assert_array_equal(realized.current_drawdown, rm.drawdown_series(wide)[-1])
    assert 40 not in set(episodes.series.tolist())


def test_historical_tail_with_ties_beyond_the_sorted_head() -> None:
    """Many equal returns at the quantile: every one of them joins the CVaR tail."""
    r = np.r_[np.full(60, -0.01), np.linspace(0.0, 0.02, 444)]
    for c in rm.VAR_CONFIDENCES:
        got = rm.historical_var(r, c)
        q = np.quantile(r, 1 - c)
        assert got.var == -q
        assert got.cvar == pytest.approx(-r[r <= q].mean(), rel=1e-14)


@pytest.mark.parametrize("fn", [rm.historical_var, rm.parametric_var, rm.cornish_fisher_var])
def test_one_series_gives_floats_and_integer_counts(window: np.ndarray, fn: object) -> None:
    """A 1-D input gives plain numbers (not one-element arrays) and its return count."""
    got = fn(window[:, 0], 0.95)  # type: ignore[operator]
    assert np.ndim(got.var) == 0
    assert np.ndim(got.cvar) == 0
    assert np.asarray(got.n_obs).dtype.kind == "i"
    assert int(np.asarray(got.n_obs).reshape(-1)[0]) == 504
    assert np.ndim(rm.max_drawdown(window[:, 0])) == 0
    assert float(rm.max_drawdown(window[:, 0])) == pytest.approx(
        float(empyrical.max_drawdown(window[:, 0])), rel=1e-12
    )


def test_the_default_minimum_of_returns_of_each_var_method() -> None:
    """Normal and Cornish-Fisher: 2 returns (the fewest a sample deviation takes);
    historical: 1."""
    r = np.array([0.01, -0.02])
    z = stats.norm.ppf(0.05)
    expected = -(r.mean() + z * r.std(ddof=1))
    assert float(rm.parametric_var(r, 0.95).var) == pytest.approx(expected, rel=1e-12)
    assert np.isfinite(float(rm.cornish_fisher_var(r, 0.95).var))
    assert np.isnan(float(rm.parametric_var(r[:1], 0.95).var))
    # one return is enough for the historical figure: its own loss
    one = rm.historical_var(np.array([-0.03]), 0.95)
    assert float(one.var) == pytest.approx(0.03, rel=1e-15)
    assert float(one.cvar) == pytest.approx(0.03, rel=1e-15)


@pytest.mark.parametrize("annual", [0.04, -0.02, 0.0])
def test_the_batch_turns_the_annual_risk_free_rate_into_a_per_session_rate(annual: float) -> None:
    """The stored rows' rate: compounding it over 252 sessions gives the annual rate
    back (numpy's product of 252 sessions, not the same formula inverted)."""
    from sigmasight.batch.risk_metrics import per_period_rate

    daily = per_period_rate(annual)
    assert float(np.prod(np.full(252, 1.0 + daily))) - 1.0 == pytest.approx(annual, abs=1e-12)
    assert (daily > 0) == (annual > 0)


def test_column_blocks_on_several_threads_give_the_same_figures_to_the_bit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Many series with gaps: every figure of the ex-ante and realized passes is
    identical whether the column blocks run on one thread or on three."""
    rng = np.random.default_rng(11)
    T, N = 300, 9 * rm.COLUMN_CHUNK + 17
    R = rng.standard_t(4, (T, N)) * 0.01
    R[:25, 3:200] = np.nan
    R[150, 1000:1100] = np.nan
    market = rng.standard_t(4, T) * 0.01

    def figures() -> dict[str, np.ndarray]:
        ex_ante = rm.ex_ante_risk(R, rm.EX_ANTE_MIN_OBS)
        realized = rm.realized_risk(R, market)
        out = {f"moments.{f}": getattr(ex_ante.moments, f) for f in rm.Moments.__slots__}
        for e in ex_ante.var:
            out[f"{e.method}/{e.scaling}/{e.confidence}"] = np.r_[e.var, e.cvar]
        out |= {f"ratios.{f}": getattr(realized.ratios, f) for f in rm.Ratios.__slots__}
        return out

    monkeypatch.setattr(_blocks, "threads", lambda: 1)
    one = figures()
    monkeypatch.setattr(_blocks, "threads", lambda: 3)
    monkeypatch.setattr(_blocks, "BLOCKS_PER_THREAD", 2)
    many = figures()
    assert one.keys() == many.keys()
    for name, value in one.items():
        assert np.array_equal(value, many[name], equal_nan=True), name


def test_the_trough_is_the_first_row_at_the_rounded_lowest_drawdown() -> None:
    """The walk tracks the lowest wealth of an episode; the trough is defined on the
    curve, W_t / peak - 1 as rounded, and near the last bit an earlier row with a wealth
    one unit higher can round to the same drawdown. Returns of a unit in the last place
    around a wealth of 1.9 under a peak of 3.5 make such rows in many series."""
    rng = np.random.default_rng(5)
    T, N = 60, 400
    R = np.zeros((T, N))
    R[0], R[1] = 2.5, 1.9 / 3.5 - 1.0
    R[2:-1] = rng.choice([-(2.0**-53), 0.0, 2.0**-52], size=(T - 3, N))
    R[-1] = 1.0  # back above the peak: every series has one recovered episode
    curve, wealth = rm.drawdown_series(R), rm.wealth_index(R)
    below = slice(2, T)  # the episode's rows of the curve
    ties = np.argmin(curve[below], axis=0) != np.argmin(wealth[below], axis=0)
    assert ties.sum() > 50  # the case this test is about does occur
    episodes = rm.drawdown_episodes(R, worst=None)
    np.testing.assert_array_equal(episodes.series, np.arange(N))
    np.testing.assert_array_equal(episodes.peak, 1)
    np.testing.assert_array_equal(episodes.recovery, T)
    np.testing.assert_array_equal(episodes.trough, 2 + np.argmin(curve[below], axis=0))
    np.testing.assert_array_equal(episodes.depth, curve[below].min(axis=0))


@pytest.mark.parametrize("outliers", [1, 4, 30])
def test_historical_tails_when_few_returns_fall_below_the_first_guess(outliers: int) -> None:
    """The tail selection first gathers the returns below mean - 1.28 sd; a few huge
    losses among small steady gains leave fewer than the 27 needed there, and the whole
    series is then sorted. Each case equals numpy's quantile and the tail mean."""
    r = np.full(504, 0.001)
    r[::7] = -0.0005
    r[np.linspace(3, 500, outliers).astype(int)] = -0.4
    for c in (0.95, 0.99):
        q = np.quantile(r, 1 - c)
        found = rm.historical_var(r, c)
        assert float(found.var) == pytest.approx(-q, rel=1e-15)
        assert float(found.cvar) == pytest.approx(-r[r <= q].mean(), rel=1e-14)
        table = {(e.method, e.scaling, e.confidence): e for e in rm.var_table(r[:, None])}
        assert table["historical", "one_day", c].var[0] == float(found.var)
        assert table["historical", "one_day", c].cvar[0] == float(found.cvar)

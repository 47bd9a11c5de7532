"""Performance: time- and money-weighted returns, period returns and benchmark metrics.

Conventions (docs/methodology.md, "Performance and benchmarks"):

- **Flow timing.** A contribution arrives at the *start* of its session (it earns that
  session's return), a withdrawal leaves at the *end* (it earned the session's return
  before leaving). With ``NAV_t`` the close after the session's flows, ``I_t`` the
  contributions and ``O_t`` the withdrawals (both positive amounts),

  .. math::

     \\mathrm{PnL}_t = \\mathrm{NAV}_t - \\mathrm{NAV}_{t-1} - I_t + O_t, \\qquad
     r_t = \\max\\left(\\frac{\\mathrm{PnL}_t}{\\mathrm{NAV}_{t-1} + I_t}, -1\\right).

- **No capital at risk.** When the base ``NAV_{t-1} + I_t`` is zero or negative (before
  inception, after a full withdrawal, a book wiped out) the daily return is undefined
  (NaN, reason ``INVALID_DENOMINATOR``) and the cumulative return is carried unchanged
  over the session. A loss larger than the base is floored at -100 %: the cumulative
  time-weighted return is never below -100 %.
- **Day counts.** Sessions for the time-weighted figures (252 a year, windows such as
  1m = 21 sessions); actual/365 calendar days for XIRR.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy.optimize import brentq

from sigmasight.analytics._typing import (
    ArrayLike,
    FloatArray,
    IntArray,
    Reason,
    ReasonArray,
    prefix_sum,
)
from sigmasight.domain.conventions import TRADING_DAYS_PER_YEAR
from sigmasight.domain.horizons import RETURN_HORIZONS

#: The flow-timing convention, as served with every performance figure.
FLOW_TIMING: Final = "contributions at the start of the session, withdrawals at the end"
#: Period names in the order they are served; trailing ones come from RETURN_HORIZONS.
PERIODS: Final = ("1D", "MTD", "QTD", "YTD", "1m", "3m", "6m", "1y", "3y", "5y", "inception")
#: Calendar periods: measured from the last close of the previous month, quarter, year.
CALENDAR_PERIODS: Final = ("MTD", "QTD", "YTD")
#: Calendar days per year of the XIRR discounting (actual/365).
XIRR_DAYS_PER_YEAR: Final = 365.0


@dataclass(frozen=True)
class TimeWeighted:
    """Daily and cumulative time-weighted returns, arrays (T, P)."""

    daily: FloatArray  # NaN where no capital was at risk
    cumulative: FloatArray  # growth since the first row, minus one; never below -1
    reason: ReasonArray  # INVALID_DENOMINATOR where ``daily`` is NaN

    @property
    def growth(self) -> FloatArray:
        """The return index ``1 + cumulative`` (1 before the first session at risk)."""
        out: FloatArray = 1.0 + self.cumulative
        return out


def time_weighted_returns(
    nav: ArrayLike,
    inflow: ArrayLike,
    outflow: ArrayLike,
    nav_before: ArrayLike = 0.0,
    min_base: float = 0.0,
) -> TimeWeighted:
    """Daily time-weighted returns net of flows and their chained cumulative return.

    Parameters
    ----------
    nav : (T, P) or (T,)
        NAV at each close, after that session's flows; NaN (not yet live) counts as 0.
    inflow, outflow : same shape
        Contributions and withdrawals of each session, as positive amounts.
    nav_before : (P,) or float
        NAV at the close before the first row.
    min_base : float
        Bases at or below this amount count as no capital at risk (the batch passes a
        cent, so that the rounding left by a full withdrawal is not a base).

    Returns
    -------
    TimeWeighted
        ``daily[t] = max((NAV_t - NAV_{t-1} - I_t + O_t) / (NAV_{t-1} + I_t), -1)`` where
        the base is positive, NaN otherwise; ``cumulative[t] = prod(1 + daily) - 1`` over
        the sessions at risk up to t.
    """
    V = np.asarray(nav, dtype=np.float64)
    one_d = V.ndim == 1
    V = V.reshape(V.shape[0], -1)
    if np.isnan(V).any():
        V = np.nan_to_num(V, nan=0.0)
    I_ = np.asarray(inflow, dtype=np.float64).reshape(V.shape)
    O_ = np.asarray(outflow, dtype=np.float64).reshape(V.shape)
    base = np.empty_like(V)  # NAV at the previous close, plus the contributions
    base[0] = np.nan_to_num(np.broadcast_to(np.asarray(nav_before, np.float64), V.shape[1:]))
    base[1:] = V[:-1]
    base += I_
    pnl = V - base
    pnl += O_
    at_risk = base > max(min_base, 0.0)
    daily = np.full_like(V, np.nan)
    np.divide(pnl, base, out=daily, where=at_risk)
    np.maximum(daily, -1.0, out=daily, where=at_risk)
    del pnl, base
    cumulative: FloatArray = np.where(at_risk, daily, 0.0)
    cumulative += 1.0
    # Chained row by row: cumprod along axis 0 of a C-ordered panel is several times
    # slower (PERFORMANCE.md).
    for t in range(1, V.shape[0]):
        np.multiply(cumulative[t - 1], cumulative[t], out=cumulative[t])
    cumulative -= 1.0
    reason = np.where(at_risk, Reason.OK, Reason.INVALID_DENOMINATOR).astype(np.uint8)
    if one_d:
        return TimeWeighted(daily[:, 0], cumulative[:, 0], reason[:, 0])
    return TimeWeighted(daily, cumulative, reason)


def annualise(total: ArrayLike, sessions: ArrayLike) -> FloatArray:
    """Compound a total return over ``sessions`` to a yearly rate:
    ``(1 + R) ** (252 / n) - 1`` (NaN for n <= 0)."""
    R = np.asarray(total, dtype=np.float64)
    n = np.asarray(sessions, dtype=np.float64)
    out = np.full(np.broadcast(R, n).shape, np.nan)
    ok = (n > 0) & np.isfinite(R) & (R >= -1.0)
    np.power(1.0 + R, TRADING_DAYS_PER_YEAR / np.where(ok, n, 1.0), out=out, where=ok)
    result: FloatArray = out - 1.0
    return result


@dataclass(frozen=True)
class PeriodReturns:
    """Return of each named period ending at each date, arrays (K, P)."""

    total: dict[str, FloatArray]  # compounded return over the period
    annualized: dict[str, FloatArray]  # periods longer than a year only; else NaN
    sessions: dict[str, IntArray]  # (K, P) sessions in the period


def _calendar_anchor(days: np.ndarray, ends: IntArray, unit: str) -> IntArray:
    """Row of the last session before the month, quarter or year of each end row (-1:
    none before the first row)."""
    months = days.astype("datetime64[M]").astype(np.int64)
    if unit == "M":
        key = months
    elif unit == "Q":
        key = months // 3
    else:
        key = months // 12
    first = np.searchsorted(key, key[ends], "left")
    out: IntArray = (first - 1).astype(np.int64)
    return out


def period_returns(
    growth: ArrayLike, sessions: np.ndarray, ends: ArrayLike, inception: ArrayLike
) -> PeriodReturns:
    """Period returns of :data:`PERIODS` ending at each row of ``ends``.

    Parameters
    ----------
    growth : (T, P)
        Return index (1 + cumulative TWR), 1 before the first session at risk.
    sessions : (T,) datetime64[D]
        The session calendar of ``growth``.
    ends : (K,)
        Rows the periods end at.
    inception : (P,)
        Row of each portfolio's first session at risk (T or more: none).

    Notes
    -----
    ``R = G[end] / G[anchor] - 1``. Trailing periods (1m ... 5y, in sessions) need the
    whole window at risk (the anchor on or after the close before inception), else NaN;
    calendar periods (MTD, QTD, YTD) starting before inception are measured from
    inception (the index is 1 before it). ``inception`` runs from the close before the
    first session at risk. Annualised: 3y, 5y and inception when longer than 252
    sessions.
    """
    G = np.asarray(growth, dtype=np.float64).reshape(len(sessions), -1)
    e = np.asarray(ends, dtype=np.int64)
    start = np.asarray(inception, dtype=np.int64) - 1  # the anchor of "inception"
    days = np.asarray(sessions).astype("datetime64[D]")
    anchors: dict[str, IntArray] = {"1D": np.broadcast_to((e - 1)[:, None], (e.size, G.shape[1]))}
    for name, unit in zip(CALENDAR_PERIODS, ("M", "Q", "Y"), strict=True):
        a = np.maximum(_calendar_anchor(days, e, unit)[:, None], start[None, :])
        anchors[name] = a
    for name, length in RETURN_HORIZONS.items():
        a = (e - length)[:, None]
        anchors[name] = np.where(a >= start[None, :], a, -2)
    anchors["inception"] = np.broadcast_to(start[None, :], (e.size, G.shape[1]))
    total: dict[str, FloatArray] = {}
    annualized: dict[str, FloatArray] = {}
    counts: dict[str, IntArray] = {}
    cols = np.arange(G.shape[1])[None, :]
    for name in PERIODS:
        a = anchors[name]
        n = e[:, None] - a
        ok = (a >= -1) & (a < e[:, None]) & (e[:, None] >= start[None, :] + 1)
        at_anchor = np.where(a >= 0, G[np.maximum(a, 0), cols], 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(ok & (at_anchor > 0), G[e] / at_anchor - 1.0, np.nan)
        total[name] = r
        counts[name] = np.where(ok, n, 0).astype(np.int64)
        long = ok & (n > TRADING_DAYS_PER_YEAR) & (name in ("3y", "5y", "inception"))
        annualized[name] = np.where(long, annualise(r, n), np.nan)
    return PeriodReturns(total, annualized, counts)


@dataclass(frozen=True)
class Xirr:
    """Money-weighted return: the yearly rate, or None with the reason."""

    rate: float | None
    reason: str | None


#: Search range of ``v = ln(1 + rate)``: rates from about -100 % to 4.8e8 (48,500,000 %).
_V_GRID = np.linspace(-20.0, 20.0, 801)


def xirr(amounts: ArrayLike, days: ArrayLike) -> Xirr:
    """The annual rate ``r`` with ``sum_i c_i (1 + r) ** (-d_i / 365) = 0``.

    Parameters
    ----------
    amounts : (n,)
        Cash flows from the investor's side: money put in is negative (the opening NAV,
        contributions), money taken out positive (withdrawals, the closing NAV).
    days : (n,) datetime64[D] or dates
        The date of each flow.

    Notes
    -----
    Solved in ``v = ln(1 + r)`` (so that ``r > -1``): the net present value is evaluated
    on a grid of 801 points from v = -20 to 20, each sign change is bracketed and solved
    with Brent's method, and the root nearest to r = 0 is returned. No sign change
    means no rate solves the equation: ``rate`` is None with the reason. The work is
    bounded (no open-ended iteration), so it never hangs.
    """
    c = np.asarray(amounts, dtype=np.float64)
    d = np.asarray(days).astype("datetime64[D]")
    keep = c != 0
    c, d = c[keep], d[keep]
    if c.size < 2 or not np.isfinite(c).all():
        return Xirr(None, "fewer than two non-zero cash flows")
    if (c > 0).all() or (c < 0).all():
        return Xirr(None, "all cash flows have the same sign: no rate equates them")
    years = (d - d.min()).astype(np.float64) / XIRR_DAYS_PER_YEAR
    if years.max() <= 0:
        return Xirr(None, "all cash flows are on one date: no period to earn a rate")

    def npv(v: float) -> float:
        return float(np.dot(c, np.exp(-v * years)))

    values = np.exp(-np.outer(_V_GRID, years)) @ c
    exact = np.flatnonzero(values == 0)
    change = np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0)
    roots = [float(_V_GRID[i]) for i in exact]
    roots += [
        float(brentq(npv, _V_GRID[i], _V_GRID[i + 1], xtol=1e-14, rtol=1e-13, maxiter=200))
        for i in change
    ]
    if not roots:
        return Xirr(None, "the net present value does not change sign for any rate above -100 %")
    v = min(roots, key=abs)
    return Xirr(float(np.expm1(v)), None)


@dataclass(frozen=True)
class BenchmarkMetrics:
    """Portfolio against benchmark over a window, arrays (P,) (floats for 1-D input)."""

    observations: IntArray
    portfolio_return: FloatArray  # compounded over the paired sessions
    benchmark_return: FloatArray
    excess_return: FloatArray  # compounded portfolio return minus the benchmark's
    tracking_error: FloatArray  # annualised std of active returns (ddof 1)
    information_ratio: FloatArray  # annualised mean active return / tracking error
    beta: FloatArray
    alpha: FloatArray  # Jensen, annualised by compounding the daily alpha
    correlation: FloatArray
    up_capture: FloatArray
    down_capture: FloatArray
    hit_rate: FloatArray  # share of sessions the portfolio beat the benchmark


def _terms(R: FloatArray, B: FloatArray, risk_free: float) -> Iterator[tuple[str, FloatArray]]:
    """The per-session terms (T, V) whose window sums give every metric (0 off ``ok``),
    one at a time (17 arrays of the panel's size are never held at once)."""
    ok = np.isfinite(R) & np.isfinite(B)
    r = np.where(ok, R - risk_free, 0.0)
    b = np.where(ok, B - risk_free, 0.0)
    yield "n", ok.astype(np.float64)
    yield "r", r
    yield "b", b
    yield "rr", r * r
    yield "bb", b * b
    yield "rb", r * b
    a = np.where(ok, R - B, 0.0)
    yield "a", a
    yield "aa", a * a
    del a, r, b
    yield "hit", (ok & (R > B)).astype(np.float64)
    lr = np.log1p(np.where(ok, np.maximum(R, -1.0 + 1e-300), 0.0))
    lb = np.log1p(np.where(ok, np.maximum(B, -1.0 + 1e-300), 0.0))
    yield "lr", lr
    yield "lb", lb
    for side, mask in (("u", ok & (B > 0)), ("d", ok & (B < 0))):
        yield f"n{side}", mask.astype(np.float64)
        yield f"lr{side}", np.where(mask, lr, 0.0)
        yield f"lb{side}", np.where(mask, lb, 0.0)


#: Columns per pass of the window sums (keeps each term and its prefix sums in cache).
_BLOCK = 1024


def windowed_benchmark_metrics(
    returns: ArrayLike,
    benchmark: ArrayLike,
    starts: ArrayLike,
    ends: ArrayLike,
    risk_free: float = 0.0,
    min_obs: int = 2,
) -> BenchmarkMetrics:
    """:func:`benchmark_metrics` over the rows ``starts .. ends`` (inclusive) of each
    column, for many windows at once, arrays (K, V).

    Parameters
    ----------
    returns, benchmark : (T, V)
        Daily portfolio and benchmark returns (one column per portfolio-benchmark pair).
    starts : (K, V) or (K, 1)
        First row of each window (clipped at 0).
    ends : (K,)
        Last row of each window.

    Notes
    -----
    Every metric is a function of window sums (observations, sums of r, b, r^2, b^2,
    rb, active return and its square, hits, and log growth overall and over the up and
    down sessions), taken from prefix sums: O(T V) for any number of windows.
    """
    R = np.asarray(returns, dtype=np.float64)
    B = np.broadcast_to(np.asarray(benchmark, dtype=np.float64), R.shape)
    e = np.asarray(ends, dtype=np.int64)
    lo = np.broadcast_to(np.maximum(np.asarray(starts, dtype=np.int64), 0), (e.size, R.shape[1]))
    cols = np.arange(R.shape[1])[None, :]
    empty = lo > e[:, None]
    # the same start for every column: whole rows of the prefix sums, not a gather
    same = np.ndim(starts) < 2 or np.shape(starts)[1] == 1
    sums: dict[str, FloatArray] = {}
    for c0 in range(0, R.shape[1], _BLOCK):
        block = slice(c0, c0 + _BLOCK)
        at = cols[:, block] - c0
        for name, term in _terms(R[:, block], B[:, block], risk_free):
            prefix = prefix_sum(term)
            before = prefix[lo[:, 0]] if same else prefix[lo[:, block], at]
            part = prefix[e + 1] - before
            sums.setdefault(name, np.zeros(lo.shape))[:, block] = np.where(
                empty[:, block], 0.0, part
            )
    return _from_sums(sums, min_obs)


def _from_sums(S: dict[str, FloatArray], min_obs: int) -> BenchmarkMetrics:
    n = S["n"]
    enough = n >= max(min_obs, 2)
    m = np.where(enough, n, 2.0)
    mr, mb, ma = S["r"] / m, S["b"] / m, S["a"] / m
    var_r = np.maximum(S["rr"] - m * mr * mr, 0.0)
    var_b = np.maximum(S["bb"] - m * mb * mb, 0.0)
    cov = S["rb"] - m * mr * mb
    var_a = np.maximum(S["aa"] - m * ma * ma, 0.0)
    nan = np.full(n.shape, np.nan)
    te = np.where(enough, np.sqrt(var_a / (m - 1.0) * TRADING_DAYS_PER_YEAR), np.nan)
    ir = np.divide(ma * TRADING_DAYS_PER_YEAR, te, out=nan.copy(), where=enough & (te > 0))
    beta = np.divide(cov, var_b, out=nan.copy(), where=enough & (var_b > 0))
    finite_beta = np.isfinite(beta)
    daily_alpha = np.where(finite_beta, mr - np.where(finite_beta, beta, 0.0) * mb, 0.0)
    alpha = np.where(finite_beta, (1.0 + daily_alpha) ** TRADING_DAYS_PER_YEAR - 1.0, np.nan)
    denominator = np.sqrt(var_r * var_b)
    corr = np.divide(cov, denominator, out=nan.copy(), where=enough & (denominator > 0))
    excess = np.expm1(S["lr"]) - np.expm1(S["lb"])
    return BenchmarkMetrics(
        observations=n.astype(np.int64),
        portfolio_return=np.where(enough, np.expm1(S["lr"]), np.nan),
        benchmark_return=np.where(enough, np.expm1(S["lb"]), np.nan),
        excess_return=np.where(enough, excess, np.nan),
        tracking_error=te,
        information_ratio=ir,
        beta=beta,
        alpha=alpha,
        correlation=corr,
        up_capture=np.where(enough, _capture(S["lru"], S["lbu"], S["nu"]), np.nan),
        down_capture=np.where(enough, _capture(S["lrd"], S["lbd"], S["nd"]), np.nan),
        hit_rate=np.where(enough, S["hit"] / m, np.nan),
    )


def _capture(log_r: FloatArray, log_b: FloatArray, count: FloatArray) -> FloatArray:
    """Annualised compound return of the portfolio over the selected sessions, over the
    benchmark's (empyrical's capture ratio)."""
    some = count > 0
    years = np.where(some, count, 1.0) / TRADING_DAYS_PER_YEAR
    portfolio = np.expm1(log_r / years)
    bench = np.expm1(log_b / years)
    out = np.full(count.shape, np.nan)
    np.divide(portfolio, bench, out=out, where=some & (bench != 0))
    return out


def benchmark_metrics(
    returns: ArrayLike, benchmark: ArrayLike, risk_free: float = 0.0, min_obs: int = 2
) -> BenchmarkMetrics:
    """Benchmark-relative metrics of each column of ``returns`` over its whole length.

    Parameters
    ----------
    returns : (T, P) or (T,)
        Daily portfolio returns; NaN rows are left out pairwise.
    benchmark : (T, P), (T, 1) or (T,)
        Daily benchmark returns on the same calendar.
    risk_free : float
        Risk-free rate per session (for beta and alpha).
    min_obs : int
        Fewer paired observations give NaN.

    Notes
    -----
    With ``a = r - b``: tracking error ``std(a, ddof=1) sqrt(252)``; information ratio
    ``mean(a) 252 / TE``; beta ``cov(r - rf, b - rf) / var(b - rf)``; alpha
    ``(1 + mean((r - rf) - beta (b - rf))) ** 252 - 1``; correlation of r and b; excess
    return the compounded return of the portfolio minus the benchmark's; up (down)
    capture the annualised compound return of the portfolio over the sessions the
    benchmark rose (fell) over the benchmark's; hit rate the share of sessions with
    ``r > b``.
    """
    R, one_d = _as_2d(returns)
    B = np.broadcast_to(_as_2d(benchmark)[0], R.shape)
    out = windowed_benchmark_metrics(R, B, np.zeros((1, 1)), [R.shape[0] - 1], risk_free, min_obs)
    pick = 0 if one_d else slice(None)
    return BenchmarkMetrics(
        *(np.asarray(getattr(out, f))[0, pick] for f in out.__dataclass_fields__)
    )


def _as_2d(a: ArrayLike) -> tuple[FloatArray, bool]:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 1:
        return arr[:, None], True
    return arr, False


def blend_returns(returns: ArrayLike, weights: ArrayLike, rebalance: np.ndarray) -> FloatArray:
    """Daily returns (T,) of a fixed-weight blend of the columns of ``returns`` (T, N).

    The weights are restored at the close before each row where ``rebalance`` (T,) is
    true (every row: daily rebalancing; the first session of each month: monthly) and
    drift with the legs' returns in between: ``r_t = w_{t-1} . x_t``,
    ``w_t = w_{t-1} (1 + x_t) / (1 + r_t)``. A session with a missing leg return gives
    NaN and leaves the weights as they were.
    """
    X = np.asarray(returns, dtype=np.float64)
    target = np.asarray(weights, dtype=np.float64)
    if bool(np.all(rebalance)):
        out: FloatArray = X @ target
        return out
    out = np.empty(X.shape[0])
    w = target.copy()
    for t in range(X.shape[0]):  # sequential by nature: the weights drift day by day
        if rebalance[t]:
            w = target.copy()
        out[t] = float(w @ X[t])
        if np.isfinite(out[t]) and out[t] > -1.0:
            w = w * (1.0 + X[t]) / (1.0 + out[t])
    return out

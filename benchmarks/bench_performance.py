"""Benchmark: the performance family for many portfolios at once against a per-portfolio
pandas/empyrical loop.

Run: ``PYTHONPATH=src python benchmarks/bench_performance.py [--portfolios 10000]
[--t 756] [--reference 200]``. Our side, for every portfolio's NAV and flows: the daily
time-weighted returns and their cumulative index, the period returns (1D ... inception)
at the last date, and the benchmark metrics (excess return, tracking error, information
ratio, beta, Jensen's alpha, correlation, up/down capture, hit rate) over the 3m, 1y and
3y windows and since inception at the last date; then the same metrics over a rolling
1-year window ending at every date (what a backfill stores).

The reference runs in the same process, one portfolio at a time, on ``--reference``
portfolios, and is **projected** (scaled linearly) to all of them: pandas for the
flow-adjusted daily returns, the cumulative index and the period returns,
empyrical-reloaded for the benchmark metrics it has (excess Sharpe, alpha/beta, capture
ratios, final cumulative return), numpy for the tracking error, correlation and hit
rate. The ratio printed is projected reference time over ours, with the largest
relative difference on the shared figures.
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

import empyrical
import numpy as np
import pandas as pd

from sigmasight.analytics import performance as pf

WINDOWS = {"3m": 63, "1y": 252, "3y": 756}


def synthetic(T: int, P: int, seed: int = 0) -> dict[str, Any]:
    """NAV (T, P) with a contribution or withdrawal on ~1 % of sessions, the market."""
    rng = np.random.default_rng(seed)
    market = rng.standard_t(4, T) * 0.01 + 0.0003
    r = market[:, None] * rng.uniform(0.2, 1.6, P) + rng.standard_t(5, (T, P)) * 0.008
    inflow = np.where(rng.random((T, P)) < 0.01, 5_000.0, 0.0)
    outflow = np.where(rng.random((T, P)) < 0.01, 3_000.0, 0.0)
    inflow[0] = 100_000.0
    nav = np.empty((T, P))
    previous = np.zeros(P)
    for t in range(T):
        nav[t] = (previous + inflow[t]) * (1.0 + r[t]) - outflow[t]
        previous = nav[t]
    days = pd.bdate_range("2020-01-01", periods=T).values.astype("datetime64[D]")
    return {"nav": nav, "inflow": inflow, "outflow": outflow, "market": market, "days": days}


def ours(data: dict[str, Any]) -> dict[str, np.ndarray]:
    T, P = data["nav"].shape
    twr = pf.time_weighted_returns(data["nav"], data["inflow"], data["outflow"])
    periods = pf.period_returns(twr.growth, data["days"], [T - 1], np.zeros(P, dtype=np.int64))
    out = {f"period/{k}": v[0] for k, v in periods.total.items()}
    windows = {**WINDOWS, "inception": T}
    starts = np.array([[T - n] for n in windows.values()])
    m = pf.windowed_benchmark_metrics(
        twr.daily, data["market"][:, None], starts, np.full(len(windows), T - 1)
    )
    for k, name in enumerate(windows):
        for field in ("excess_return", "tracking_error", "information_ratio", "beta", "alpha",
                      "correlation", "up_capture", "down_capture", "hit_rate"):  # fmt: skip
            out[f"{name}/{field}"] = getattr(m, field)[k]
    return out


def rolling_ours(data: dict[str, Any]) -> np.ndarray:
    T = data["nav"].shape[0]
    twr = pf.time_weighted_returns(data["nav"], data["inflow"], data["outflow"])
    ends = np.arange(251, T)
    m = pf.windowed_benchmark_metrics(
        twr.daily, data["market"][:, None], (ends - 251)[:, None], ends
    )
    return np.asarray(m.tracking_error)


def reference(data: dict[str, Any], j: int) -> dict[str, float]:
    nav = pd.Series(data["nav"][:, j], index=pd.DatetimeIndex(data["days"]))
    inflow = pd.Series(data["inflow"][:, j], index=nav.index)
    outflow = pd.Series(data["outflow"][:, j], index=nav.index)
    previous = nav.shift(1, fill_value=0.0)
    r = (nav - previous - inflow + outflow) / (previous + inflow)
    growth = (1 + r).cumprod()
    last = growth.iloc[-1]
    out: dict[str, float] = {}
    month_end = growth[growth.index < growth.index[-1].to_period("M").start_time]
    out["period/MTD"] = last / month_end.iloc[-1] - 1
    year_end = growth[growth.index.year < growth.index[-1].year]
    out["period/YTD"] = last / year_end.iloc[-1] - 1
    out["period/1y"] = last / growth.iloc[-253] - 1
    out["period/inception"] = last - 1
    b = pd.Series(data["market"], index=nav.index)
    for name, n in {**WINDOWS, "inception": len(r)}.items():
        x, y = r.iloc[-n:].to_numpy(), b.iloc[-n:].to_numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            alpha, beta = empyrical.alpha_beta(x, y)
            out[f"{name}/excess_return"] = empyrical.cum_returns_final(
                x
            ) - empyrical.cum_returns_final(y)
            out[f"{name}/tracking_error"] = np.std(x - y, ddof=1) * np.sqrt(252)
            out[f"{name}/information_ratio"] = empyrical.excess_sharpe(x, y) * np.sqrt(252)
            out[f"{name}/beta"], out[f"{name}/alpha"] = beta, alpha
            out[f"{name}/correlation"] = np.corrcoef(x, y)[0, 1]
            out[f"{name}/up_capture"] = empyrical.up_capture(x, y)
            out[f"{name}/down_capture"] = empyrical.down_capture(x, y)
            out[f"{name}/hit_rate"] = np.mean(x > y)
    return out


def rolling_reference(data: dict[str, Any], j: int) -> np.ndarray:
    """pandas rolling windows: tracking error, information ratio, beta, correlation,
    hit rate and excess return (six of the ten metrics; the capture ratios left out)."""
    nav = pd.Series(data["nav"][:, j])
    inflow, outflow = pd.Series(data["inflow"][:, j]), pd.Series(data["outflow"][:, j])
    previous = nav.shift(1, fill_value=0.0)
    r = (nav - previous - inflow + outflow) / (previous + inflow)
    b = pd.Series(data["market"])
    active = r - b
    roll = active.rolling(252)
    te = roll.std(ddof=1) * np.sqrt(252)
    _ = 252 * roll.mean() / te  # information ratio
    _ = r.rolling(252).cov(b) / b.rolling(252).var()  # beta
    _ = r.rolling(252).corr(b)
    _ = (r > b).astype(float).rolling(252).mean()  # hit rate
    _ = np.expm1(np.log1p(r).rolling(252).sum()) - np.expm1(np.log1p(b).rolling(252).sum())
    return np.asarray(te.to_numpy()[251:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portfolios", type=int, default=10_000)
    parser.add_argument("--t", type=int, default=756)
    parser.add_argument("--reference", type=int, default=200)
    args = parser.parse_args()
    data = synthetic(args.t, args.portfolios)
    P, K = args.portfolios, min(args.reference, args.portfolios)
    print(f"{P:,} portfolios x {args.t} sessions; reference on {K} portfolios, projected")

    start = time.perf_counter()
    got = ours(data)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    ref = [reference(data, j) for j in range(K)]
    ref_s = (time.perf_counter() - start) * P / K
    worst = max(
        abs(got[key][j] - ref[j][key]) / max(abs(ref[j][key]), 1e-12)
        for j in range(K)
        for key in ref[j]
    )
    print(f"last date, 4 windows: ours {ours_s:.3f} s, pandas/empyrical loop {ref_s:.1f} s "
          f"projected -> {ref_s / ours_s:,.0f}x (max rel. diff {worst:.1e})")  # fmt: skip

    start = time.perf_counter()
    rolled = rolling_ours(data)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    ref_rolled = [rolling_reference(data, j) for j in range(K)]
    ref_s = (time.perf_counter() - start) * P / K
    diff = max(
        float(np.max(np.abs(rolled[:, j] - ref_rolled[j]) / np.abs(ref_rolled[j])))
        for j in range(K)
    )
    print(f"rolling 1y metrics at every date ({rolled.shape[0]} dates): ours {ours_s:.3f} s "
          f"(all ten metrics), pandas rolling loop (six of them) {ref_s:.1f} s "
          f"projected -> {ref_s / ours_s:,.1f}x (TE max rel. diff {diff:.1e})")  # fmt: skip


if __name__ == "__main__":
    main()

"""Benchmark of the numeric risk core against reference implementations, in one run.

Run: ``PYTHONPATH=src python benchmarks/bench_core.py [--n 500] [--t 2520]``.
Prints times (best of several runs), ratios against references measured in the same
run, accuracy against the references, and peak memory (tracemalloc) of the full set.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from sigmasight.analytics.beta import exposure_weighted_beta, security_beta
from sigmasight.analytics.concentration import concentration
from sigmasight.analytics.exposures import Positions, exposure_matrix, portfolio_exposures
from sigmasight.analytics.regression import rolling_ols
from sigmasight.analytics.returns import portfolio_returns
from sigmasight.analytics.sectors import GICS_SECTORS, sector_exposure
from sigmasight.analytics.volatility import (
    har_forecast,
    rolling_volatility,
    volatility_percentile,
    volatility_trend,
)


def best_of(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, Any]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def synthetic(T: int, N: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One-factor returns with GARCH-like volatility clustering."""
    rng = np.random.default_rng(seed)
    vol = np.exp(np.cumsum(rng.normal(0, 0.05, T)) * 0.2) * 0.01
    market = rng.standard_normal(T) * vol
    betas = rng.uniform(0.3, 1.8, N)
    idio = rng.standard_normal((T, N)) * rng.uniform(0.005, 0.03, N)
    return market[:, None] * betas + idio, market


def bench_rolling_ols(R: np.ndarray, m: np.ndarray) -> None:
    import statsmodels.api as sm

    T, N = R.shape
    w = 90
    t_ours, res = best_of(lambda: rolling_ols(R, m, w, 30))
    t_p, _ = best_of(lambda: res.p_value(rows=-1))
    rng = np.random.default_rng(1)
    sample = [
        (int(t), int(j))
        for t, j in zip(rng.integers(w - 1, T, 200), rng.integers(0, N, 200), strict=True)
    ]
    t0 = time.perf_counter()
    err = 0.0
    for t, j in sample:
        fit = sm.OLS(R[t - w + 1 : t + 1, j], sm.add_constant(m[t - w + 1 : t + 1])).fit()
        _ = fit.bse, fit.rsquared, fit.tvalues
        err = max(
            err, abs(fit.params[1] / res.beta[t, j] - 1), abs(fit.bse[1] / res.se_beta[t, j] - 1)
        )
    per_fit = (time.perf_counter() - t0) / len(sample)
    projected = per_fit * T * N
    frame, mkt = pd.DataFrame(R), pd.Series(m)

    def pandas_beta() -> pd.DataFrame:
        return (
            frame.rolling(w, min_periods=30)
            .cov(mkt)
            .div(mkt.rolling(w, min_periods=30).var(), axis=0)
        )

    t_pd, pb = best_of(pandas_beta, repeat=3)
    pd_err = np.nanmax(np.abs(pb.to_numpy()[w:] / res.beta[w:] - 1))
    print(f"\nRolling {w}-day OLS (beta, alpha, R2, SE, t) for every date, {N} x {T}")
    print(
        f"  ours                    {t_ours * 1e3:9.1f} ms"
        f"   (+ p-values of the last row {t_p * 1e3:.2f} ms)"
    )
    print(
        f"  statsmodels OLS loop    {per_fit * 1e6:9.1f} us/fit x {T * N:,} windows"
        f" = {projected:,.0f} s projected  -> ratio {projected / t_ours:,.0f}x"
        f"   (max rel. diff {err:.1e} on {len(sample)} windows)"
    )
    print(
        f"  pandas rolling cov/var  {t_pd * 1e3:9.1f} ms (beta only)"
        f"            -> ratio {t_pd / t_ours:,.1f}x"
        f"   (max rel. diff {pd_err:.1e})"
    )


def bench_har(R: np.ndarray) -> None:
    from arch.univariate import HARX

    N = R.shape[1]
    Rp = R * 100.0
    t_ours, har = best_of(lambda: har_forecast(Rp), repeat=3)
    t0 = time.perf_counter()
    err = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for j in range(N):
            fit = HARX(Rp[:, j] ** 2, lags=[1, 5, 22], rescale=False).fit(disp="off")
            path = fit.forecast(horizon=21, reindex=False).mean.to_numpy()[0]
            err = max(
                err,
                np.max(np.abs(fit.params.to_numpy()[:4] / har.coef[:, j] - 1)),
                abs(path.sum() / har.variance[j] - 1),
            )
    t_arch = time.perf_counter() - t0
    print(f"\nHAR(1, 5, 22) fit + iterated 21-day forecast, {N} series x {R.shape[0]} days")
    print(f"  ours (batched normal equations) {t_ours * 1e3:8.1f} ms")
    print(
        f"  arch HARX loop                  {t_arch * 1e3:8.1f} ms"
        f"  -> ratio {t_arch / t_ours:,.0f}x"
        f"   (max rel. diff {err:.1e})"
    )


def make_book(
    N: int, P: int, k: int, seed: int = 2
) -> tuple[Positions, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    M = P * k
    sec = np.concatenate([rng.choice(N, k, replace=False) for _ in range(P)])
    ptype = np.where(rng.random(M) < 0.2, "SHORT", "LONG")
    pos = Positions(
        portfolio=np.repeat(np.arange(P), k),
        security=sec,
        symbol=np.array([f"S{s}" for s in sec]),
        quantity=rng.integers(10, 1000, M).astype(float),
        price=rng.uniform(10, 500, M),
        position_type=ptype,
        investment_class=np.full(M, "PUBLIC"),
        underlying_price=np.full(M, np.nan),
        delta=np.full(M, np.nan),
    )
    sectors = np.array(GICS_SECTORS)[rng.integers(0, 11, N)]
    is_etf = rng.random(N) < 0.05
    equity = np.full(P, 1.0)
    return pos, sectors, is_etf, equity


def all_core_metrics(R: np.ndarray, m: np.ndarray, book: tuple[Any, ...]) -> dict[str, Any]:
    """Every metric of issue #4 for all securities and all portfolios, history where it applies."""
    pos, sectors, is_etf, _ = book
    P, N = int(pos.portfolio.max()) + 1, R.shape[1]
    out: dict[str, Any] = {}
    roll = rolling_ols(R, m, 90, 30)
    out["rolling_beta"] = roll
    out["p_last"] = roll.p_value(rows=-1)
    sec = security_beta(R, m)
    out["vol21"] = rolling_volatility(R, 21)
    out["vol63"] = rolling_volatility(R, 63)
    out["har"] = har_forecast(R)
    out["trend"] = volatility_trend(R)
    out["pct"] = volatility_percentile(R)
    ex = portfolio_exposures(pos, np.ones(P), P)
    equity = ex.gross  # gross-normalised books so weights are comparable
    em = exposure_matrix(pos, P, N)
    out["beta_w"] = exposure_weighted_beta(em, sec.beta, sec.ols.r_squared, equity)
    W = em.matrix.multiply(1.0 / equity[:, None]).tocsr()
    port = portfolio_returns(W, R)
    out["beta_direct"] = security_beta(port, m)
    out["port_vol21"] = rolling_volatility(port, 21)
    out["port_vol63"] = rolling_volatility(port, 63)
    out["port_har"] = har_forecast(port)
    out["conc"] = concentration(
        pos.portfolio, pos.symbol, pos.quantity * pos.price * pos.direction, P
    )
    out["sectors"] = sector_exposure(
        pos.portfolio,
        sectors[pos.security],
        is_etf[pos.security],
        pos.quantity * pos.price * pos.direction,
        P,
        dict.fromkeys(GICS_SECTORS, 1 / 11),
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--t", type=int, default=2520)
    ap.add_argument("--portfolios", type=int, default=100)
    args = ap.parse_args()
    R, m = synthetic(args.t, args.n)
    bench_rolling_ols(R, m)
    bench_har(R)
    book = make_book(args.n, args.portfolios, 30)
    t_all, out = best_of(lambda: all_core_metrics(R, m, book), repeat=5)
    tracemalloc.start()
    all_core_metrics(R, m, book)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nAll core metrics, {args.n} securities x {args.t} days"
        f" + {args.portfolios} portfolios x 30 positions"
    )
    print(
        "  (rolling beta with full stats and rolling 21/63-day volatility for every date; p-values,"
    )
    print(
        "   HAR, trend, percentile, exposures, weighted and direct portfolio beta,"
        " portfolio volatility,"
    )
    print("   concentration, sectors for the last date)")
    print(
        f"  time {t_all:.3f} s (target < 1 s)   peak traced memory {peak / 2**20:.0f} MiB   "
        f"input {R.nbytes / 2**20:.0f} MiB   max RSS {max_rss_mib:.0f} MiB"
    )
    gap = np.nanmax(np.abs(out["beta_w"].beta - out["beta_direct"].beta))
    print(f"  check: |weighted - direct portfolio beta| max {gap:.1e}")


if __name__ == "__main__":
    main()

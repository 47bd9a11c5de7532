"""Benchmark of the factor kernels against a statsmodels loop, in one run.

Run: ``PYTHONPATH=src python benchmarks/bench_factors.py [--quick]``.

(a) one date: 5,000 securities x 8 factors, 252-session window, every statistic
    (loadings, SE, t, p, R², adjusted R², residual vol, VIF, condition number);
(b) rolling: 500 securities x 2,520 sessions, a 252-session fit for every date, the same
    statistics (p-values for every window too).
The reference is statsmodels ``OLS`` (+ ``variance_inflation_factor``) fit by fit, timed
on a sample of fits and projected to the full count; accuracy is checked on the sample.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from sigmasight.analytics.factors import FactorFit, fit_factors, rolling_factor_fits

WINDOW, MIN_OBS, K = 252, 126, 8


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def synthetic(T: int, N: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Correlated factor returns and securities loading on them, a few gaps."""
    rng = np.random.default_rng(seed)
    mix = np.eye(K) + 0.3 * rng.standard_normal((K, K))
    F = rng.standard_normal((T, K)) @ mix * 0.006
    B = rng.normal(0.0, 0.6, (K, N))
    B[0] += 1.0
    R = F @ B + rng.standard_normal((T, N)) * rng.uniform(0.005, 0.03, N)
    R[rng.integers(0, T, N // 50), rng.integers(0, N, N // 50)] = np.nan  # a few gaps
    return R, F


def all_stats(fit: FactorFit) -> FactorFit:
    fit.p_value()
    return fit


def reference(y: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import statsmodels.api as sm
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    ok = np.isfinite(y) & np.isfinite(f).all(axis=1)
    X = sm.add_constant(f[ok])
    res = sm.OLS(y[ok], X).fit()
    _ = res.pvalues, res.rsquared_adj, res.mse_resid, res.condition_number
    vif = np.array([variance_inflation_factor(X, k) for k in range(1, X.shape[1])])
    return res.params[1:], res.bse[1:], vif


def loop_time(pairs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, list[Any]]:
    t0 = time.perf_counter()
    out = [reference(y, f) for y, f in pairs]
    return (time.perf_counter() - t0) / len(pairs), out


def one_date(n: int, sample: int) -> None:
    R, F = synthetic(WINDOW, n, seed=1)
    t_ours, fit = best_of(lambda: all_stats(fit_factors(R, F, min_obs=MIN_OBS)))
    per_fit, refs = loop_time([(R[:, j], F) for j in range(sample)])
    err = max(
        max(np.max(np.abs(fit.loading[j] - b)), np.max(np.abs(fit.std_error[j] / s - 1)))
        for j, (b, s, _) in enumerate(refs)
    )
    vif_err = max(np.max(np.abs(fit.vif[j] / v - 1)) for j, (_, _, v) in enumerate(refs))
    projected = per_fit * n
    print(f"(a) one date, {n:,} securities x {K} factors, window {WINDOW}, all statistics")
    print(f"    ours {t_ours * 1e3:8.1f} ms   statsmodels loop {per_fit * 1e6:,.0f} µs/fit,")
    print(f"    projected {projected:,.1f} s  ->  {projected / t_ours:,.0f}x")
    print(f"    max error vs statsmodels ({sample} fits): loadings/SE {err:.1e}, VIF {vif_err:.1e}")


def rolling(n: int, T: int, sample: int) -> None:
    R, F = synthetic(T, n, seed=2)
    ends = np.arange(WINDOW - 1, T)
    t_ours, fit = best_of(
        lambda: all_stats(rolling_factor_fits(R, F, ends, WINDOW, min_obs=MIN_OBS)), repeat=2
    )
    rng = np.random.default_rng(3)
    picks = [(int(rng.integers(ends.size)), int(rng.integers(n))) for _ in range(sample)]
    pairs = [
        (R[ends[d] - WINDOW + 1 : ends[d] + 1, j], F[ends[d] - WINDOW + 1 : ends[d] + 1])
        for d, j in picks
    ]
    per_fit, refs = loop_time(pairs)
    err = max(
        max(np.max(np.abs(fit.loading[d, j] - b)), np.max(np.abs(fit.std_error[d, j] / s - 1)))
        for (d, j), (b, s, _) in zip(picks, refs, strict=True)
    )
    fits = ends.size * n
    projected = per_fit * fits
    print(f"(b) rolling, {n:,} securities x {T:,} sessions ({fits:,} fits), window {WINDOW}")
    print(f"    ours {t_ours:8.3f} s    statsmodels loop {per_fit * 1e6:,.0f} µs/fit,")
    print(f"    projected {projected:,.0f} s  ->  {projected / t_ours:,.0f}x  (aim >= 1,000x)")
    print(f"    max error vs statsmodels ({sample} fits): loadings/SE {err:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        one_date(500, 50)
        rolling(50, 600, 50)
    else:
        one_date(5_000, 300)
        rolling(500, 2_520, 300)


if __name__ == "__main__":
    main()

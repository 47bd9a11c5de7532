"""Benchmark of the correlation and risk-contribution kernels against pandas/scipy loops,
in one run.

Run: ``PYTHONPATH=src python benchmarks/bench_correlations.py [--quick]``.

(a) matrices: 500 held securities, the five horizons (21 .. 756 sessions) ending at the
    last of 800 sessions, with counts, t, p-values and Fisher intervals. Reference:
    pandas ``DataFrame.corr`` per horizon plus ``scipy.stats.pearsonr`` pair by pair
    (timed on a sample of pairs and projected to all 124,750 pairs x 5 horizons);
(b) pairs of the batch: 30 securities x 1,000 books over 500 symbols, every co-held pair's
    correlation over the six stored windows (``pair_correlations``) against pandas
    ``DataFrame.corr`` of each book's 30 columns per window, book by book (projected);
(c) contributions: Euler contributions to volatility, historical VaR and CVaR of 10,000
    books of 30 positions over 500 securities and 504 sessions, against a per-book loop
    (numpy covariance for volatility, ``np.quantile`` and a tail mean per book).
Accuracy is checked on the samples; the ratios are printed.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sigmasight.analytics.correlations import (
    CORRELATION_HORIZONS,
    horizon_matrices,
    min_observations,
    pair_correlations,
)
from sigmasight.analytics.risk_contributions import euler_contributions
from sigmasight.memory import retain_freed_memory

STORED = (21, 63, 126, 252, 20, 60)


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def synthetic(T: int, N: int, seed: int = 0) -> np.ndarray:
    """Returns on a few common factors, with a few gaps."""
    rng = np.random.default_rng(seed)
    F = rng.standard_normal((T, 5)) * 0.008
    R = F @ rng.normal(0.5, 0.4, (5, N)) + rng.standard_normal((T, N)) * 0.012
    R[rng.integers(0, T, N // 20), rng.integers(0, N, N // 20)] = np.nan
    return R


def bench_matrices(R: np.ndarray, sample: int) -> None:
    end = R.shape[0] - 1
    ours, got = best_of(lambda: horizon_matrices(R, end))
    frame = pd.DataFrame(R)
    t0 = time.perf_counter()
    corr = {
        h: frame.iloc[-w:].corr(min_periods=min_observations(w))
        for h, w in CORRELATION_HORIZONS.items()
    }
    pandas_corr = time.perf_counter() - t0
    N = R.shape[1]
    rng = np.random.default_rng(1)
    pairs = [tuple(rng.choice(N, 2, replace=False)) for _ in range(sample)]
    t0 = time.perf_counter()
    worst = 0.0
    for h, w in CORRELATION_HORIZONS.items():
        part = R[-w:]
        for i, j in pairs:
            ok = np.isfinite(part[:, i]) & np.isfinite(part[:, j])
            res = stats.pearsonr(part[ok, i], part[ok, j])
            worst = max(worst, abs(res.pvalue - got[h].p_value[i, j]))
    per_pair = (time.perf_counter() - t0) / (sample * len(CORRELATION_HORIZONS))
    reference = pandas_corr + per_pair * N * (N - 1) / 2 * len(CORRELATION_HORIZONS)
    diff = max(np.nanmax(np.abs(got[h].corr - corr[h].to_numpy())) for h in corr)
    print(
        f"(a) matrices, {N} securities x 5 horizons: ours {ours:.3f} s; pandas corr "
        f"{pandas_corr:.3f} s + pearsonr loop projected {reference - pandas_corr:.1f} s "
        f"= {reference:.1f} s -> {reference / ours:,.0f}x; max |r - pandas| {diff:.1e}, "
        f"max |p - pearsonr| {worst:.1e}"
    )


def books(P: int, N: int, positions: int, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([rng.choice(N, positions, replace=False) for _ in range(P)])


def bench_pairs(R: np.ndarray, held: np.ndarray, sample: int) -> None:
    end = R.shape[0] - 1
    together = set()
    for cols in held:
        c = np.sort(cols)
        a, b = np.triu_indices(c.size, 1)
        together.update(zip(c[a].tolist(), c[b].tolist(), strict=True))
    pairs = np.array(sorted(together))
    ours, got = best_of(lambda: pair_correlations(R, end, STORED, pairs[:, 0], pairs[:, 1]))
    lookup = {(int(a), int(b)): k for k, (a, b) in enumerate(pairs)}
    t0 = time.perf_counter()
    worst = 0.0
    for cols in held[:sample]:
        c = np.sort(cols)
        for j, w in enumerate(STORED):
            m = pd.DataFrame(R[end - w + 1 : end + 1, c]).corr(min_periods=min_observations(w))
            mm = m.to_numpy()
            for x in range(1, c.size):
                k = lookup[(int(c[0]), int(c[x]))]
                worst = max(worst, abs(np.nan_to_num(mm[0, x]) - np.nan_to_num(got.corr[k, j])))
    reference = (time.perf_counter() - t0) / sample * held.shape[0]
    print(
        f"(b) stored pairs, {held.shape[0]:,} books x {held.shape[1]} over {R.shape[1]}: "
        f"{pairs.shape[0]:,} pairs x 6 windows: ours {ours:.3f} s; pandas corr per book "
        f"projected {reference:.1f} s -> {reference / ours:,.0f}x; max |diff| {worst:.1e}"
    )


def bench_contributions(R: np.ndarray, held: np.ndarray, sample: int) -> None:
    X = np.nan_to_num(R[-504:])
    P, N = held.shape[0], R.shape[1]
    rng = np.random.default_rng(3)
    W = np.zeros((P, N))
    W[np.arange(P)[:, None], held] = rng.normal(0.03, 0.02, held.shape)
    for measure in ("volatility", "historical_var", "historical_cvar"):
        ours, got = best_of(lambda m=measure: euler_contributions(X, W, m), repeat=2)
        t0 = time.perf_counter()
        worst = 0.0
        for p in range(sample):
            cols = held[p]
            w = W[p, cols]
            Rp = X[:, cols]
            s = Rp @ w
            if measure == "volatility":
                cov = np.cov(Rp, rowvar=False)
                comp = w * (cov @ w) / np.sqrt(w @ cov @ w) * np.sqrt(252)
            else:
                q = np.quantile(s, 0.05)
                tail = s <= q
                if measure == "historical_cvar":
                    comp = -w * Rp[tail].mean(axis=0)
                else:
                    order = np.argsort(s)
                    h = (len(s) - 1) * 0.05
                    lo, f = int(h), h - int(h)
                    comp = -w * ((1 - f) * Rp[order[lo]] + f * Rp[order[lo + 1]])
            worst = max(worst, np.abs(comp - got.component[p, cols]).max())
        reference = (time.perf_counter() - t0) / sample * P
        print(
            f"(c) {measure} contributions, {P:,} books x {held.shape[1]} over {N}: ours "
            f"{ours:.3f} s; per-book numpy loop projected {reference:.2f} s -> "
            f"{reference / ours:,.1f}x; max |diff| {worst:.1e}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller samples")
    args = parser.parse_args()
    # As in the batch process (sigmasight.memory), for both sides.
    kept = retain_freed_memory()
    print(f"freed memory kept for reuse (glibc mallopt, as the batch does): {kept}")
    sample = 50 if args.quick else 300
    R = synthetic(800, 500)
    bench_matrices(R, sample)
    bench_pairs(R, books(1_000, 500, 30), 20 if args.quick else 100)
    bench_contributions(R, books(10_000, 500, 30), 200 if args.quick else 1_000)


if __name__ == "__main__":
    main()

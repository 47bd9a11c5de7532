"""Benchmark: every asset-metrics indicator for N securities x T sessions, vectorised,
against a TA-Lib loop over the securities (TA-Lib's C functions, one call per
indicator and security), in the same run.

Run: ``PYTHONPATH=src python benchmarks/bench_asset_metrics.py [--n 5000] [--t 2520]``.
Prints both times, their ratio (ours / TA-Lib: below 1 is faster) and the largest
relative difference between the two on the settled values.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sigmasight.analytics.indicators import WARM_UP, indicators_at
from sigmasight.memory import retain_freed_memory


def synthetic_bars(T: int, N: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Random-walk closes with highs, lows and volumes around them, (T, N) each."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0002, 0.015, (T, N)), axis=0))
    spread = np.abs(rng.normal(0.0, 0.01, (T, N)))
    return {
        "close": close,
        "high": close * (1.0 + spread),
        "low": close * (1.0 - spread),
        "volume": rng.integers(100_000, 5_000_000, (T, N)).astype(np.float64),
    }


def talib_loop(bars: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same indicators with TA-Lib, security by security (the reference loop).

    Like for like: the loop keeps every indicator ours returns (22 panels of (T, N),
    column-major so that each security's column is one contiguous write), the derived
    ones (%B, bandwidth, distances to the 52-week extremes) computed from TA-Lib's
    outputs with numpy. Writing the panels is part of both sides' cost: on this machine
    the first touch of fresh memory costs as much as some indicators.
    """
    import talib

    c, h, lo, v = (np.asfortranarray(bars[k]) for k in ("close", "high", "low", "volume"))
    T, N = c.shape
    out = {name: np.empty((T, N), order="F") for name in WARM_UP}
    for j in range(N):
        cj, hj, lj, vj = c[:, j], h[:, j], lo[:, j], v[:, j]
        for n in (20, 50, 200):
            out[f"sma_{n}"][:, j] = talib.SMA(cj, n)
        for n in (12, 26):
            out[f"ema_{n}"][:, j] = talib.EMA(cj, n)
        out["rsi_14"][:, j] = talib.RSI(cj, 14)
        line, signal, hist = talib.MACD(cj, 12, 26, 9)
        out["macd"][:, j], out["macd_signal"][:, j], out["macd_hist"][:, j] = line, signal, hist
        upper, middle, lower = talib.BBANDS(cj, 20, 2.0, 2.0, 0)
        out["bb_upper"][:, j], out["bb_middle"][:, j], out["bb_lower"][:, j] = upper, middle, lower
        out["bb_percent_b"][:, j] = (cj - lower) / (upper - lower)
        out["bb_bandwidth"][:, j] = (upper - lower) / middle
        out["atr_14"][:, j] = talib.ATR(hj, lj, cj, 14)
        out["stoch_k"][:, j], out["stoch_d"][:, j] = talib.STOCHF(hj, lj, cj, 14, 3, 0)
        obv = talib.OBV(cj, vj)
        trailing = out["obv"][:, j]
        trailing[:252] = np.nan
        trailing[252:] = obv[252:] - obv[:-252]
        top, bottom = talib.MAX(cj, 252), talib.MIN(cj, 252)
        out["high_52w"][:, j], out["low_52w"][:, j] = top, bottom
        out["dist_high_52w"][:, j] = cj / top - 1.0
        out["dist_low_52w"][:, j] = cj / bottom - 1.0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5000, help="securities")
    parser.add_argument("--t", type=int, default=2520, help="sessions")
    args = parser.parse_args()
    # As in the batch process that runs these kernels (sigmasight.memory), for both sides.
    kept = retain_freed_memory()
    print(f"freed memory kept for reuse (glibc mallopt, as the batch does): {kept}")
    bars = synthetic_bars(args.t, args.n)
    rows = np.arange(args.t)
    began = time.perf_counter()
    ours = indicators_at(bars["close"], bars["high"], bars["low"], bars["volume"], rows)
    mine = time.perf_counter() - began
    began = time.perf_counter()
    reference = talib_loop(bars)
    theirs = time.perf_counter() - began
    worst = 0.0
    for name, expected in reference.items():
        settled = slice(WARM_UP[name] - 1, None)
        got, want = ours.values[name][settled], expected[settled]
        scale = np.maximum(1.0, np.abs(want))
        worst = max(worst, float(np.nanmax(np.abs(got - want) / scale)))
    print(f"asset indicators, {args.n:,} securities x {args.t:,} sessions")
    print(f"  vectorised (all indicators, reasons, warm-up): {mine:8.2f} s")
    print(f"  TA-Lib loop over securities:                   {theirs:8.2f} s")
    print(f"  ratio ours / TA-Lib: {mine / theirs:.2f}x")
    print(f"  largest relative difference on settled values: {worst:.1e}")


if __name__ == "__main__":
    main()

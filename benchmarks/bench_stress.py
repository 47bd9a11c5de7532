"""Benchmark: every library stress scenario for 10,000 portfolios on one date against a
per-position loop in the same run (issue #22).

Run: ``PYTHONPATH=src python benchmarks/bench_stress.py [--portfolios 10000]
[--positions 30] [--symbols 5000] [--reference 500]``.

Our side (``analytics.stress``), from synthetic inputs of one run date: the four
historical replays (each security's own episode return, else beta x the market's), the
seven hypothetical shocks propagated through a 504-session factor covariance and applied
through every security's factor loadings, then the P&L of every position and portfolio
under all eleven scenarios at once, options (5 % of positions) fully repriced with the
delta-gamma approximation beside.

The reference walks position by position, scenario by scenario, in plain Python with
``math`` (the shape of the original system's engine, without its database round trips):
the security's scenario return (own episode return or beta x market; loadings . factor
moves), value x return for a stock, a scalar Black-Scholes reprice for an option, summed
into its portfolio. It runs on ``--reference`` portfolios and is projected to all; the
largest difference on those portfolios is printed beside the ratio.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from sigmasight.analytics import stress as st
from sigmasight.domain.stress import SCENARIOS, ScenarioKind

FACTORS = ("market", "momentum", "quality", "size", "low_volatility", "value", "rates")


def synthetic(S: int, P: int, M: int, seed: int = 0) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    E = sum(s.kind is ScenarioKind.HISTORICAL for s in SCENARIOS)
    F = len(FACTORS)
    mix = rng.normal(0, 1, (F, F)) * 0.3 + np.eye(F)
    factor_returns = rng.normal(0, 0.01, (505, F)) @ mix
    closes = rng.uniform(20, 200, (2 * E, S))
    closes[E:] *= rng.uniform(0.4, 1.3, (E, S))
    closes[: E // 2, rng.random(S) < 0.3] = np.nan  # no history in the early episodes
    loadings = np.column_stack([rng.uniform(0.3, 1.8, S), rng.normal(0, 0.3, (S, F - 1))])
    portfolio = np.repeat(np.arange(P), M)
    n = P * M
    option = rng.random(n) < 0.05
    column = rng.integers(0, S, n)
    spot = rng.uniform(20, 200, n)
    book = st.Book(
        portfolio=portfolio,
        column=column,
        value=rng.normal(0, 2e4, n),
        is_option=option,
        units=np.round(rng.normal(0, 5, n)) * 100,
        spot=np.where(option, spot, np.nan),
        strike=np.where(option, spot * rng.uniform(0.7, 1.3, n), np.nan),
        years=np.where(option, rng.uniform(0.02, 2, n), np.nan),
        volatility=np.where(option, rng.uniform(0.15, 0.8, n), np.nan),
        is_call=rng.random(n) < 0.5,
        rate=np.full(n, 0.04),
        dividend_yield=np.full(n, 0.01),
    )
    return {
        "E": E,
        "factor_returns": factor_returns,
        "closes": closes,
        "loadings": loadings,
        "beta": loadings[:, 0],
        "book": book,
        "P": P,
    }


def ours(d: dict[str, object]) -> st.StressResult:
    E, closes, beta = int(d["E"]), d["closes"], d["beta"]  # type: ignore[call-overload]
    own = st.episode_returns(closes, np.arange(E), E + np.arange(E))  # type: ignore[arg-type]
    market = np.nanmedian(own, axis=1)  # a stand-in for the index's episode return
    R_hist, m_hist = st.replay_or_proxy(own, market[:, None] * beta[None, :])  # type: ignore[index]
    F = d["factor_returns"]
    cov, _ = st.factor_covariance(F, F.shape[0] - 1, 504, 126)  # type: ignore[union-attr, arg-type]
    hypo = tuple(s for s in SCENARIOS if s.kind is ScenarioKind.HYPOTHETICAL)
    shocks = st.hypothetical_shocks(hypo, FACTORS)
    moves = st.propagate_shocks(cov, shocks.factor)
    dy = st.implied_rate_change(moves, shocks.rate_change, FACTORS)
    S = beta.size  # type: ignore[union-attr]
    R_hypo = st.security_moves(d["loadings"], moves, np.full(S, np.nan), dy)  # type: ignore[arg-type]
    R = np.vstack([R_hist, R_hypo])
    method = np.vstack([m_hist, np.full(R_hypo.shape, st.Method.PROXY, dtype=np.int64)])
    vol = np.concatenate([np.zeros(E), shocks.vol_points])
    rate = np.concatenate([np.zeros(E), dy])
    d["R"], d["vol"], d["rate"] = R, vol, rate
    return st.stress_books(d["book"], R, method, vol, rate, int(d["P"]))  # type: ignore[arg-type]


def _ncdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _bs(s: float, k: float, t: float, v: float, call: bool, r: float, q: float) -> float:
    sq = v * math.sqrt(t)
    d1 = (math.log(s / k) + (r - q + 0.5 * v * v) * t) / sq
    d2 = d1 - sq
    if call:
        return s * math.exp(-q * t) * _ncdf(d1) - k * math.exp(-r * t) * _ncdf(d2)
    return k * math.exp(-r * t) * _ncdf(-d2) - s * math.exp(-q * t) * _ncdf(-d1)


def reference(d: dict[str, object], portfolios: int) -> np.ndarray:
    """Position by position, scenario by scenario (security returns from ``d["R"]``
    recomputed per position from closes / loadings, as a per-position engine would)."""
    E, closes, beta, loadings = d["E"], d["closes"], d["beta"], d["loadings"]
    R, vol, rate = d["R"], d["vol"], d["rate"]
    book: st.Book = d["book"]  # type: ignore[assignment]
    K = R.shape[0]  # type: ignore[union-attr]
    hist_market = [
        float(x)
        for x in np.nanmedian(
            st.episode_returns(closes, np.arange(E), E + np.arange(E)),
            axis=1,  # type: ignore[arg-type]
        )
    ]
    cov, _ = st.factor_covariance(d["factor_returns"], 504, 504, 126)  # type: ignore[arg-type]
    hypo = tuple(s for s in SCENARIOS if s.kind is ScenarioKind.HYPOTHETICAL)
    moves = st.propagate_shocks(cov, st.hypothetical_shocks(hypo, FACTORS).factor).tolist()
    out = np.zeros((K, portfolios))
    stop = int(np.searchsorted(book.portfolio, portfolios))
    L = loadings.tolist()  # type: ignore[union-attr]
    for i in range(stop):
        p, c = int(book.portfolio[i]), int(book.column[i])
        for k in range(K):
            if k < E:  # type: ignore[operator]
                a, b = closes[k, c], closes[E + k, c]  # type: ignore[index, operator]
                r = b / a - 1 if math.isfinite(a) and math.isfinite(b) else beta[c] * hist_market[k]  # type: ignore[index]
            else:
                r = sum(x * y for x, y in zip(L[c], moves[k - E], strict=True))  # type: ignore[operator]
            if book.is_option[i]:
                s0, args = float(book.spot[i]), (float(book.strike[i]), float(book.years[i]))
                v0, call = float(book.volatility[i]), bool(book.is_call[i])
                r0, q = float(book.rate[i]), float(book.dividend_yield[i])
                old = _bs(s0, *args, v0, call, r0, q)
                new = _bs(s0 * (1 + r), *args, v0 + vol[k] / 100, call, r0 + rate[k], q)  # type: ignore[index]
                out[k, p] += book.units[i] * (new - old)
            else:
                out[k, p] += book.value[i] * r
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--portfolios", type=int, default=10_000)
    parser.add_argument("--positions", type=int, default=30)
    parser.add_argument("--symbols", type=int, default=5_000)
    parser.add_argument("--reference", type=int, default=500)
    args = parser.parse_args()
    d = synthetic(args.symbols, args.portfolios, args.positions)
    ours(d)  # warm-up
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        res = ours(d)
        times.append(time.perf_counter() - t0)
    best = min(times)
    t0 = time.perf_counter()
    ref = reference(d, args.reference)
    ref_time = time.perf_counter() - t0
    projected = ref_time * args.portfolios / args.reference
    diff = np.max(np.abs(res.portfolio_pnl[:, : args.reference] - ref) / (1 + np.abs(ref)))
    K = res.portfolio_pnl.shape[0]
    print(
        f"stress: {K} scenarios x {args.portfolios:,} portfolios x {args.positions} positions "
        f"over {args.symbols:,} symbols on one date"
    )
    print(f"  ours (analytics.stress, vectorised): {best:.3f} s (best of 5)")
    print(
        f"  per-position loop: {ref_time:.2f} s for {args.reference} portfolios, "
        f"{projected:.1f} s projected to {args.portfolios:,}"
    )
    print(f"  ratio: {projected / best:,.0f}x; largest relative difference {diff:.1e}")


if __name__ == "__main__":
    main()

"""Benchmark: every risk metric for many portfolios at once against an empyrical loop.

Run: ``PYTHONPATH=src python benchmarks/bench_risk_metrics.py [--portfolios 10000]
[--t 504] [--reference 300]``. Our side computes, for every portfolio's return series:
VaR/CVaR three ways at 95/99 % over 1 day, sqrt(21) and overlapping 21 sessions, the
moments, Sharpe, Sortino, Calmar, Omega, Treynor (with beta), the five worst drawdown
episodes and the risk level. The reference computes only the subset empyrical-reloaded
offers (historical VaR/CVaR at two levels, Sharpe, Sortino, Calmar, Omega, max
drawdown, beta), one portfolio at a time, on ``--reference`` portfolios, projected to
all of them. Both run in the same process; the ratio is printed with the accuracy.
"""

from __future__ import annotations

import argparse
import time
import warnings

import empyrical
import numpy as np

from sigmasight.analytics import risk_metrics as rm


def synthetic(T: int, P: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    market = rng.standard_t(4, T) * 0.01
    betas = rng.uniform(0.2, 1.6, P)
    idio = rng.standard_t(5, (T, P)) * rng.uniform(0.002, 0.02, P)
    return market[:, None] * betas + idio + 0.0003, market


def ours(returns: np.ndarray, market: np.ndarray) -> dict[str, np.ndarray]:
    table = rm.var_table(returns, rm.EX_ANTE_MIN_OBS)
    m = rm.moments(returns)
    r = rm.ratios(returns, market)
    episodes = rm.drawdown_episodes(returns, 5)
    var99 = next(e.var for e in table if e.confidence == 0.99 and e.scaling == "one_day")
    level = rm.risk_level(m.std * np.sqrt(252), var99)
    return {
        "var95": table[0].var,
        "cvar95": table[0].cvar,
        "sharpe": r.sharpe,
        "sortino": r.sortino,
        "calmar": r.calmar,
        "omega": r.omega,
        "mdd": r.max_drawdown,
        "beta": r.beta,
        "episodes": episodes.depth,
        "level": level,
    }


def reference(returns: np.ndarray, market: np.ndarray) -> dict[str, np.ndarray]:
    out: dict[str, list[float]] = {k: [] for k in ("var95", "cvar95", "sharpe", "sortino")}
    out.update({k: [] for k in ("calmar", "omega", "mdd", "beta", "var99", "cvar99")})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for j in range(returns.shape[1]):
            r = returns[:, j]
            out["var95"].append(-empyrical.value_at_risk(r, 0.05))
            out["cvar95"].append(-empyrical.conditional_value_at_risk(r, 0.05))
            out["var99"].append(-empyrical.value_at_risk(r, 0.01))
            out["cvar99"].append(-empyrical.conditional_value_at_risk(r, 0.01))
            out["sharpe"].append(empyrical.sharpe_ratio(r))
            out["sortino"].append(empyrical.sortino_ratio(r))
            out["calmar"].append(empyrical.calmar_ratio(r))
            out["omega"].append(empyrical.omega_ratio(r))
            out["mdd"].append(empyrical.max_drawdown(r))
            out["beta"].append(empyrical.beta(r, market))
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--portfolios", type=int, default=10_000)
    parser.add_argument("--t", type=int, default=504)
    parser.add_argument("--reference", type=int, default=300)
    args = parser.parse_args()
    returns, market = synthetic(args.t, args.portfolios)
    ours(returns[:, :10], market)  # warm-up
    best = np.inf
    for _ in range(3):
        began = time.perf_counter()
        mine = ours(returns, market)
        best = min(best, time.perf_counter() - began)
    k = min(args.reference, args.portfolios)
    began = time.perf_counter()
    ref = reference(returns[:, :k], market)
    ref_time = (time.perf_counter() - began) * args.portfolios / k
    worst = max(
        float(np.max(np.abs(mine[name][:k] - ref[name]) / np.maximum(np.abs(ref[name]), 1e-12)))
        for name in ("var95", "cvar95", "sharpe", "sortino", "calmar", "omega", "mdd", "beta")
    )
    print(f"portfolios {args.portfolios:,} x {args.t} sessions")
    print(f"ours (all risk metrics, all portfolios at once): {best:.3f} s")
    print(
        f"empyrical loop (its subset; {k} portfolios, projected): {ref_time:.1f} s  "
        f"-> ratio {ref_time / best:,.0f}x"
    )
    print(f"largest relative difference on the shared metrics: {worst:.1e}")


if __name__ == "__main__":
    main()

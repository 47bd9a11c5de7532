"""Benchmark: rebalancing proposals for many portfolios of 30 positions.

Run: ``PYTHONPATH=src python benchmarks/bench_rebalancing.py [--portfolios 1000]
[--optimised 1000] [--reference 20] [--t 504]``.

Each synthetic book holds 30 of 500 stocks (long only, 5 % cash, lots of 1 share), with six
targets of five holdings each (bands of ±2 points) and a 30 % turnover limit. Timed:

- **back_to_target** (:func:`sigmasight.analytics.rebalancing.propose`) for every book;
- **min_tracking_error** (:func:`~sigmasight.analytics.rebalancing_optimisers.propose_optimised`,
  cvxpy with Clarabel) for ``--optimised`` books, projected to all;
- the **first** optimiser request of a problem shape (cvxpy compiles it; the import of
  cvxpy is timed on its own line) against **repeated** requests of the same shape (the
  compiled problem is reused with new parameter values), with the largest difference
  between a repeated and a fresh-compile solve of the same book (0 expected);
- a **reference** in the same run: skfolio's ``MeanRisk`` with ``target_weights`` on the
  same continuous problem, for ``--reference`` books (projected), with the largest weight
  difference to ours.

Each line prints the total and the cost per portfolio.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from sigmasight.analytics import rebalancing as rb
from sigmasight.analytics import rebalancing_optimisers as ro

N, GROUPS = 30, 6


@dataclass(frozen=True)
class Case:
    book: rb.Book
    targets: rb.Targets
    returns: np.ndarray


def cases(P: int, T: int, universe: int = 500, seed: int = 0) -> list[Case]:
    rng = np.random.default_rng(seed)
    market = rng.standard_t(4, T) * 0.01
    betas = rng.uniform(0.5, 1.5, universe)
    all_returns = market[:, None] * betas + rng.standard_t(5, (T, universe)) * 0.012
    prices = rng.uniform(10, 400, universe)
    out = []
    weight = np.full(GROUPS, 0.95 / GROUPS)
    group = np.repeat(np.arange(GROUPS), N // GROUPS)
    for _ in range(P):
        held = rng.choice(universe, N, replace=False)
        value = rng.uniform(0.5, 1.5, N) * 30_000
        quantity = np.round(value / prices[held])
        nav = float(quantity @ prices[held]) / 0.95
        book = rb.Book(
            quantity=quantity,
            price=prices[held],
            exposure_per_unit=prices[held],
            value_per_unit=prices[held],
            tradable=np.ones(N, bool),
            lot_size=np.ones(N),
            cash=0.05 * nav,
        )
        targets = rb.Targets(weight, weight - 0.02, weight + 0.02, group)
        out.append(Case(book, targets, all_returns[:, held]))
    return out


CONSTRAINTS = rb.Constraints(max_turnover=0.3)


def timed(label: str, count: int, projected: int, run: object) -> float:
    start = time.perf_counter()
    run()  # type: ignore[operator]
    seconds = time.perf_counter() - start
    per = seconds / max(count, 1)
    print(
        f"{label:<34} {count:>5} books {seconds:8.3f} s  {per * 1e3:8.3f} ms/book"
        f"  (projected to {projected}: {per * projected:7.2f} s)"
    )
    return per


def skfolio_weights(case: Case) -> np.ndarray:
    import pandas as pd
    from skfolio.measures import RiskMeasure
    from skfolio.optimization import MeanRisk

    problem, _ = ro.problem_of(case.book, case.targets, CONSTRAINTS, case.returns)
    names = [f"s{i}" for i in range(N)]
    groups = {s: [f"g{g}"] for s, g in zip(names, case.targets.group, strict=True)}
    linear = [f"g{k} >= {problem.lower[k]:.12f}" for k in range(GROUPS)]
    linear += [f"g{k} <= {problem.upper[k]:.12f}" for k in range(GROUPS)]
    w0 = problem.w0
    import cvxpy as cp

    model = MeanRisk(
        risk_measure=RiskMeasure.VARIANCE,
        min_weights=0.0,
        max_weights=None,
        budget=None,
        max_budget=float(w0.sum() + problem.cash_room),
        groups=groups,
        linear_constraints=linear,
        target_weights=problem.benchmark,
        add_constraints=lambda w: [cp.norm1(w - w0) <= problem.max_turnover],
        solver_params=ro.SOLVER_TOLERANCES,
    )
    model.fit(pd.DataFrame(case.returns, columns=names))
    return np.asarray(model.weights_)


def first_and_repeated(books: list[Case], repeats: int = 20) -> None:
    """Time the first request of a shape (compiles) and repeated ones (cached)."""
    start = time.perf_counter()
    import cvxpy  # noqa: F401  (once per process: timed on its own)

    print(f"{'import cvxpy':<34} {time.perf_counter() - start:8.3f} s (once per process)")

    def one(case: Case) -> float:
        begin = time.perf_counter()
        ro.propose_optimised(
            case.book, case.targets, CONSTRAINTS, case.returns, "min_tracking_error"
        )
        return time.perf_counter() - begin

    ro._template.cache_clear()
    first = one(books[0])
    repeated = [one(c) for c in books[1 : repeats + 1]]
    problem, _ = ro.problem_of(books[0].book, books[0].targets, CONSTRAINTS, books[0].returns)
    cached = ro.solve(problem, "min_tracking_error")
    ro._template.cache_clear()
    fresh = ro.solve(problem, "min_tracking_error")
    assert cached is not None
    assert fresh is not None
    print(
        f"{'first request of a shape':<34} {first * 1e3:8.1f} ms (compiles)\n"
        f"{'repeated, same shape':<34} {np.median(repeated) * 1e3:8.2f} ms median of "
        f"{len(repeated)}  ({first / np.median(repeated):.0f}x faster)\n"
        f"  cached vs fresh-compile weights: max |diff| {np.max(np.abs(cached - fresh)):.1e}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--portfolios", type=int, default=1000)
    parser.add_argument("--optimised", type=int, default=1000)
    parser.add_argument("--reference", type=int, default=20)
    parser.add_argument("--t", type=int, default=504)
    args = parser.parse_args()
    books = cases(args.portfolios, args.t)
    P = len(books)
    print(f"{P} portfolios x {N} positions, {GROUPS} targets each, {args.t} sessions")
    simple: list[rb.Proposal] = []
    timed(
        "back_to_target",
        P,
        P,
        lambda: simple.extend(rb.propose(c.book, c.targets, CONSTRAINTS) for c in books),
    )
    print(f"  feasible: {sum(p.feasible for p in simple)}/{P}")
    first_and_repeated(books)
    subset = books[: args.optimised]
    optimised: list[rb.Proposal] = []
    ours = timed(
        "min_tracking_error (cvxpy)",
        len(subset),
        P,
        lambda: optimised.extend(
            ro.propose_optimised(c.book, c.targets, CONSTRAINTS, c.returns, "min_tracking_error")
            for c in subset
        ),
    )
    print(f"  feasible: {sum(p.feasible for p in optimised)}/{len(subset)}")
    reference = books[: args.reference]
    found: list[np.ndarray] = []
    theirs = timed(
        "reference: skfolio MeanRisk",
        len(reference),
        P,
        lambda: found.extend(skfolio_weights(c) for c in reference),
    )
    gaps = []
    for case, weights in zip(reference, found, strict=True):
        problem, _ = ro.problem_of(case.book, case.targets, CONSTRAINTS, case.returns)
        mine = ro.solve(problem, "min_tracking_error")
        assert mine is not None
        gaps.append(float(np.max(np.abs(mine - weights))))
    print(f"  continuous weights, ours vs skfolio: max |diff| {max(gaps):.2e}")
    print(f"  ratio reference / ours (per book, optimiser): {theirs / ours:.2f}x")


if __name__ == "__main__":
    main()

"""Optimiser-backed rebalancing proposals (cvxpy), within the constraints of
:mod:`sigmasight.analytics.rebalancing`.

The continuous problem is posed on the tradable instruments' weights ``w`` (fractions of
today's NAV; for stocks and ETFs exposure and market value per unit are the price, so a
weight is both), with ``w0`` today's weights, ``d = w - w0``, ``F_k`` a target's
untradable exposure over NAV, ``A`` the target membership matrix, ``c`` the cost rate:

.. math::

    \\min_w\\ f(w) \\quad\\text{s.t.}\\quad
    l_k + m_k \\le (A w)_k + F_k \\le u_k - m_k,\\;
    w_i \\ge \\min(w_{0,i}, 0)\\ (\\text{no new shorts}),\\;
    \\lVert d \\rVert_1 \\le \\tau,\\;
    \\mathbf{1}^\\top d + c \\lVert d \\rVert_1 \\le (\\text{cash} - \\text{floor}) / \\text{NAV}

with ``m_k`` a quarter of the band's half-width kept as margin for rounding and costs.
Objectives: ``min_tracking_error`` ``(w - b)ᵀ Σ (w - b)`` to the instrument-level targets
``b`` (each target's weight spread over its holdings in proportion, as the back-to-target
proposal does), ``min_variance`` ``wᵀ Σ w``. Σ is the sample covariance (ddof 1) of
the given daily returns; the quadratic form is written as a sum of squares of the
centred returns so a singular Σ poses no problem. The solution is then turned into
whole lots and passed through the same constraint steps and checks as the
back-to-target proposal (:func:`~sigmasight.analytics.rebalancing.apply_constraints`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sigmasight.analytics._typing import FloatArray
from sigmasight.analytics.rebalancing import (
    Book,
    Constraints,
    Proposal,
    Reason,
    Targets,
    _desired_trade,
    apply_constraints,
    evaluate,
)

VARIANTS = ("min_tracking_error", "min_variance")
#: Share of a band's half-width kept free for rounding to lots and costs.
BAND_MARGIN = 0.25
#: Tighter than Clarabel's defaults (1e-8): nearly collinear stocks leave a flat valley.
SOLVER_TOLERANCES = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
INFEASIBLE = "INFEASIBLE_CONSTRAINTS"


@dataclass(frozen=True)
class Problem:
    """The continuous problem on the tradable instruments (n,)."""

    returns: FloatArray  # (T, n) daily simple returns
    w0: FloatArray  # (n,)
    benchmark: FloatArray  # (n,) instrument-level targets b
    membership: FloatArray  # (K, n)
    lower: FloatArray  # (K,) bounds on A w (fixed exposure and margin taken off)
    upper: FloatArray  # (K,)
    floor: FloatArray  # (n,) lowest weight allowed
    max_turnover: float
    cash_room: float  # (cash - floor) / NAV
    cost_rate: float


def problem_of(
    book: Book, targets: Targets, constraints: Constraints, returns: FloatArray
) -> tuple[Problem, np.ndarray]:
    """The continuous problem of a book, and the indices of its tradable instruments."""
    nav = book.nav
    live = np.flatnonzero(book.tradable)
    w0 = book.quantity * book.price / nav
    everything = np.ones(targets.weight.size, bool)
    b = (book.quantity + _desired_trade(book, targets, nav, everything)) * book.price / nav
    g = targets.group
    K = targets.weight.size
    membership = np.zeros((K, live.size))
    inside = g[live] >= 0
    membership[g[live][inside], np.flatnonzero(inside)] = 1.0
    fixed_ = (g >= 0) & ~book.tradable
    fixed = np.bincount(g[fixed_], book.quantity[fixed_] * book.exposure_per_unit[fixed_], K)
    margin = BAND_MARGIN * (targets.upper - targets.lower) / 2
    floor = np.full(live.size, -np.inf)
    if not constraints.allow_short:
        floor = np.minimum(w0[live], 0.0)
    cash_floor = min(constraints.min_cash, book.cash)
    problem = Problem(
        returns=returns[:, live],
        w0=w0[live],
        benchmark=b[live],
        membership=membership,
        lower=targets.lower + margin - fixed / nav,
        upper=targets.upper - margin - fixed / nav,
        floor=floor,
        max_turnover=constraints.max_turnover,
        cash_room=(book.cash - cash_floor) / nav,
        cost_rate=constraints.cost_rate,
    )
    return problem, live


def solve(problem: Problem, variant: str) -> FloatArray | None:
    """The optimal weights (n,), or None when the problem is infeasible or unsolved."""
    import cvxpy  # lazily: importing it costs about a second

    cp: Any = cvxpy  # the package ships no complete type information
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    n = problem.w0.size
    R = problem.returns - problem.returns.mean(axis=0)
    # Annualised and in percent: daily variances (~1e-4) would sit below the solver's
    # absolute tolerances. The scale does not change the minimiser.
    scale = 100.0 * np.sqrt(252.0 / max(R.shape[0] - 1, 1))
    w = cp.Variable(n)
    d = w - problem.w0
    anchor = problem.benchmark if variant == "min_tracking_error" else np.zeros(n)
    objective = cp.Minimize(cp.sum_squares(scale * R @ (w - anchor)))
    rules = [
        problem.membership @ w >= problem.lower,
        problem.membership @ w <= problem.upper,
        cp.sum(d) + problem.cost_rate * cp.norm1(d) <= problem.cash_room,
    ]
    finite = np.isfinite(problem.floor)
    if finite.any():
        rules.append(w[np.flatnonzero(finite)] >= problem.floor[finite])
    if np.isfinite(problem.max_turnover):
        rules.append(cp.norm1(d) <= problem.max_turnover)
    cvx = cp.Problem(objective, rules)
    try:
        cvx.solve(solver=cp.CLARABEL, **SOLVER_TOLERANCES)
    except cp.SolverError:
        return None
    if cvx.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or w.value is None:
        return None
    return np.asarray(w.value, dtype=np.float64)


def propose_optimised(
    book: Book,
    targets: Targets,
    constraints: Constraints,
    returns: FloatArray,
    variant: str,
) -> Proposal:
    """The ``variant``'s proposal: the optimal weights turned into whole lots, then the
    same constraint steps and checks as the back-to-target proposal."""
    nav = book.nav
    zero = np.zeros_like(book.quantity)
    if nav <= 0:
        return evaluate(book, targets, zero, constraints)
    problem, live = problem_of(book, targets, constraints, returns)
    weights = solve(problem, variant)
    if weights is None:
        failed = evaluate(book, targets, zero, constraints)
        reason = Reason(
            INFEASIBLE,
            -1,
            f"{variant}: no weights satisfy every band together with the cash, turnover "
            "and short constraints",
        )
        return Proposal(**{**vars(failed), "feasible": False, "reasons": (reason,)})
    trade = zero.copy()
    trade[live] = (weights - problem.w0) * nav / book.price[live]
    trade, bound = apply_constraints(book, trade, constraints)
    return evaluate(book, targets, trade, constraints, bound)

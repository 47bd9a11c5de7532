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
the given daily returns; the quadratic form is written as ``||F (w − a)||²`` with
``FᵀF`` the Gram matrix of the centred returns (Cholesky, or the eigen-decomposition
when it is singular), so the solver sees n rows instead of T. The problem of each shape
(variant, n instruments, K targets, whether the floor and the turnover limit apply) is
compiled once (cvxpy's DPP: every array is a parameter; about a second for the first book
of a shape) and solved again with new values. Each solve builds a new Clarabel solver
(``warm_start=False``: updating the previous solver in place answers a few ulps, and for
risk parity up to 1e-7, away from a fresh solve), so a book's answer does not depend on
the books solved before it and equals bit for bit what an uncached compile gives
(tested). The solution is then turned into
whole lots and passed through the same constraint steps and checks as the
back-to-target proposal (:func:`~sigmasight.analytics.rebalancing.apply_constraints`).
"""

from __future__ import annotations

import functools
import threading
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

VARIANTS = ("min_tracking_error", "min_variance", "risk_parity")
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


@dataclass(frozen=True)
class _Template:
    """A compiled problem of one shape: solving again only sets its parameters."""

    problem: Any
    weights: Any
    parameters: dict[str, Any]
    lock: threading.Lock


@functools.lru_cache(maxsize=64)
def _template(T: int, n: int, K: int, floored: bool, turnover: bool) -> _Template:
    """The problem for ``T`` returns of ``n`` instruments and ``K`` targets, written so
    cvxpy's DPP compiles it once (every data array is a parameter)."""
    import cvxpy  # lazily: importing it costs about a second

    cp: Any = cvxpy  # the package ships no complete type information
    w = cp.Variable(n)
    par = {
        "R": cp.Parameter((T, n)),
        "Ra": cp.Parameter(T),  # R @ anchor, so that the objective stays DPP
        "w0": cp.Parameter(n),
        "A": cp.Parameter((K, n)),
        "lower": cp.Parameter(K),
        "upper": cp.Parameter(K),
        "floor": cp.Parameter(n),
        "room": cp.Parameter(),
        "cost": cp.Parameter(nonneg=True),
        "tau": cp.Parameter(nonneg=True),
    }
    d = w - par["w0"]
    traded = cp.Variable(n)  # |d|, as two inequalities: cost x |d| stays DPP
    rules = [
        traded >= d,
        traded >= -d,
        par["A"] @ w >= par["lower"],
        par["A"] @ w <= par["upper"],
        cp.sum(d) + par["cost"] * cp.sum(traded) <= par["room"],
    ]
    if floored:
        rules.append(w >= par["floor"])
    if turnover:
        rules.append(cp.sum(traded) <= par["tau"])
    objective = cp.Minimize(cp.sum_squares(par["R"] @ w - par["Ra"]))
    return _Template(cp.Problem(objective, rules), w, par, threading.Lock())


def _factor(gram: FloatArray) -> FloatArray:
    """F (n, n) with FᵀF = ``gram`` = CᵀC, so that ||C(w − a)||² = ||F w − F a||²: the
    solver sees n rows instead of the T returns, with the same minimiser. Cholesky, or
    the eigen-decomposition when the covariance is singular (fewer returns than
    instruments, or collinear ones)."""
    try:
        return np.asarray(np.linalg.cholesky(gram).T, dtype=np.float64)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(gram)
        return np.asarray(np.sqrt(np.maximum(values, 0.0))[:, None] * vectors.T, dtype=np.float64)


@functools.lru_cache(maxsize=64)
def _parity_template(n: int, K: int, turnover: bool) -> _Template:
    """Equal risk budgets within the constraints, homogenised as skfolio's
    ``RiskBudgeting`` poses it: ``min ŷᵀΣŷ`` s.t. ``Σ log ŷ ≥ 0``, ``Σ ŷ = f`` and every
    constraint of ``y = ŷ / f`` (weights over the invested total ``s``) multiplied by
    ``f``; the weights are ``s ŷ / f``."""
    import cvxpy

    cp: Any = cvxpy
    y = cp.Variable(n)
    f = cp.Variable()
    par = {
        "R": cp.Parameter((n, n)),
        "A": cp.Parameter((K, n)),
        "lower": cp.Parameter(K),  # bounds over s
        "upper": cp.Parameter(K),
        "w0": cp.Parameter(n),  # today's weights over s
        "room": cp.Parameter(),  # cash room left once the invested total is s
        "cost": cp.Parameter(nonneg=True),  # cost rate x s
        "tau": cp.Parameter(nonneg=True),  # turnover limit over s
    }
    traded = cp.Variable(n)
    rules = [
        cp.sum(cp.log(y)) >= 0,
        cp.sum(y) == f,
        traded >= y - par["w0"] * f,
        traded >= par["w0"] * f - y,
        par["A"] @ y >= par["lower"] * f,
        par["A"] @ y <= par["upper"] * f,
        par["cost"] * cp.sum(traded) <= par["room"] * f,
    ]
    if turnover:
        rules.append(cp.sum(traded) <= par["tau"] * f)
    problem = cp.Problem(cp.Minimize(cp.sum_squares(par["R"] @ y)), rules)
    return _Template(problem, (y, f), par, threading.Lock())


def _invested_total(problem: Problem, held: float) -> float | None:
    """Today's invested weight, moved inside what the bands and cash allow (a tenth of
    that range in from its edges) when it is outside; None when nothing is."""
    lowest = float(problem.lower.sum())
    covered = problem.membership.sum(axis=0) > 0
    highest = float(problem.upper.sum()) if covered.all() else np.inf
    highest = min(highest, held + problem.cash_room)
    if highest <= max(lowest, 0.0):
        return None
    low = max(lowest, 0.0)
    edge = 0.1 * (highest - low)
    return float(np.clip(held if held > 0 else highest, low + edge, highest - edge))


def _solve_parity(problem: Problem, R: FloatArray) -> FloatArray | None:
    """Risk parity weights (n,): the invested total stays today's (moved inside the
    range the bands and cash allow when it is outside; from cash only, near all of it),
    its split gives each instrument an equal share of the risk as far as the
    constraints allow."""
    import cvxpy

    cp: Any = cvxpy
    held = float(problem.w0.sum())
    total = _invested_total(problem, held)
    if total is None or not np.isfinite(problem.floor).all():
        return None  # no long budget to split (or shorts allowed: parity is long only)
    turnover = bool(np.isfinite(problem.max_turnover))
    template = _parity_template(problem.w0.size, problem.lower.size, turnover)
    values = {
        "R": R,
        "A": problem.membership,
        "lower": problem.lower / total,
        "upper": problem.upper / total,
        "w0": problem.w0 / total,
        "room": problem.cash_room - (total - held),
        "cost": problem.cost_rate * total,
        "tau": problem.max_turnover / total if turnover else 0.0,
    }
    with template.lock:
        for name, value in values.items():
            template.parameters[name].value = value
        try:
            template.problem.solve(solver=cp.CLARABEL, warm_start=False, **SOLVER_TOLERANCES)
        except cp.SolverError:
            return None
        if template.problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
            return None
        y, f = (v.value for v in template.weights)
    if y is None or f is None or f <= 0:
        return None
    return np.asarray(total * y / f, dtype=np.float64)


def solve(problem: Problem, variant: str) -> FloatArray | None:
    """The optimal weights (n,), or None when the problem is infeasible or unsolved."""
    import cvxpy  # lazily: importing it costs about a second

    cp: Any = cvxpy
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    T, n = problem.returns.shape
    # Annualised and in percent: daily variances (~1e-4) would sit below the solver's
    # absolute tolerances. The scale does not change the minimiser.
    scale = 100.0 * np.sqrt(252.0 / max(T - 1, 1))
    centred = scale * (problem.returns - problem.returns.mean(axis=0))
    R = _factor(centred.T @ centred)
    if variant == "risk_parity":
        return _solve_parity(problem, R)
    anchor = problem.benchmark if variant == "min_tracking_error" else np.zeros(n)
    floored = bool(np.isfinite(problem.floor).all())
    turnover = bool(np.isfinite(problem.max_turnover))
    template = _template(R.shape[0], n, problem.lower.size, floored, turnover)
    values = {
        "R": R,
        "Ra": R @ anchor,
        "w0": problem.w0,
        "A": problem.membership,
        "lower": problem.lower,
        "upper": problem.upper,
        "floor": np.where(np.isfinite(problem.floor), problem.floor, 0.0),
        "room": problem.cash_room,
        "cost": problem.cost_rate,
        "tau": problem.max_turnover if turnover else 0.0,
    }
    with template.lock:  # one problem object per shape, shared by the API's threads
        for name, value in values.items():
            template.parameters[name].value = value
        try:
            template.problem.solve(solver=cp.CLARABEL, warm_start=False, **SOLVER_TOLERANCES)
        except cp.SolverError:
            return None
        if template.problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
            return None
        found = template.weights.value
    return None if found is None else np.asarray(found, dtype=np.float64)


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

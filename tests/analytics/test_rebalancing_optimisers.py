"""Optimiser variants against skfolio's own solution of the same problem, on real prices
(the S&P 500 closes bundled with skfolio), and their proposals against the constraints."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
from skfolio.measures import RiskMeasure
from skfolio.optimization import MeanRisk

from sigmasight.analytics import rebalancing as rb
from sigmasight.analytics import rebalancing_optimisers as ro
from tests._skfolio import skfolio_closes

SYMBOLS = ["AAPL", "AMD", "BAC", "CVX", "JPM", "KO", "MSFT", "PFE", "WMT", "XOM"]
GROUPS = np.array([0, 0, 1, 2, 1, 3, 0, 3, 3, 2])  # tech, banks, energy, defensive


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    closes = skfolio_closes()[SYMBOLS].loc["2021-01-01":"2022-12-31"].dropna()
    return closes.pct_change().iloc[1:]


def _case(returns: pd.DataFrame, cash: float, **constraints: float) -> tuple:  # type: ignore[type-arg]
    closes = skfolio_closes()[SYMBOLS].loc[: returns.index[-1]].iloc[-1].to_numpy()
    quantity = np.array([300, 500, 900, 150, 120, 400, 200, 300, 100, 250], float)
    book = rb.Book(
        quantity=quantity,
        price=closes,
        exposure_per_unit=closes.copy(),
        value_per_unit=closes.copy(),
        tradable=np.ones(len(SYMBOLS), bool),
        lot_size=np.ones(len(SYMBOLS)),
        cash=cash,
    )
    weight = np.array([0.35, 0.2, 0.15, 0.25])
    targets = rb.Targets(weight, weight - 0.04, weight + 0.04, GROUPS)
    return book, targets, rb.Constraints(cost_rate=0.0, **constraints)


def _skfolio(problem: ro.Problem, returns: pd.DataFrame, target: np.ndarray | None) -> np.ndarray:
    """The same problem posed through skfolio's MeanRisk (its own constraint builder and
    variance objective); only the L1 turnover budget, which skfolio states per asset, is
    added as a cvxpy constraint."""
    names = list(returns.columns)
    groups = {s: [f"g{k}"] for s, k in zip(names, GROUPS, strict=True)}
    linear = [f"g{k} >= {problem.lower[k]:.12f}" for k in range(4)]
    linear += [f"g{k} <= {problem.upper[k]:.12f}" for k in range(4)]
    w0 = problem.w0
    extra = []
    if np.isfinite(problem.max_turnover):
        extra = [lambda w: cp.norm1(w - w0) <= problem.max_turnover]
    model = MeanRisk(
        risk_measure=RiskMeasure.VARIANCE,
        min_weights=0.0,
        max_weights=None,
        budget=None,
        max_budget=float(w0.sum() + problem.cash_room),
        groups=groups,
        linear_constraints=linear,
        target_weights=target,
        add_constraints=(lambda w: [c(w) for c in extra]) if extra else None,
        solver_params=ro.SOLVER_TOLERANCES,
    )
    model.fit(returns)
    return np.asarray(model.weights_)


@pytest.mark.parametrize("variant", ["min_tracking_error", "min_variance"])
@pytest.mark.parametrize("max_turnover", [np.inf, 0.15])
def test_variants_agree_with_skfolio(
    returns: pd.DataFrame, variant: str, max_turnover: float
) -> None:
    book, targets, constraints = _case(returns, cash=20_000.0, max_turnover=max_turnover)
    problem, _live = ro.problem_of(book, targets, constraints, returns.to_numpy())
    ours = ro.solve(problem, variant)
    assert ours is not None
    anchor = problem.benchmark if variant == "min_tracking_error" else None
    reference = _skfolio(problem, returns, anchor)
    np.testing.assert_allclose(ours, reference, atol=1e-4)
    R = returns.to_numpy()
    cov = np.cov(R, rowvar=False)
    a = problem.benchmark if anchor is not None else 0.0
    objective = lambda w: (w - a) @ cov @ (w - a)  # noqa: E731
    assert objective(ours) <= objective(reference) * (1 + 1e-4) + 1e-12


@pytest.mark.parametrize("variant", ro.VARIANTS)
def test_optimised_proposals_keep_the_constraints(returns: pd.DataFrame, variant: str) -> None:
    book, targets, constraints = _case(returns, cash=20_000.0, max_turnover=0.3)
    prop = ro.propose_optimised(book, targets, constraints, returns.to_numpy(), variant)
    assert prop.feasible, prop.reasons
    nav = book.nav
    x = prop.trade
    notional = x * book.price
    assert np.array_equal(x, np.round(x))
    assert np.abs(notional).sum() <= 0.3 * nav + 1e-6
    assert book.cash - notional.sum() >= -1e-6
    assert np.all(book.quantity + x >= 0)
    after = np.bincount(GROUPS, weights=(book.quantity + x) * book.price) / nav
    assert np.all((after >= targets.lower) & (after <= targets.upper))


def test_an_impossible_problem_names_itself(returns: pd.DataFrame) -> None:
    book, targets, constraints = _case(returns, cash=20_000.0, max_turnover=0.0)
    prop = ro.propose_optimised(book, targets, constraints, returns.to_numpy(), "min_variance")
    assert not prop.feasible
    assert [r.code for r in prop.reasons] == [ro.INFEASIBLE]
    assert np.all(prop.trade == 0)


# skfolio clips a singular covariance to the nearest positive definite one (and says so).
@pytest.mark.filterwarnings("ignore:The covariance matrix is not positive definite")
def test_a_singular_covariance_is_solved(returns: pd.DataFrame) -> None:
    """Five sessions for ten stocks: the Gram matrix is singular (eigen fallback)."""
    book, targets, constraints = _case(returns, cash=20_000.0, max_turnover=0.3)
    short = returns.to_numpy()[-5:]
    problem, _ = ro.problem_of(book, targets, constraints, short)
    ours = ro.solve(problem, "min_variance")
    assert ours is not None
    centred = short - short.mean(axis=0)
    reference = _skfolio(problem, returns.iloc[-5:], None)
    variance = lambda w: float(np.sum((centred @ w) ** 2))  # noqa: E731
    assert variance(ours) <= variance(reference) + 1e-9
    group = problem.membership @ ours
    assert np.all(group >= problem.lower - 1e-7)
    assert np.all(group <= problem.upper + 1e-7)
    assert np.abs(ours - problem.w0).sum() <= 0.3 + 1e-7


def test_risk_parity_agrees_with_skfolio(returns: pd.DataFrame) -> None:
    """skfolio's RiskBudgeting (equal budgets, variance) with the same group bands, over
    the invested total: the same split, and equal risk contributions where no band binds."""
    from skfolio.optimization import RiskBudgeting

    book, targets, constraints = _case(returns, cash=20_000.0)
    problem, _ = ro.problem_of(book, targets, constraints, returns.to_numpy())
    ours = ro.solve(problem, "risk_parity")
    assert ours is not None
    total = problem.w0.sum()
    assert ours.sum() == pytest.approx(total, rel=1e-8)
    names = list(returns.columns)
    groups = {s: [f"g{k}"] for s, k in zip(names, GROUPS, strict=True)}
    linear = [f"g{k} >= {problem.lower[k] / total:.12f}" for k in range(4)]
    linear += [f"g{k} <= {problem.upper[k] / total:.12f}" for k in range(4)]
    model = RiskBudgeting(
        risk_measure=RiskMeasure.VARIANCE,
        groups=groups,
        linear_constraints=linear,
        solver_params=ro.SOLVER_TOLERANCES,
    )
    model.fit(returns)
    np.testing.assert_allclose(ours / total, np.asarray(model.weights_), atol=1e-4)
    # Within a group whose band does not bind, every member carries the same risk.
    cov = np.cov(returns.to_numpy(), rowvar=False)
    contribution = ours * (cov @ ours)
    group = problem.membership @ ours
    free = (group > problem.lower + 1e-6) & (group < problem.upper - 1e-6)
    if free.all():
        np.testing.assert_allclose(contribution, contribution.mean(), rtol=1e-3)


def test_risk_parity_proposal_keeps_the_constraints(returns: pd.DataFrame) -> None:
    book, targets, constraints = _case(returns, cash=20_000.0, max_turnover=0.4)
    prop = ro.propose_optimised(book, targets, constraints, returns.to_numpy(), "risk_parity")
    x = prop.trade
    notional = x * book.price
    assert np.abs(notional).sum() <= 0.4 * book.nav + 1e-6
    assert book.cash - notional.sum() >= -1e-6
    assert np.all(book.quantity + x >= 0)
    after = np.bincount(GROUPS, weights=(book.quantity + x) * book.price) / prop.nav_after
    inside = (after >= targets.lower - 1e-9) & (after <= targets.upper + 1e-9)
    assert prop.feasible == bool(inside.all())


@pytest.mark.parametrize("variant", ro.VARIANTS)
def test_a_compiled_problem_solves_as_a_fresh_compile(returns: pd.DataFrame, variant: str) -> None:
    """The problem of a shape is compiled once and reused: solving a book again on the
    cached problem, after another book of the same shape set its parameters, gives the
    bits the first (compiling) solve gave."""
    book, targets, constraints = _case(returns, cash=50_000.0, max_turnover=0.5)
    first = ro.problem_of(book, targets, constraints, returns.to_numpy()[-250:])[0]
    shifted = np.array([0.25, 0.25, 0.2, 0.25])
    moved = rb.Targets(shifted, shifted - 0.04, shifted + 0.04, GROUPS)
    other = ro.problem_of(book, moved, constraints, returns.to_numpy()[-500:-250])[0]
    ro._template.cache_clear()
    ro._parity_template.cache_clear()
    fresh = ro.solve(first, variant)
    between = ro.solve(other, variant)
    again = ro.solve(first, variant)
    hits = ro._template.cache_info().hits + ro._parity_template.cache_info().hits
    assert hits == 2  # both later solves reused the compiled problem
    assert fresh is not None
    assert between is not None
    assert again is not None
    assert not np.allclose(between, fresh, rtol=0, atol=1e-6)  # the new values were used
    assert np.array_equal(again, fresh)
